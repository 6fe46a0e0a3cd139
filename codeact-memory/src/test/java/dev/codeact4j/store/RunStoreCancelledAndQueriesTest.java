package dev.codeact4j.store;

import dev.codeact4j.agent.AgentResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the server needs of the store: cancelled runs (and the migration that allows them), runs a shutdown left
 * incomplete, the history filtered by status and text, the report day by day, and ages as report --since has them.
 */
class RunStoreCancelledAndQueriesTest {
    @TempDir
    Path temp;

    private Path file() {
        return temp.resolve(RunStore.FILE_NAME);
    }

    private static String single(Path file, String query) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(query)) {
            return row.next() ? row.getString(1) : null;
        }
    }

    @Test
    void aStoreMadeBeforeRunsCouldBeCancelledKeepsItsRunsStepsAndTheirOrder() throws Exception {
        RunStore.open(file(), RunStore.BUSY_TIMEOUT, Migrations.ALL.subList(0, 5)).close();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement statement = connection.createStatement()) {
            // Two runs of the same millisecond: the history tells them apart by the order they were written in.
            statement.execute("INSERT INTO runs (id, task, status, started_at, finished_at, duration_ms, language) "
                    + "VALUES ('first', 'kept first', 'succeeded', 5, 6, 1, 'javascript')");
            statement.execute("INSERT INTO runs (id, task, status, started_at) VALUES ('second', 'kept second', 'incomplete', 5)");
            statement.execute("INSERT INTO steps (run_id, step_index, code, stdout, network_json) "
                    + "VALUES ('first', 0, 'print(1)', '1\n', '[]')");
            assertThatThrownBy(() -> statement.execute("UPDATE runs SET status = 'cancelled' WHERE id = 'first'"))
                    .hasMessageContaining("CHECK constraint failed");
        }

        try (RunStore store = RunStore.open(file())) {
            assertThat(store.history(5)).extracting(RunSummary::id).containsExactly("second", "first");
            StoredRun first = store.find("first").orElseThrow();
            assertThat(first.steps()).extracting(StoredStep::stdout).containsExactly("1\n");
            assertThat(first.language().id()).isEqualTo("javascript");
            AgentResult cancelled = SyntheticRuns.cancelled(store.recorder(), "test:model", "stop me");
            assertThat(store.find(cancelled.runId()).orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
        }
        assertThat(single(file(), "PRAGMA user_version")).isEqualTo(String.valueOf(Migrations.latest(Migrations.ALL)));
        assertThat(single(file(), "PRAGMA integrity_check")).isEqualTo("ok");
        assertThat(single(file(), "PRAGMA foreign_key_check")).isNull();
        assertThat(single(file(), "SELECT sql FROM sqlite_schema WHERE name = 'steps'")).contains("REFERENCES \"runs\"");
        assertThat(single(file(), "SELECT group_concat(name) FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'"))
                .contains("runs_by_start", "runs_running", "steps_by_error");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA foreign_keys = ON");
            statement.execute("DELETE FROM runs WHERE id = 'first'");
        }
        assertThat(single(file(), "SELECT COUNT(*) FROM steps WHERE run_id = 'first'")).as("the cascade holds").isEqualTo("0");
    }

    @Test
    void aCancelledRunIsRecordedAsCancelledWithItsStepsAndCountsAsUnsuccessful() {
        try (RunStore store = RunStore.open(file())) {
            AgentResult result = SyntheticRuns.cancelled(store.recorder(), "test:model", "Wait for ever.");
            StoredRun run = store.find(result.runId()).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
            assertThat(run.reason()).isEqualTo("cancelled");
            assertThat(run.durationMs()).isEqualTo(50);
            assertThat(run.steps()).hasSize(1);
            ExecutionReport report = store.report(null, null);
            assertThat(report.runs()).isEqualTo(1);
            assertThat(report.succeeded()).isZero();
        }
    }

    @Test
    void aRunStoppedByAShutdownIsIncompleteEvenAfterItsStopWasRecorded() {
        AgentResult result;
        try (RunStore store = RunStore.open(file())) {
            result = SyntheticRuns.cancelled(store.recorder(), "test:model", "Interrupted by a shutdown.");
            store.runIncomplete(result.runId(), "codeact serve stopped before the run finished");
        }
        try (RunStore store = RunStore.open(file())) {
            StoredRun run = store.find(result.runId()).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
            assertThat(run.error()).isEqualTo("codeact serve stopped before the run finished");
            assertThat(run.reason()).isNull();
            assertThat(run.finishedAt()).isNull();
            assertThat(run.durationMs()).isNull();
            assertThat(run.steps()).hasSize(1);
            assertThat(run.inputTokens()).as("counted from its steps, as for any run that never finished").isEqualTo(10);
        }
    }

    @Test
    void theHistoryIsFilteredByStatusAndByTextInTheTask() throws Exception {
        try (RunStore store = RunStore.open(file())) {
            SyntheticRuns.emit(store.recorder(), "test:model", "Sum the SALES by region", true, 10, (String) null);
            Thread.sleep(2);
            SyntheticRuns.emit(store.recorder(), "test:model", "Plot the sales", false, 10, (String) null);
            Thread.sleep(2);
            SyntheticRuns.cancelled(store.recorder(), "test:model", "Count the sales");
            Thread.sleep(2);
            SyntheticRuns.emit(store.recorder(), "test:model", "Something else", true, 10, (String) null);

            assertThat(store.history(10, null, "sales")).extracting(RunSummary::task)
                    .containsExactly("Count the sales", "Plot the sales", "Sum the SALES by region");
            assertThat(store.history(10, RunStatus.SUCCEEDED, null)).extracting(RunSummary::task)
                    .containsExactly("Something else", "Sum the SALES by region");
            assertThat(store.history(10, RunStatus.CANCELLED, "sales")).extracting(RunSummary::task)
                    .containsExactly("Count the sales");
            assertThat(store.history(1, null, " sales ")).extracting(RunSummary::task).containsExactly("Count the sales");
            assertThat(store.history(10, RunStatus.FAILED, "region")).isEmpty();
            assertThat(store.history(10, null, "100%_")).isEmpty();
        }
    }

    @Test
    void theReportHasEveryDayFromItsStartToTodayWithThatDaysRuns() throws Exception {
        ZoneId zone = ZoneId.systemDefault();
        try (RunStore store = RunStore.open(file())) {
            SyntheticRuns.emit(store.recorder(), "a:model", "today 1", true, 100, (String) null);
            SyntheticRuns.emit(store.recorder(), "a:model", "today 2", false, 300, (String) null);
            AgentResult older = SyntheticRuns.emit(store.recorder(), "b:model", "two days ago", true, 500, (String) null);
            try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file());
                 Statement statement = connection.createStatement()) {
                long twoDaysAgo = Instant.now().minus(2, ChronoUnit.DAYS).toEpochMilli();
                statement.execute("UPDATE runs SET started_at = " + twoDaysAgo + " WHERE id = '" + older.runId() + "'");
            }

            LocalDate today = LocalDate.now(zone);
            List<ExecutionReport.Day> days = store.report(null, null).byDay();
            assertThat(days).extracting(ExecutionReport.Day::day)
                    .containsExactly(today.minusDays(2), today.minusDays(1), today);
            assertThat(days.get(0)).isEqualTo(new ExecutionReport.Day(today.minusDays(2), 1, 1, 1.0, 500, 500, 10, 2));
            assertThat(days.get(1)).isEqualTo(new ExecutionReport.Day(today.minusDays(1), 0, 0, 0, 0, 0, 0, 0));
            assertThat(days.get(2)).isEqualTo(new ExecutionReport.Day(today, 2, 1, 0.5, 100, 300, 20, 4));

            Instant weekAgo = Instant.now().minus(Duration.ofDays(7));
            assertThat(store.report(weekAgo, null).byDay()).hasSize(8).first()
                    .extracting(ExecutionReport.Day::day).isEqualTo(LocalDate.ofInstant(weekAgo, zone));
            assertThat(store.report(weekAgo, "b:model").byDay()).extracting(ExecutionReport.Day::runs)
                    .containsExactly(0, 0, 0, 0, 0, 1, 0, 0);
            assertThat(store.report(null, null).byModel().get("a:model").byDay()).isEmpty();
        }
        try (RunStore empty = RunStore.open(temp.resolve("empty.db"))) {
            assertThat(empty.report(null, null).byDay()).isEmpty();
        }
    }

    @Test
    void statusesAreReadFromTheirLabels() {
        assertThat(RunStatus.parse("Cancelled")).isEqualTo(RunStatus.CANCELLED);
        assertThatThrownBy(() -> RunStatus.parse("done"))
                .hasMessage("unknown status 'done'; use one of running, succeeded, failed, incomplete, cancelled");
    }

    @Test
    void agesAreDaysHoursOrMinutes() {
        assertThat(Age.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Age.parse(" 12H ")).isEqualTo(Duration.ofHours(12));
        assertThat(Age.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThatThrownBy(() -> Age.parse("a week"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'a week' is not an age; write a number and d, h or m, e.g. 7d (days), 12h (hours) or 30m (minutes)");
    }
}
