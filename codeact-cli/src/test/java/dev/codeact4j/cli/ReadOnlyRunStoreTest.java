package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run store that cannot be written: {@code history}, {@code show} and {@code report} still read it, and a run
 * says why it cannot record itself and goes on. Read-only here means a read-only bind mount, in a mount namespace
 * of the codeact process's own (see {@link ChildCodeact#runWithReadOnly}): the tests run as root, whom file
 * permissions do not stop.
 */
class ReadOnlyRunStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @TempDir
    Path temp;


    private static CodeactRun codeact(Path codeactHome, String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", codeactHome.toString()), args);
    }

    private static String code(String code) {
        return "Here.\n\n```python\n" + code + "\n```";
    }

    @Test
    void aStoreOnAReadOnlyMountIsReadAndARunSaysWhyItIsNotRecorded() throws Exception {
        String runId;
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("x = 6 * 7\nprint('x is', x)")).reply(code("final_answer(x)"));
            CodeactRun recorded = codeact(home, "run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "Find x.");
            assertThat(recorded.exitCode()).as(recorded.err()).isZero();
            runId = JSON.readTree(recorded.out()).get("runId").asText();
        }
        // As a store is left when nothing uses it: the file alone, its WAL folded back in and removed.
        try (Stream<Path> files = Files.list(home)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("runs.db");
        }
        byte[] before = Files.readAllBytes(home.resolve("runs.db"));

        // The directory, and the file in it, on a read-only mount.
        List<Path> homeReadOnly = List.of(home);
        ChildCodeact.Result history = ChildCodeact.runWithReadOnly(homeReadOnly, home, "history", "--json");
        assertThat(history.exitCode()).as(history.err()).isZero();
        JsonNode listed = JSON.readTree(history.out());
        assertThat(listed.get("id").asText()).isEqualTo(runId);
        assertThat(listed.get("status").asText()).isEqualTo("succeeded");
        assertThat(listed.get("steps").asInt()).isEqualTo(2);

        ChildCodeact.Result show = ChildCodeact.runWithReadOnly(homeReadOnly, home, "show", runId.substring(0, 8));
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains("Run " + runId, "task     Find x.", "x is 42", "── Answer");

        ChildCodeact.Result report = ChildCodeact.runWithReadOnly(homeReadOnly, home, "report", "--json");
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(JSON.readTree(report.out()).get("runs").asInt()).isEqualTo(1);

        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("final_answer(2 + 2)"));
            ChildCodeact.Result run = ChildCodeact.runWithReadOnly(homeReadOnly, home, "run", "--model", "openai:test",
                    "--base-url", server.baseUrl(), "--api-key", "k", "What is 2 + 2?");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("4\n");
            assertThat(run.err()).contains("codeact: warning: the run store at " + home.resolve("runs.db")
                    + " cannot be written: read-only file system; the run goes on without it.")
                    .doesNotContain("Recorded as");
        }

        // The file alone read-only, in a directory that can be written: SQLite makes its index next to it.
        ChildCodeact.Result fileReadOnly = ChildCodeact.runWithReadOnly(List.of(home.resolve("runs.db")), home,
                "history", "--json");
        assertThat(fileReadOnly.exitCode()).as(fileReadOnly.err()).isZero();
        assertThat(JSON.readTree(fileReadOnly.out()).get("id").asText()).isEqualTo(runId);

        assertThat(Files.readAllBytes(home.resolve("runs.db"))).as("the store is as it was").isEqualTo(before);
        assertThat(codeact(home, "history", "--json").out()).as("and writable again outside the namespace")
                .contains(runId);
    }

    @Test
    void aCodeactHomeThatIsAFileIsSaidToBeOneByTheCommandsThatRead() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("codeact-home"), "a file, not a directory");
        String problem = "codeact: the run store at " + notADirectory.resolve("runs.db") + " could not be opened: "
                + notADirectory + " is a file, not a directory.\n";

        for (String[] args : List.of(new String[]{"history"}, new String[]{"report", "--json"},
                new String[]{"show", "abc"})) {
            CodeactRun run = codeact(notADirectory, args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(run.err()).isEqualTo(problem);
            assertThat(run.out()).isEmpty();
        }
    }
}
