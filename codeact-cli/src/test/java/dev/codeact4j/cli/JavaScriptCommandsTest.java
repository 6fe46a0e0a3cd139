package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code exec} and {@code run} with {@code --lang js} (and the config file's language), in-process, in real Node.js sessions. */
class JavaScriptCommandsTest {
    @TempDir
    Path home;

    private CodeactRun codeact(String... args) {
        return CodeactRun.in(home, args);
    }

    @Test
    void execRunsJavaScriptSnippetsInOneSession() {
        CodeactRun run = codeact("exec", "--lang", "js", "-c", "const x = 21;", "-c", "console.log('half is', x)", "-c", "x * 2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("half is 21\n=> 42\n");
        // the README's example: the data stack
        CodeactRun median = codeact("exec", "--lang", "js", "-c", "const ss = require(\"simple-statistics\")", "-c",
                "ss.median([3, 9, 4, 7])");
        assertThat(median.out()).as(median.err()).isEqualTo("=> 5.5\n");
    }

    @Test
    void execJsonReportsJavaScriptValuesErrorsAndFinalAnswers() {
        CodeactRun run = codeact("exec", "--json", "--lang", "javascript", "-c", "const xs = [3, 1, 2]; xs.sort()",
                "-c", "xs.nope()", "-c", "final_answer({total: xs.reduce((a, b) => a + b, 0)})");

        assertThat(run.exitCode()).as("a snippet failed").isEqualTo(1);
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("ok").asBoolean()).as(lines.get(0).toString()).isTrue();
        assertThat(lines.get(0).get("result").get("json").toString()).isEqualTo("[1,2,3]");
        assertThat(lines.get(1).get("ok").asBoolean()).isFalse();
        assertThat(lines.get(1).get("error").get("type").asText()).isEqualTo("TypeError");
        assertThat(lines.get(2).get("final").get("json").toString()).isEqualTo("{\"total\":6}");
    }

    @Test
    void theConfigFilesLanguageIsTheDefaultAndTheOptionOverridesIt() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"language\": \"javascript\"}");

        CodeactRun javascript = codeact("exec", "-c", "typeof process.version");
        CodeactRun python = codeact("exec", "--lang", "python", "-c", "[n ** 2 for n in range(3)]");

        assertThat(javascript.out()).as(javascript.err()).isEqualTo("=> 'string'\n");
        assertThat(python.out()).as(python.err()).isEqualTo("=> [0, 1, 4]\n");
    }

    @Test
    void anUnknownLanguageIsAUsageErrorNamingTheAcceptedOnes() throws Exception {
        CodeactRun exec = codeact("exec", "--lang", "ruby", "-c", "1");
        CodeactRun run = codeact("run", "--lang", "cobol", "--model", "openai:gpt-4o-mini", "task");

        assertThat(exec.exitCode()).isEqualTo(2);
        assertThat(exec.err()).contains("Invalid value for option '--lang'", "unknown language 'ruby'", "python", "javascript");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown language 'cobol'");

        Files.writeString(home.resolve("config.json"), "{\"language\": \"perl\"}");
        CodeactRun config = codeact("exec", "-c", "1");
        assertThat(config.exitCode()).isEqualTo(2);
        assertThat(config.err()).contains("is not valid: \"language\": unknown language 'perl'");
    }

    @Test
    void withoutNodeJsAJavaScriptExecExitsThreeWithTheInstallHintAndPythonStillRuns() {
        CodeactRun javascript = codeact("exec", "--node", "/nonexistent/node", "--lang", "js", "-c", "1");
        CodeactRun python = codeact("exec", "--node", "/nonexistent/node", "-c", "1 + 1");

        assertThat(javascript.exitCode()).isEqualTo(3);
        assertThat(javascript.err()).contains("JavaScript sessions need Node.js", "/nonexistent/node", "Install it");
        assertThat(python.exitCode()).as(python.err()).isZero();
        assertThat(python.out()).isEqualTo("=> 2\n");
    }

    @Test
    void runWithLangJsHasTheModelWriteJavaScript() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("First the squares.\n\n```javascript\nconst squares = [1, 2, 3, 4, 5].map(n => n * n);\n"
                            + "console.log(squares.join(' '));\n```", 300, 40)
                    .reply("Now the total.\n\n```js\nfinal_answer({squares, total: squares.reduce((a, b) => a + b, 0)});\n```",
                            420, 30);

            CodeactRun run = codeact("run", "--lang", "js", "--model", "openai:test", "--base-url", server.baseUrl(),
                    "--api-key", "k", "--json", "Sum the squares of 1 to 5.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode result = run.json();
            assertThat(result.get("answer").toString()).isEqualTo("{\"squares\":[1,4,9,16,25],\"total\":55}");
            assertThat(result.get("steps").get(0).get("observation").asText()).isEqualTo("Observation:\nOutput:\n1 4 9 16 25");
            String system = server.requests().get(0).body().path("messages").get(0).path("content").asText();
            assertThat(system).contains("expert javascript programmer", "```javascript", "simple-statistics");
            assertThat(server.lastRequest().rawBody()).contains("1 4 9 16 25");
        }
    }

    @Test
    void aJavaScriptRunIsNotAnsweredFromAPythonRunsCache() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("```python\nfinal_answer(6 * 7)\n```", 10, 5)
                    .reply("```javascript\nfinal_answer(6 * 7)\n```", 10, 5);
            String[] python = {"run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "What is 6 times 7?"};

            JsonNode first = codeact(python).json();
            JsonNode javascript = codeact("run", "--lang", "js", "--model", "openai:test", "--base-url", server.baseUrl(),
                    "--api-key", "k", "--json", "What is 6 times 7?").json();

            assertThat(first.get("answer").asInt()).isEqualTo(42);
            assertThat(javascript.get("cached").asBoolean()).isFalse();
            assertThat(javascript.get("answer").asInt()).isEqualTo(42);
            assertThat(server.requests()).as("the JavaScript run asked the model").hasSize(2);
        }
    }
}
