package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code codeact run} in-process: usage and configuration errors, and whole runs against a model server on
 * loopback that speaks the OpenAI protocol with scripted replies, through the real agent loop and sandbox.
 */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @TempDir
    Path temp;


    /** The command with CODEACT_HOME at the test's own directory and no API key in the environment. */
    private CodeactRun codeact(String... args) {
        return codeact(Map.of("CODEACT_HOME", home.toString()), args);
    }

    private CodeactRun codeact(Map<String, String> environment, String... args) {
        return CodeactRun.of(environment, args);
    }

    private void config(String json) throws Exception {
        Files.writeString(home.resolve("config.json"), json);
    }

    private static String code(String thought, String code) {
        return thought + "\n\n```python\n" + code + "\n```";
    }

    // --- usage ------------------------------------------------------------------------------------------------------

    @Test
    void usageErrorsExitTwoWithAClearMessage() {
        CodeactRun noTask = codeact("run", "--model", "openai:gpt-4o-mini");
        assertThat(noTask.exitCode()).isEqualTo(2);
        assertThat(noTask.err()).contains("No task given");

        CodeactRun words = codeact("run", "--model", "openai:gpt-4o-mini", "add", "two", "numbers");
        assertThat(words.exitCode()).isEqualTo(2);
        assertThat(words.err()).contains("The task must be one argument, but 3 were given", "put the task in quotes");

        CodeactRun mode = codeact("run", "--model", "openai:gpt-4o-mini", "--mode", "fast", "task");
        assertThat(mode.exitCode()).isEqualTo(2);
        assertThat(mode.err()).contains("Invalid value for option '--mode'", "unknown mode 'fast'; use simple or multi-step");

        CodeactRun format = codeact("run", "--model", "openai:gpt-4o-mini", "--format", "xml", "task");
        assertThat(format.exitCode()).isEqualTo(2);
        assertThat(format.err()).contains("Invalid value for option '--format'", "use json, csv or text");

        CodeactRun model = codeact("run", "--model", "gpt-4o-mini", "task");
        assertThat(model.exitCode()).isEqualTo(2);
        assertThat(model.err()).contains("'gpt-4o-mini' is not a model spec; write PROVIDER:MODEL");

        CodeactRun steps = codeact("run", "--model", "openai:gpt-4o-mini", "--max-steps", "0", "task");
        assertThat(steps.exitCode()).isEqualTo(2);
        assertThat(steps.err()).contains("--max-steps must be at least 1");

        CodeactRun schema = codeact("run", "--model", "openai:gpt-4o-mini", "--schema", temp.resolve("none.json").toString(), "task");
        assertThat(schema.exitCode()).isEqualTo(2);
        assertThat(schema.err()).contains("--schema " + temp.resolve("none.json") + ": no such file");
    }

    @Test
    void withoutAModelTheMessageSaysWhereToNameOneAndMentionsTheDemo() {
        CodeactRun run = codeact("run", "What is 2 + 2?");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("No model named: pass --model PROVIDER:MODEL",
                "set \"model\" in " + home.resolve("config.json"), "codeact demo");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aMalformedConfigFileIsAUsageErrorNamingTheFileAndTheProblem() throws Exception {
        Path file = home.resolve("config.json");

        config("{\"model\": \"openai:gpt-4o-mini\",\n  maxSteps: 3}");
        CodeactRun syntax = codeact("run", "task");
        assertThat(syntax.exitCode()).isEqualTo(2);
        assertThat(syntax.err()).contains("the config file " + file + " is not valid: it is not valid JSON", "line 2");

        config("{\"model\": \"openai:gpt-4o-mini\", \"maxSteps\": \"ten\"}");
        CodeactRun type = codeact("run", "task");
        assertThat(type.exitCode()).isEqualTo(2);
        assertThat(type.err()).contains(file + " is not valid: \"maxSteps\" must be a whole number of at least 1, not \"ten\"");

        config("{\"modle\": \"openai:gpt-4o-mini\"}");
        CodeactRun unknown = codeact("run", "task");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown key \"modle\"; the keys are model, baseUrl, maxSteps");

        config("{\"mode\": \"fast\"}");
        CodeactRun mode = codeact("run", "task");
        assertThat(mode.exitCode()).isEqualTo(2);
        assertThat(mode.err()).contains("\"mode\": unknown mode 'fast'");

        config("{\"allowHosts\": [\"api.github.com\", \"*\"]}");
        CodeactRun hosts = codeact("run", "task");
        assertThat(hosts.exitCode()).isEqualTo(2);
        assertThat(hosts.err()).contains(file + " is not valid: \"allowHosts\": allowed host \"*\"");

        config("[\"openai:gpt-4o-mini\"]");
        CodeactRun notAnObject = codeact("run", "task");
        assertThat(notAnObject.exitCode()).isEqualTo(2);
        assertThat(notAnObject.err()).contains("it must hold a JSON object");
    }

    @Test
    void aMissingApiKeyExitsFourNamingTheVariable() {
        CodeactRun run = codeact("run", "--model", "openai:gpt-4o-mini", "What is 2 + 2?");

        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).contains("codeact: no API key for openai: set OPENAI_API_KEY or pass --api-key")
                .doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void theKeyIsReadFromTheProvidersVariableAndTheModelFromTheConfigFile() throws Exception {
        config("{\"model\": \"anthropic:claude-sonnet-4-5\"}");

        CodeactRun withoutKey = codeact("run", "task");
        assertThat(withoutKey.exitCode()).isEqualTo(4);
        assertThat(withoutKey.err()).contains("no API key for anthropic: set ANTHROPIC_API_KEY");

        try (ScriptedModelServer server = ScriptedModelServer.anthropic()) {
            server.reply(code("Done.", "final_answer(4)"));
            CodeactRun withKey = codeact(Map.of("CODEACT_HOME", home.toString(), "ANTHROPIC_API_KEY", "from-the-environment"),
                    "run", "--base-url", server.baseUrl(), "--json", "What is 2 + 2?");

            assertThat(withKey.exitCode()).as(withKey.err()).isZero();
            assertThat(withKey.json().get("answer").asInt()).isEqualTo(4);
            assertThat(withKey.json().get("model").asText()).isEqualTo("anthropic:claude-sonnet-4-5");
            assertThat(server.lastRequest().header("x-api-key")).isEqualTo("from-the-environment");
            assertThat(server.lastRequest().body().path("model").asText()).isEqualTo("claude-sonnet-4-5");
        }
    }

    // --- whole runs against a scripted model ------------------------------------------------------------------------

    @Test
    void aTwoStepRunPrintsTheAnswerAsJson() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("First the squares.", "squares = [n * n for n in range(1, 6)]\nprint(squares)"), 300, 40)
                    .reply(code("Now the total.", "final_answer({'squares': squares, 'total': sum(squares)})"), 420, 30);

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "Sum the squares of 1 to 5.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode result = run.json();
            assertThat(result.get("runId").asText()).isNotBlank();
            assertThat(result.get("model").asText()).isEqualTo("openai:test");
            assertThat(result.get("task").asText()).isEqualTo("Sum the squares of 1 to 5.");
            assertThat(result.get("success").asBoolean()).isTrue();
            assertThat(result.get("reason").asText()).isEqualTo("final_answer");
            assertThat(result.get("answer")).isEqualTo(JSON.readTree("{\"squares\": [1, 4, 9, 16, 25], \"total\": 55}"));
            assertThat(result.get("answerText").asText()).isEqualTo("{\"squares\":[1,4,9,16,25],\"total\":55}");
            assertThat(result.get("format").asText()).isEqualTo("json");
            assertThat(result.get("parseError").isNull()).isTrue();
            JsonNode steps = result.get("steps");
            assertThat(steps).hasSize(2);
            assertThat(steps.get(0).get("index").asInt()).isZero();
            assertThat(steps.get(0).get("thought").asText()).isEqualTo("First the squares.");
            assertThat(steps.get(0).get("code").asText()).isEqualTo("squares = [n * n for n in range(1, 6)]\nprint(squares)");
            assertThat(steps.get(0).get("observation").asText()).isEqualTo("Observation:\nOutput:\n[1, 4, 9, 16, 25]");
            assertThat(steps.get(0).get("error").isNull()).isTrue();
            assertThat(steps.get(0).get("durationMs").asLong())
                    .isEqualTo(steps.get(0).get("modelMs").asLong() + steps.get(0).get("executionMs").asLong());
            assertThat(steps.get(1).get("code").asText()).contains("final_answer(");
            assertThat(steps.get(1).get("observation").asText()).startsWith("Final answer: ");
            int input = steps.get(0).get("inputTokens").asInt() + steps.get(1).get("inputTokens").asInt();
            int output = steps.get(0).get("outputTokens").asInt() + steps.get(1).get("outputTokens").asInt();
            assertThat(result.get("inputTokens").asInt()).isEqualTo(input);
            assertThat(result.get("outputTokens").asInt()).isEqualTo(output);
            assertThat(result.get("durationMs").asLong()).isPositive();

            assertThat(server.requests()).hasSize(2);
            assertThat(server.lastRequest().header("Authorization")).isEqualTo("Bearer k");
            assertThat(server.lastRequest().body().path("model").asText()).isEqualTo("test");
            assertThat(server.lastRequest().rawBody()).contains("[1, 4, 9, 16, 25]");
        }
    }

    @Test
    void theSameTaskAgainIsAnsweredFromTheCacheUnlessNoCacheAndTheReportCountsIt() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("The sum.", "total = sum(range(1, 11))\nfinal_answer(total)"));
            String[] run = {"run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "Sum the numbers 1 to 10."};

            JsonNode first = codeact(run).json();
            assertThat(first.get("cached").asBoolean()).isFalse();
            assertThat(first.get("reusedFrom").isNull()).isTrue();

            CodeactRun again = codeact(run);
            assertThat(again.exitCode()).as(again.err()).isZero();
            assertThat(again.json().get("cached").asBoolean()).isTrue();
            assertThat(again.json().get("answer").asInt()).isEqualTo(55);
            assertThat(server.requests()).hasSize(1);

            CodeactRun human = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "Sum the numbers 1 to 10.");
            assertThat(human.err()).contains("Answer from the cache");
            assertThat(human.out().strip()).isEqualTo("55");

            server.reply(code("Again.", "final_answer(sum(range(1, 11)))"));
            String[] noCache = java.util.Arrays.copyOf(run, run.length + 1);
            noCache[run.length - 1] = "--no-cache";
            noCache[run.length] = "Sum the numbers 1 to 10.";
            JsonNode uncached = codeact(noCache).json();
            assertThat(uncached.get("cached").asBoolean()).isFalse();
            assertThat(uncached.get("reusedFrom").asText()).isEqualTo(first.get("runId").asText());
            assertThat(server.requests()).hasSize(2);
            assertThat(server.lastRequest().rawBody()).contains("total = sum(range(1, 11))");

            JsonNode report = codeact("report", "--json").json();
            assertThat(report.get("runs").asInt()).isEqualTo(4);
            assertThat(report.get("cacheHits").asInt()).isEqualTo(2);
            assertThat(codeact("report").out()).contains("cache      2 runs answered from it");
        }
    }

    @Test
    void withoutJsonTheProgressGoesToStandardErrorAndTheAnswerToStandardOutput() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Let me look.", "x = 6 * 7\nprint('x is', x)"))
                    .reply(code("Oops.", "print(y)"))
                    .reply(code("Fixed.", "final_answer({'x': x})"));
            InputStream stdin = System.in;
            System.setIn(new ByteArrayInputStream("Find x.\n".getBytes(StandardCharsets.UTF_8)));
            CodeactRun run;
            try {
                run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k", "-");
            } finally {
                System.setIn(stdin);
            }

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("{\"x\": 42}\n");
            assertThat(run.err()).contains("▶ openai:test · multi-step · up to 10 steps", "Task: Find x.",
                    "── Step 1 ", "Let me look.", "1 │ x = 6 * 7", "x is 42", "✓ ran · code",
                    "── Step 2 ", "File \"<cell-2>\", line 1", "✗ NameError: name 'y' is not defined",
                    "── Step 3 ", "✓ final answer", "✓ Answer after 3 steps")
                    .doesNotContain("── Step 4 ");
        }
    }

    @Test
    void theProgressShowsAChainedErrorWholeWithoutTheFramesInsideLibraries() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Read the settings.", """
                            import json
                            try:
                                json.loads('{')
                            except ValueError as error:
                                raise RuntimeError('the settings are not JSON') from error"""))
                    .reply(code("Done.", "final_answer(1)"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k", "Read them.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            String traceback = run.err().substring(run.err().indexOf("Traceback"));
            assertThat(traceback).containsSubsequence("Traceback (most recent call last):",
                    "File \"<cell-1>\", line 3, in <module>", "json.loads('{')", "… (frames inside libraries left out)",
                    "json.decoder.JSONDecodeError: Expecting property name",
                    "The above exception was the direct cause of the following exception:",
                    "Traceback (most recent call last):", "File \"<cell-1>\", line 5, in <module>",
                    "✗ RuntimeError: the settings are not JSON");
            assertThat(traceback).doesNotContain("/json/");
        }
    }

    @Test
    void theProgressSaysOnceThatTheInterpreterWasReplacedAndCellsGoOnCounting() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Stop.", "import os\nos._exit(1)"))
                    .reply(code("Again.", "x"))
                    .reply(code("Done.", "final_answer(1)"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--allow-import", "os", "Stop.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.err()).contains("✗ KernelDied: the interpreter stopped unexpectedly (exit code 1)",
                    "File \"<cell-2>\", line 1", "✗ NameError: name 'x' is not defined");
            assertThat(run.err().split("variables and imports are gone", -1)).as(run.err()).hasSize(2);
        }
    }

    @Test
    void aTableGivenAsTheAnswerKeepsItsIndex() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Describe.", "import pandas as pd\nfinal_answer(pd.DataFrame({'a': [1, 2]}).describe())"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "Describe a.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode answer = run.json().get("answer");
            assertThat(answer.findValuesAsText("index")).containsExactly("count", "mean", "std", "min", "25%", "50%", "75%", "max");
            assertThat(answer.get(1).get("a").asDouble()).isEqualTo(1.5);
        }
    }

    @Test
    void promptFilesInTheHomeDirectoryReplaceTheBuiltInOnes() throws Exception {
        Files.createDirectories(home.resolve("prompts"));
        Files.writeString(home.resolve("prompts/system.txt"),
                "House rules for this team. Write {{language}} only; imports allowed: {{authorized_imports}}.");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(1)"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k", "--json", "One.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode system = server.lastRequest().body().path("messages").get(0);
            assertThat(system.path("role").asText()).isEqualTo("system");
            assertThat(system.path("content").asText()).startsWith("House rules for this team. Write python only; imports allowed:")
                    .contains("numpy").doesNotContain("{{");
        }
    }

    @Test
    void aRefusedKeyExitsFourWithTheProvidersMessage() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.fail(401);

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "wrong",
                    "--json", "task");

            assertThat(run.exitCode()).isEqualTo(4);
            assertThat(run.err()).contains("codeact: openai refused the API key (HTTP 401: Incorrect API key provided.); "
                    + "check OPENAI_API_KEY or pass --api-key.").doesNotContain("\tat ");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void reachingTheStepLimitExitsOneWithoutSuccess() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Look.", "print(1)")).reply(code("Look again.", "print(2)"))
                    .reply("I could not finish; my best guess is 3.");

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--max-steps", "2", "--json", "task");

            assertThat(run.exitCode()).isEqualTo(1);
            JsonNode result = run.json();
            assertThat(result.get("success").asBoolean()).isFalse();
            assertThat(result.get("reason").asText()).isEqualTo("max_steps");
            assertThat(result.get("answerText").asText()).isEqualTo("I could not finish; my best guess is 3.");
            assertThat(result.get("steps")).hasSize(3);
            assertThat(result.get("steps").get(2).get("code").isNull()).isTrue();

            server.reply(code("Look.", "print(1)")).reply("Best guess: 3.");
            CodeactRun human = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--max-steps", "1", "task");
            assertThat(human.exitCode()).isEqualTo(1);
            assertThat(human.out()).isEmpty();
            assertThat(human.err()).contains("Step limit reached", "✗ No answer: the step limit of 1 was reached",
                    "The model's last word", "Best guess: 3.");
        }
    }

    @Test
    void configValuesArePickedUpAndOptionsOverrideThem() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            config("{\"model\": \"openai:test\", \"baseUrl\": \"" + server.baseUrl() + "\", \"maxSteps\": 1, "
                    + "\"mode\": \"multi-step\", \"timeoutSeconds\": 0.5, \"memoryMb\": 512, "
                    + "\"allowImports\": [\"os\"], \"network\": false}");
            String probe = "import os, time\nprint(os.sep)\ntime.sleep(2)";
            server.reply(code("Probe.", probe)).reply("Gave up.");

            CodeactRun fromConfig = codeact("run", "--api-key", "k", "--json", "task");

            assertThat(fromConfig.exitCode()).as(fromConfig.err()).isEqualTo(1);
            JsonNode result = fromConfig.json();
            assertThat(result.get("model").asText()).as("model and baseUrl").isEqualTo("openai:test");
            assertThat(result.get("reason").asText()).as("maxSteps 1").isEqualTo("max_steps");
            assertThat(result.get("steps")).hasSize(2);
            JsonNode probed = result.get("steps").get(0);
            assertThat(probed.get("observation").asText()).as("allowImports").contains("Output:\n/")
                    .doesNotContain("ImportError");
            assertThat(probed.get("error").get("type").asText()).as("timeoutSeconds 0.5").isEqualTo("TimeoutError");
            assertThat(probed.get("error").get("message").asText()).contains("time limit of 0.5 s");

            server.reply(code("Probe.", probe)).reply(code("Answer.", "final_answer('ok')"));
            CodeactRun overridden = codeact("run", "--api-key", "k", "--json", "--max-steps", "3", "--timeout", "10",
                    "--mode", "multi-step", "task");

            assertThat(overridden.exitCode()).as(overridden.err()).isZero();
            JsonNode second = overridden.json();
            assertThat(second.get("steps").get(0).get("error").isNull()).as("--timeout 10").isTrue();
            assertThat(second.get("answer").asText()).isEqualTo("ok");
            assertThat(server.remaining()).isZero();
        }
    }

    @Test
    void simpleModeRunsOneProgramAndItsResultIsTheAnswer() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("```python\nimport math\nmath.factorial(10)\n```");

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--mode", "simple", "--format", "json", "--json", "10!");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("answer").asLong()).isEqualTo(3628800L);
            assertThat(run.json().get("steps")).hasSize(1);
            assertThat(server.requests().get(0).rawBody()).contains("one complete python program");
        }
    }

    @Test
    void anAnswerThatBreaksTheSchemaGoesBackToTheModel() throws Exception {
        Path schema = Files.writeString(temp.resolve("schema.json"),
                "{\"type\": \"object\", \"required\": [\"total\"], \"properties\": {\"total\": {\"type\": \"integer\"}}}");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Answer.", "final_answer({'sum': 3})"))
                    .reply(code("With the right key.", "final_answer({'total': 3})"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--schema", schema.toString(), "--json", "Add 1 and 2.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("answer")).isEqualTo(JSON.readTree("{\"total\": 3}"));
            assertThat(run.err()).contains("the answer does not match the schema");
            assertThat(server.requests().get(1).rawBody()).contains("required property 'total' not found");
        }
    }

    @Test
    void aStepThatTimesOutTellsTheModelTheLimitThatTheStateWasKeptAndWhatToDo() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Slowly.", "total = 41\nimport time\ntime.sleep(5)"))
                    .reply(code("Faster.", "final_answer(total + 1)"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--timeout", "1", "Slow task.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out().strip()).isEqualTo("42");
            JsonNode messages = server.requests().get(1).body().path("messages");
            String observation = messages.get(messages.size() - 1).path("content").asText();
            assertThat(observation).startsWith("Observation:\nError:\nTraceback")
                    .contains("File \"<cell-1>\", line 3", "time.sleep(5)")
                    .endsWith("TimeoutError: the execution took longer than its time limit of 1 s and was interrupted; "
                            + "the session's state is kept, so you can go on. Make the code faster, or work on a "
                            + "smaller part of the data.")
                    .doesNotContain("KeyboardInterrupt");
            assertThat(run.err()).contains("✗ TimeoutError: the execution took longer than its time limit of 1 s")
                    .doesNotContain("KeyboardInterrupt");
        }
    }

    @Test
    void theCacheTellsEndpointsApartAndTheSameEndpointStillHitsIt() throws Exception {
        try (ScriptedModelServer a = ScriptedModelServer.openAi(); ScriptedModelServer b = ScriptedModelServer.openAi()) {
            a.reply(code("A knows.", "final_answer('Paris, says A')"));
            b.reply(code("B knows.", "final_answer('Paris, says B')"));
            String task = "What is the capital of France?";

            CodeactRun fromA = codeact("run", "--model", "openai:default", "--base-url", a.baseUrl(), "--api-key", "k", "--json", task);
            CodeactRun fromB = codeact("run", "--model", "openai:default", "--base-url", b.baseUrl(), "--api-key", "k", "--json", task);
            CodeactRun fromAAgain = codeact("run", "--model", "openai:default", "--base-url", a.baseUrl(), "--api-key", "k",
                    "--json", task);

            assertThat(fromA.json().get("answer").asText()).isEqualTo("Paris, says A");
            assertThat(fromB.exitCode()).as(fromB.err()).isZero();
            assertThat(fromB.json().get("cached").asBoolean()).isFalse();
            assertThat(fromB.json().get("answer").asText()).isEqualTo("Paris, says B");
            assertThat(b.requests()).hasSize(1);
            assertThat(fromAAgain.json().get("cached").asBoolean()).isTrue();
            assertThat(fromAAgain.json().get("answer").asText()).isEqualTo("Paris, says A");
            assertThat(a.requests()).hasSize(1);
        }
    }

    @Test
    void aSchemaThatIsNotAJsonSchemaIsAUsageErrorBeforeAnyModelCall() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            Path misspelt = Files.writeString(temp.resolve("misspelt.json"), "{\"type\": \"objekt\"}");
            Path notAList = Files.writeString(temp.resolve("not-a-list.json"), "{\"required\": \"name\"}");

            CodeactRun typo = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--schema", misspelt.toString(), "task");
            CodeactRun ignored = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--schema", notAList.toString(), "task");

            assertThat(typo.exitCode()).isEqualTo(2);
            assertThat(typo.err()).contains("--schema " + misspelt + ": the answer schema is not a valid JSON Schema "
                    + "(draft 2020-12): ", "$.type").doesNotContain("\tat ");
            assertThat(ignored.exitCode()).isEqualTo(2);
            assertThat(ignored.err()).contains("--schema " + notAList + ": the answer schema is not a valid JSON Schema",
                    "$.required");
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void anAnswerNotInTheFormatAskedExitsOneWithTheParseErrorAndNothingOnStandardOutput() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer('Paris')")).reply(code("Done.", "final_answer('Paris')"));

            CodeactRun human = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--no-store", "--format", "json", "The capital of France, as JSON.");
            CodeactRun json = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--no-store", "--format", "json", "--json", "The capital of France, as JSON.");

            assertThat(human.exitCode()).isEqualTo(1);
            assertThat(human.out()).isEmpty();
            assertThat(human.err()).contains("✗ No answer in the format asked: --format json asked for JSON, and the "
                    + "answer is not valid JSON: Unrecognized token 'Paris'", "The answer as given:", "Paris");
            assertThat(json.exitCode()).isEqualTo(1);
            assertThat(json.json().get("answerText").asText()).isEqualTo("Paris");
            assertThat(json.json().get("parseError").asText()).startsWith("not valid JSON: Unrecognized token 'Paris'");
            assertThat(json.err()).contains("✗ No answer in the format asked: --format json asked for JSON");
        }
    }

    @Test
    void aBaseUrlThatIsNotAUrlIsAUsageErrorThatSaysWhatOneLooksLike() throws Exception {
        CodeactRun option = codeact("run", "--model", "openai:test", "--api-key", "k", "--base-url", "not a url", "task");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.err()).contains("Invalid value for option '--base-url': 'not a url' is not a URL (Illegal "
                + "character in path at index 3); give the endpoint's base URL, such as http://localhost:8000/v1");

        CodeactRun scheme = codeact("run", "--model", "openai:test", "--api-key", "k", "--base-url", "localhost:8000/v1", "task");
        assertThat(scheme.exitCode()).isEqualTo(2);
        assertThat(scheme.err()).contains("'localhost:8000/v1' is not an http:// or https:// URL");

        config("{\"model\": \"openai:test\", \"baseUrl\": \"not a url\"}");
        CodeactRun fromConfig = codeact("run", "--api-key", "k", "task");
        assertThat(fromConfig.exitCode()).isEqualTo(2);
        assertThat(fromConfig.err()).contains("the config file " + home.resolve("config.json") + " is not valid: "
                + "\"baseUrl\": 'not a url' is not a URL");

        CodeactRun mcp = codeact("mcp", "--base-url", "ftp://models.example.com/v1");
        assertThat(mcp.exitCode()).isEqualTo(2);
        assertThat(mcp.err()).contains("'ftp://models.example.com/v1' is not an http:// or https:// URL");
    }

    @Test
    void aRateLimitedCallSaysItIsRetryingAndWhen() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.fail(429, Map.of("Retry-After", "1")).reply(code("Done.", "final_answer(4)"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--no-store", "What is 2 + 2?");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out().strip()).isEqualTo("4");
            assertThat(run.err()).contains("── Step 1 ", "! rate limited (HTTP 429), retrying in 1 s", "✓ final answer");
            assertThat(run.err().indexOf("rate limited")).isLessThan(run.err().indexOf("✓ final answer"));
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void helpDocumentsTheConfigKeysAndTheJsonFields() {
        CodeactRun help = codeact("run", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("codeact run [--model SPEC]", "$CODEACT_HOME/config.json", "timeoutSeconds",
                "allowImports", "memoryMb", "OPENROUTER_API_KEY", "answerText", "parseError", "(default: 30)",
                "codeact demo");
        for (String key : CliConfig.KEYS) {
            assertThat(help.out()).contains("  " + key + " ");
        }
        CodeactRun root = codeact("--help");
        assertThat(root.out()).contains("run", "demo", "exec", "4   the model could not be called");
        assertThat(List.of(root.exitCode(), help.exitCode())).containsOnly(0);
    }
}
