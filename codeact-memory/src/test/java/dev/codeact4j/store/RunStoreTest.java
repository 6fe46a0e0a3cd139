package dev.codeact4j.store;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.store.Migrations.Migration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store through its real file: schema and migrations, recording, reading, reports, crashes and failures. */
class RunStoreTest {
    private static final String LATEST = String.valueOf(Migrations.latest(Migrations.ALL));

    @TempDir
    Path temp;

    private Path file() {
        return temp.resolve("home").resolve(RunStore.FILE_NAME);
    }

    /** A plain connection to the file, to look at it (or tamper with it) behind the store's back. */
    private static Connection sqlite(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    private static String pragma(Path file, String pragma) throws SQLException {
        try (Connection connection = sqlite(file); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("PRAGMA " + pragma)) {
            row.next();
            return row.getString(1);
        }
    }

    private static List<String> columns(Path file, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection connection = sqlite(file); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rows.next()) {
                columns.add(rows.getString("name"));
            }
        }
        return columns;
    }

    // --- schema -----------------------------------------------------------------------------------------------------

    @Test
    void aNewFileGetsTheSchemaInWalModeAndReopeningChangesNothing() throws Exception {
        try (RunStore store = RunStore.open(file())) {
            SyntheticRuns.emit(store.recorder(), "test:model", "first", true, 100, (String) null);
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(String.valueOf(Migrations.latest(Migrations.ALL)));
        assertThat(pragma(file(), "journal_mode")).isEqualTo("wal");
        assertThat(columns(file(), "runs")).contains("id", "task", "model", "mode", "status", "reason", "answer_json",
                "answer_text", "format", "parse_error", "started_at", "finished_at", "duration_ms", "input_tokens",
                "output_tokens", "attempts", "pid", "host");
        assertThat(columns(file(), "steps")).contains("run_id", "step_index", "thought", "code", "observation",
                "error_type", "error_message", "traceback", "model_ms", "execution_ms", "tool_calls_json");

        for (int i = 0; i < 2; i++) {
            try (RunStore store = RunStore.open(file())) {
                assertThat(store.history(10)).extracting(RunSummary::task).containsExactly("first");
            }
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(LATEST);
        assertThat(pragma(file(), "integrity_check")).isEqualTo("ok");
    }

    @Test
    void anEmptyFileIsANewStore() throws Exception {
        Files.createDirectories(file().getParent());
        Files.createFile(file());

        try (RunStore store = RunStore.open(file())) {
            assertThat(store.history(5)).isEmpty();
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(LATEST);
    }

    @Test
    void anOlderStoreIsUpgradedByTheMigrationsItHasNotHadAndKeepsItsRuns() throws Exception {
        int next = Migrations.latest(Migrations.ALL) + 1;
        Migration label = new Migration(next, "a label on runs", List.of(
                "ALTER TABLE runs ADD COLUMN label TEXT", "CREATE INDEX runs_by_label ON runs (label)"));
        try (RunStore store = RunStore.open(file())) {
            SyntheticRuns.emit(store.recorder(), "test:model", "kept", true, 100, (String) null);
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(LATEST);

        List<Migration> withLabel = new java.util.ArrayList<>(Migrations.ALL);
        withLabel.add(label);
        try (RunStore store = RunStore.open(file(), RunStore.BUSY_TIMEOUT, withLabel)) {
            assertThat(store.history(5)).extracting(RunSummary::task).containsExactly("kept");
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(String.valueOf(next));
        assertThat(columns(file(), "runs")).contains("label");
    }

    @Test
    void aVersionOneStoreGetsTheMemoryTablesAndKeepsItsRuns() throws Exception {
        RunStore.open(file(), RunStore.BUSY_TIMEOUT, List.of(Migrations.ALL.get(0))).close();
        try (Connection connection = sqlite(file()); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO runs (id, task, status, started_at, finished_at, duration_ms) "
                    + "VALUES ('old', 'kept', 'succeeded', 1, 2, 1)");
        }

        try (RunStore store = RunStore.open(file())) {
            assertThat(store.history(5)).extracting(RunSummary::task).containsExactly("kept");
            assertThat(store.report(null, null).cacheHits()).isZero();
            assertThat(store.memoryTables().solutionCount()).isZero();
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(LATEST);
        assertThat(columns(file(), "runs")).contains("cached", "reused_from");
        assertThat(columns(file(), "steps")).contains("network_json");
        assertThat(columns(file(), "code_cache")).contains("cache_key", "run_id", "code_json", "created_at");
        assertThat(columns(file(), "result_cache")).contains("cache_key", "answer_json", "created_at");
        assertThat(columns(file(), "solutions")).contains("run_id", "task", "code_json", "embedding", "created_at");
    }

    @Test
    void aStoreMadeBeforeLanguagesWereRecordedReadsItsRunsAndSolutionsAsPython() throws Exception {
        RunStore.open(file(), RunStore.BUSY_TIMEOUT, Migrations.ALL.subList(0, 4)).close();
        try (Connection connection = sqlite(file()); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO runs (id, task, status, started_at, finished_at, duration_ms) "
                    + "VALUES ('old', 'kept', 'succeeded', 1, 2, 1)");
            statement.execute("INSERT INTO solutions (run_id, task, code_json, created_at) "
                    + "VALUES ('old', 'kept', '[\"final_answer(1)\"]', 1)");
        }
        assertThat(pragma(file(), "user_version")).isEqualTo("4");

        try (RunStore store = RunStore.open(file())) {
            assertThat(store.history(5)).extracting(RunSummary::language).containsExactly(Language.PYTHON);
            assertThat(store.find("old").orElseThrow().language()).isEqualTo(Language.PYTHON);
            assertThat(store.memoryTables().solutionVectors("python")).extracting(v -> v.runId()).containsExactly("old");
            assertThat(store.memoryTables().solutionVectors("javascript")).isEmpty();
            store.runStarted("new", "in Node", "multi-step", "test:model", Language.JAVASCRIPT, Instant.now());
            assertThat(store.find("new").orElseThrow().language()).isEqualTo(Language.JAVASCRIPT);
        }
        assertThat(pragma(file(), "user_version")).isEqualTo(LATEST);
    }

    @Test
    void aMigrationThatFailsLeavesTheStoreAsItWas() throws Exception {
        try (RunStore store = RunStore.open(file())) {
            SyntheticRuns.emit(store.recorder(), "test:model", "kept", true, 100, (String) null);
        }
        Migration broken = new Migration(Migrations.latest(Migrations.ALL) + 1, "half of it works", List.of(
                "ALTER TABLE runs ADD COLUMN label TEXT", "CREATE INDEX broken ON no_such_table (x)"));
        List<Migration> withBroken = new java.util.ArrayList<>(Migrations.ALL);
        withBroken.add(broken);

        assertThatThrownBy(() -> RunStore.open(file(), RunStore.BUSY_TIMEOUT, withBroken))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("the run store at " + file() + " could not be opened: ")
                .hasMessageContaining("no_such_table");

        assertThat(pragma(file(), "user_version")).isEqualTo(LATEST);
        assertThat(columns(file(), "runs")).doesNotContain("label");
        try (RunStore store = RunStore.open(file())) {
            assertThat(store.history(5)).hasSize(1);
        }
    }

    @Test
    void aStoreFromANewerCodeactIsRefusedUntouched() throws Exception {
        RunStore.open(file()).close();
        try (Connection connection = sqlite(file()); Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA user_version = 7");
        }

        assertThatThrownBy(() -> RunStore.open(file()))
                .isInstanceOf(StoreException.class)
                .hasMessage("the run store at " + file() + " was written by a newer codeact (schema version 7; this "
                        + "one knows up to " + LATEST + "): upgrade codeact, or point CODEACT_HOME at another directory");
        assertThat(pragma(file(), "user_version")).isEqualTo("7");
    }

    @Test
    void whatCannotBeAStoreIsAClearError() throws Exception {
        Path notADatabase = temp.resolve("notes.db");
        Files.writeString(notADatabase, "these are my notes, not a database; ".repeat(100));
        assertThatThrownBy(() -> RunStore.open(notADatabase))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("the run store at " + notADatabase + " could not be opened: ")
                .hasMessageContaining("not a database");
        assertThat(Files.readString(notADatabase)).startsWith("these are my notes");

        Path aFile = Files.writeString(temp.resolve("home-is-a-file"), "x");
        assertThatThrownBy(() -> RunStore.openIn(aFile))
                .isInstanceOf(StoreException.class)
                .hasMessage("the run store at " + aFile.resolve("runs.db") + " could not be opened: "
                        + aFile + " is a file, not a directory");

        Path aDirectory = Files.createDirectories(temp.resolve("dir.db"));
        assertThatThrownBy(() -> RunStore.open(aDirectory))
                .hasMessage("the run store at " + aDirectory + " could not be opened: it is a directory");
    }

    // --- recording and reading --------------------------------------------------------------------------------------

    @Test
    void runsAreReadBackWholeByIdOrByAUniquePrefix() {
        AgentResult recorded;
        try (RunStore store = RunStore.open(file())) {
            recorded = SyntheticRuns.emit(store.recorder(), "test:model", "Sum the squares.", true, 1234, null, "NameError");
        }
        try (RunStore store = RunStore.open(file())) {
            StoredRun run = store.find(recorded.runId().substring(0, 8)).orElseThrow();
            assertThat(run.id()).isEqualTo(recorded.runId());
            assertThat(run.task()).isEqualTo("Sum the squares.");
            assertThat(run.model()).isEqualTo("test:model");
            assertThat(run.mode()).isEqualTo("multi-step");
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.reason()).isEqualTo("final_answer");
            assertThat(run.answer().asInt()).isEqualTo(42);
            assertThat(run.answerText()).isEqualTo("42");
            assertThat(run.format()).isEqualTo("json");
            assertThat(run.durationMs()).isEqualTo(1234);
            assertThat(run.finishedAt()).isAfterOrEqualTo(run.startedAt());
            assertThat(run.inputTokens()).isEqualTo(20);
            assertThat(run.outputTokens()).isEqualTo(4);
            assertThat(run.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(run.steps()).hasSize(2);
            StoredStep failed = run.steps().get(1);
            assertThat(failed.index()).isEqualTo(1);
            assertThat(failed.thought()).isEqualTo("thought 1");
            assertThat(failed.code()).isEqualTo("print('out 1')");
            assertThat(failed.stdout()).isEqualTo("out 1\n");
            assertThat(failed.observation()).isEqualTo("Observation:\nOutput:\nout 1");
            assertThat(failed.error().type()).isEqualTo("NameError");
            assertThat(failed.error().message()).isEqualTo("NameError number 1");
            assertThat(failed.error().traceback()).contains("<cell-2>");
            assertThat(failed.modelMs()).isEqualTo(100);
            assertThat(failed.executionMs()).isEqualTo(5);
            assertThat(failed.network().toString()).isEqualTo("[{\"host\":\"data.example.org\",\"port\":443,"
                    + "\"method\":\"CONNECT\",\"allowed\":true,\"refusal\":null,\"bytesSent\":121,\"bytesReceived\":4096}]");
            assertThat(run.steps().get(0).error()).isNull();

            assertThat(store.find(recorded.runId())).isPresent();
            assertThat(store.find("no-such-run")).isEmpty();
        }
    }

    @Test
    void aPrefixOfSeveralIdsIsRefusedNamingThem() throws Exception {
        try (RunStore store = RunStore.open(file())) {
            SyntheticRuns.emit(store.recorder(), "test:model", "one", true, 10, (String) null);
            SyntheticRuns.emit(store.recorder(), "test:model", "two", true, 10, (String) null);
            try (Connection connection = sqlite(file()); Statement statement = connection.createStatement()) {
                statement.execute("UPDATE runs SET id = 'abc-' || id"); // no steps yet to follow them
            }
            assertThatThrownBy(() -> store.find("abc"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("'abc' is the start of several run ids (abc-")
                    .hasMessageEndingWith("): give more of the id");
        }
    }

    @Test
    void historyIsLatestFirstAndLimited() throws Exception {
        try (RunStore store = RunStore.open(file())) {
            for (int i = 1; i <= 5; i++) {
                SyntheticRuns.emit(store.recorder(), "test:model", "task " + i, i % 2 == 0, 10, null, null);
                Thread.sleep(2);
            }
            List<RunSummary> latest = store.history(3);
            assertThat(latest).extracting(RunSummary::task).containsExactly("task 5", "task 4", "task 3");
            assertThat(latest).extracting(RunSummary::status)
                    .containsExactly(RunStatus.FAILED, RunStatus.SUCCEEDED, RunStatus.FAILED);
            assertThat(latest.get(0).steps()).isEqualTo(2);
            assertThat(latest.get(0).inputTokens()).isEqualTo(20);
            assertThat(latest.get(0).durationMs()).isEqualTo(10);
        }
    }

    @Test
    void theReportHasTheSeedsFiguresOverallAndByModel() {
        try (RunStore store = RunStore.open(file())) {
            RunRecorder recorder = store.recorder();
            SyntheticRuns.emit(recorder, "a:model", "1", true, 100, (String) null);
            SyntheticRuns.emit(recorder, "a:model", "2", true, 200, "NameError", null);
            SyntheticRuns.emit(recorder, "a:model", "3", false, 300, "NameError", "TimeoutError", "NameError");
            SyntheticRuns.emit(recorder, "b:model", "4", true, 1000, "KeyError", null);

            ExecutionReport report = store.report(null, null);
            assertThat(report.runs()).isEqualTo(4);
            assertThat(report.succeeded()).isEqualTo(3);
            assertThat(report.successRate()).isEqualTo(0.75);
            assertThat(report.averageDurationMs()).isEqualTo(400);
            assertThat(report.p50DurationMs()).isEqualTo(200);
            assertThat(report.p95DurationMs()).isEqualTo(1000);
            assertThat(report.averageSteps()).isEqualTo(2.0);
            assertThat(report.executionTimeMs()).isEqualTo(8 * 5);
            assertThat(report.inputTokens()).isEqualTo(8 * 10);
            assertThat(report.outputTokens()).isEqualTo(8 * 2);
            assertThat(report.commonErrors()).containsExactly(
                    new ExecutionReport.CommonError("NameError", 3, "NameError number 2"), // the latest is the example
                    new ExecutionReport.CommonError("KeyError", 1, "KeyError number 0"),
                    new ExecutionReport.CommonError("TimeoutError", 1, "TimeoutError number 1"));
            assertThat(report.byModel()).containsOnlyKeys("a:model", "b:model");
            assertThat(report.byModel().keySet()).containsExactly("a:model", "b:model"); // most runs first
            ExecutionReport a = report.byModel().get("a:model");
            assertThat(a.runs()).isEqualTo(3);
            assertThat(a.successRate()).isEqualTo(0.6667);
            assertThat(a.p50DurationMs()).isEqualTo(200);
            assertThat(a.commonErrors()).extracting(ExecutionReport.CommonError::type).containsExactly("NameError", "TimeoutError");
            assertThat(a.byModel()).isEmpty();

            assertThat(store.report(null, "b:model").runs()).isEqualTo(1);
            assertThat(store.report(null, "b:model").byModel()).containsOnlyKeys("b:model");
            assertThat(store.report(Instant.now().plusSeconds(60), null).runs()).isZero();
            assertThat(store.report(Instant.now().minus(Duration.ofDays(7)), null).runs()).isEqualTo(4);
            ExecutionReport none = store.report(null, "no:model");
            assertThat(none.runs()).isZero();
            assertThat(none.successRate()).isZero();
            assertThat(none.commonErrors()).isEmpty();
        }
    }

    @Test
    void percentilesAreNearestRank() {
        long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertThat(RunStore.percentile(hundred, 50)).isEqualTo(50);
        assertThat(RunStore.percentile(hundred, 95)).isEqualTo(95);
        assertThat(RunStore.percentile(new long[] {7}, 95)).isEqualTo(7);
        assertThat(RunStore.percentile(new long[0], 50)).isZero();
    }

    // --- runs that never finish -------------------------------------------------------------------------------------

    @Test
    void aRunWhoseProcessDiedIsIncompleteWhenTheStoreIsNextOpenedWithItsStepsKept() throws Exception {
        RunStore.open(file()).close();
        Path output = temp.resolve("child.out");
        Process child = ChildJvm.start(output, "crash", file().toString());
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(output)).isEqualTo(9);
        String runId = Files.readString(output).lines().filter(line -> line.startsWith("crashed-")).findFirst().orElseThrow();

        try (Connection connection = sqlite(file()); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT status FROM runs WHERE id = '" + runId + "'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).as("as the dead process left it").isEqualTo("running");
        }
        try (RunStore store = RunStore.open(file())) {
            StoredRun run = store.find(runId).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
            assertThat(run.finishedAt()).isNull();
            assertThat(run.durationMs()).isNull();
            assertThat(run.steps()).hasSize(1);
            assertThat(run.steps().get(0).stdout()).isEqualTo("out 0\n");
            assertThat(run.inputTokens()).as("from the steps recorded").isEqualTo(10);
            assertThat(store.history(5).get(0).status()).isEqualTo(RunStatus.INCOMPLETE);
            assertThat(store.report(null, null).runs()).isEqualTo(1);
            assertThat(store.report(null, null).succeeded()).isZero();
        }
        assertThat(pragma(file(), "integrity_check")).isEqualTo("ok");
    }

    @Test
    void aRunOfALiveProcessStaysRunningAndOneThisStoreStartedIsIncompleteWhenItCloses() {
        try (RunStore store = RunStore.open(file())) {
            store.runStarted("live", "still going", "multi-step", "test:model", Language.PYTHON, Instant.now());
            try (RunStore other = RunStore.open(file())) {
                assertThat(other.find("live").orElseThrow().status()).as("this process is alive").isEqualTo(RunStatus.RUNNING);
                assertThat(other.report(null, null).runs()).as("runs under way are left out").isZero();
            }
        }
        try (RunStore store = RunStore.open(file())) {
            assertThat(store.find("live").orElseThrow().status()).isEqualTo(RunStatus.INCOMPLETE);
        }
    }

    // --- failures ---------------------------------------------------------------------------------------------------

    @Test
    void aWriteThatFailsIsReportedOnceAndTheRestGoesOn() throws Exception {
        List<StoreException> failures = new ArrayList<>();
        try (RunStore store = RunStore.open(file(), Duration.ofMillis(200), Migrations.ALL);
             Connection other = sqlite(file()); Statement lock = other.createStatement()) {
            RunRecorder recorder = store.recorder(failures::add);
            lock.execute("BEGIN EXCLUSIVE"); // another process holds the write lock past the busy timeout

            AgentResult result = SyntheticRuns.emit(recorder, "test:model", "blocked", true, 10, null, "NameError");

            assertThat(result.success()).isTrue();
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0)).hasMessage("the run store at " + file() + " could not be written: database is locked");
            assertThat(recorder.failure()).contains(failures.get(0));

            lock.execute("ROLLBACK");
            SyntheticRuns.emit(recorder, "test:model", "free again", true, 10, (String) null);
            assertThat(failures).hasSize(1);
            assertThat(store.history(5)).extracting(RunSummary::task).containsExactly("free again");
        }
    }
}
