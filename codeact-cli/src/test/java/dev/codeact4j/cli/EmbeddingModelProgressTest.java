package dev.codeact4j.cli;

import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The second or so a run spends loading the embedding model, to compare its task with the past solutions kept, is
 * said in its progress. The run that loads it is a process of its own: this test's JVM may have loaded the model
 * for another test already, and it is loaded once per process.
 */
class EmbeddingModelProgressTest {
    private static final String LOADING = "Loading the embedding model to compare the task with 1 past solution";

    @TempDir
    Path home;

    private static String code(String code) {
        return "Here.\n\n```python\n" + code + "\n```";
    }

    @Test
    void aRunSaysSoWhileItLoadsTheEmbeddingModelAndOnlyWhenThereIsAPastSolution() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("total = sum(range(1, 11))\nfinal_answer(total)"));
            StringWriter err = new StringWriter();
            int first = CodeactCommand.commandLine(Map.of("CODEACT_HOME", home.toString()))
                    .setOut(new PrintWriter(new StringWriter(), true)).setErr(new PrintWriter(err, true))
                    .execute("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                            "Sum the numbers 1 to 10.");
            assertThat(first).as(err.toString()).isZero();
            assertThat(err.toString()).as("no past solution yet: no model to load").doesNotContain("embedding model");

            server.reply(code("final_answer(sum(range(1, 21)))"));
            ChildCodeact.Result second = ChildCodeact.run(home, "run", "--model", "openai:test", "--base-url",
                    server.baseUrl(), "--api-key", "k", "Sum the numbers 1 to 20.");
            assertThat(second.exitCode()).as(second.err()).isZero();
            assertThat(second.out()).isEqualTo("210\n");
            String progress = second.err();
            assertThat(progress).contains("Task: Sum the numbers 1 to 20.", LOADING, "Step 1");
            assertThat(progress.indexOf(LOADING)).as("after the task, before the first step")
                    .isGreaterThan(progress.indexOf("Task: ")).isLessThan(progress.indexOf("Step 1"));
        }
    }
}
