package dev.codeact4j.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two JVMs record runs into the same file at the same time; every run arrives whole, and the file stays sound. */
class ConcurrentWritersTest {
    private static final int RUNS_EACH = 60;

    @TempDir
    Path temp;

    @Test
    void twoProcessesWritingAtOnceLoseNothingAndBreakNothing() throws Exception {
        Path file = temp.resolve(RunStore.FILE_NAME); // not created yet: both processes race to create it too
        long startAt = System.currentTimeMillis() + 2_500; // both JVMs are up by then, and begin together
        Process first = ChildJvm.start(temp.resolve("first.out"), "write", file.toString(), "first:model",
                String.valueOf(RUNS_EACH), String.valueOf(startAt));
        Process second = ChildJvm.start(temp.resolve("second.out"), "write", file.toString(), "second:model",
                String.valueOf(RUNS_EACH), String.valueOf(startAt));

        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(temp.resolve("first.out"))).isZero();
        assertThat(second.exitValue()).as(Files.readString(temp.resolve("second.out"))).isZero();

        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "PRAGMA integrity_check")).isEqualTo("ok");
            assertThat(single(statement, "SELECT COUNT(*) FROM runs")).isEqualTo(String.valueOf(2 * RUNS_EACH));
            assertThat(single(statement, "SELECT COUNT(*) FROM runs WHERE model = 'first:model'")).isEqualTo(String.valueOf(RUNS_EACH));
            assertThat(single(statement, "SELECT COUNT(*) FROM runs WHERE status NOT IN ('succeeded', 'failed')")).isEqualTo("0");
            assertThat(single(statement, "SELECT COUNT(*) FROM steps")).isEqualTo(String.valueOf(2 * RUNS_EACH * 3));
            assertThat(single(statement, "SELECT COUNT(*) FROM runs r WHERE (SELECT COUNT(*) FROM steps s "
                    + "WHERE s.run_id = r.id) <> 3")).as("runs missing steps").isEqualTo("0");
            // They did write at the same time: each one's runs began before the other's last run.
            assertThat(single(statement, "SELECT MIN(started_at) < (SELECT MAX(started_at) FROM runs WHERE model = "
                    + "'second:model') FROM runs WHERE model = 'first:model'")).isEqualTo("1");
            assertThat(single(statement, "SELECT MIN(started_at) < (SELECT MAX(started_at) FROM runs WHERE model = "
                    + "'first:model') FROM runs WHERE model = 'second:model'")).isEqualTo("1");
        }
        try (RunStore store = RunStore.open(file)) {
            ExecutionReport report = store.report(null, null);
            assertThat(report.runs()).isEqualTo(2 * RUNS_EACH);
            assertThat(report.byModel().get("second:model").runs()).isEqualTo(RUNS_EACH);
            assertThat(report.commonErrors()).containsExactly(
                    new ExecutionReport.CommonError("ValueError", 2 * RUNS_EACH, "ValueError number 1"));
        }
    }

    private static String single(Statement statement, String sql) throws Exception {
        try (ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }
}
