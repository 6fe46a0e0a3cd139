package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which commands read $CODEACT_HOME/config.json, what {@code exec} takes from it, and a file that is not valid. */
class ConfigFileCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;


    private CodeactRun codeact(String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", home.toString()), args);
    }

    private void config(Map<String, Object> settings) throws Exception {
        Files.writeString(home.resolve("config.json"), JSON.writeValueAsString(settings));
    }

    @Test
    void execTakesTheSandboxAndToolKeysAndItsOptionsOverrideThem() throws Exception {
        config(Map.of("timeoutSeconds", 1, "allowImports", List.of("os"),
                "mcp", List.of(McpTestServers.javaServer("alpha", "echo").toString())));

        CodeactRun run = codeact("exec", "--json", "-c", "import os\nos.sep", "-c", "echo(text='hi')",
                "-c", "import time\ntime.sleep(3)\n'slept'");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines.get(0).get("ok").asBoolean()).as("allowImports: os").isTrue();
        assertThat(lines.get(0).get("result").get("json").asText()).isEqualTo("/");
        assertThat(lines.get(1).get("result").get("json").asText()).as("mcp: the server's tool").isEqualTo("alpha/echo: hi");
        assertThat(lines.get(2).get("timedOut").asBoolean()).as("timeoutSeconds: 1").isTrue();

        CodeactRun overridden = codeact("exec", "--json", "--timeout", "20", "-c", "import time\ntime.sleep(2)\n'slept'");
        assertThat(overridden.exitCode()).as(overridden.err()).isZero();
        assertThat(overridden.jsonLines().get(0).get("result").get("json").asText()).isEqualTo("slept");
    }

    @Test
    void everyCommandThatReadsTheFileStopsAtOneThatIsNotValid() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"timeoutSeconds\": \"soon\"}");
        String problem = "codeact: the config file " + home.resolve("config.json") + " is not valid: "
                + "\"timeoutSeconds\" must be a number of seconds above 0, not \"soon\".";

        for (String[] args : List.of(
                new String[]{"exec", "-c", "1"},
                new String[]{"run", "--model", "openai:test", "--api-key", "k", "task"},
                new String[]{"mcp"},
                new String[]{"tools", "serve", "--tools-class", McpToolsCommandTest.OrderTools.class.getName()})) {
            CodeactRun run = codeact(args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err()).as(String.join(" ", args)).startsWith(problem);
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void theHelpSaysWhichKeysApplyWhere() {
        assertThat(codeact("exec", "--help").out()).contains("timeoutSeconds, memoryMb, diskMb, allowImports, network,",
                "allowHosts, mcp, mcpUrls, toolsPy, setup, language, data and datasets; the", "bad config file");
        assertThat(codeact("run", "--help").out()).contains("run uses every key but serve's four (models to sessionTtlSeconds); mcp the",
                "same but data and datasets; serve every key but data and datasets; exec the",
                "sandbox, tool and data keys (timeoutSeconds to mcpUrls, toolsPy, setup,");
        assertThat(codeact("mcp", "--help").out()).contains("every key of $CODEACT_HOME/config.json applies but serve's and the",
                "data keys");
    }

    @Test
    void poolSizeIsAWholeNumberAndARunWithAPoolRuns() throws Exception {
        config(Map.of("poolSize", -1));
        CodeactRun bad = codeact("run", "--model", "openai:test", "--api-key", "k", "task");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("\"poolSize\" must be a whole number of at least 0");

        config(Map.of("poolSize", 2));
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("Done.\n\n```python\nfinal_answer(6 * 7)\n```", 100, 10);
            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "Multiply six by seven.");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("answer").asInt()).isEqualTo(42);
        }
    }

    @Test
    void execSaysWithDebugHowItsSessionWasStarted() {
        // exec opens one session: a plain start gives it sooner than a fork server that would start first
        CodeactRun oneShot = codeact("--debug", "exec", "-c", "1");
        assertThat(oneShot.err()).contains("codeact: session: started plainly (the fork server is turned off) in ");
        CodeactRun network = codeact("--debug", "exec", "--network", "-c", "1");
        assertThat(network.err()).contains("codeact: session: started plainly (the policy allows network access");
    }
}
