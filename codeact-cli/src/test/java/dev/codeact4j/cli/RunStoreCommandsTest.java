package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs recorded by {@code codeact run} into the real store file under CODEACT_HOME, and read back by
 * {@code history}, {@code show} and {@code report}, for people and as JSON; and a store that cannot be used.
 */
class RunStoreCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @TempDir
    Path temp;


    private CodeactRun codeact(String... args) {
        return codeact(home, args);
    }

    private static CodeactRun codeact(Path codeactHome, String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", codeactHome.toString()), args);
    }

    private static String code(String thought, String code) {
        return thought + "\n\n```python\n" + code + "\n```";
    }

    private CodeactRun run(ScriptedModelServer server, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--model", "openai:test", "--base-url",
                server.baseUrl(), "--api-key", "k"));
        args.addAll(List.of(options));
        return codeact(args.toArray(String[]::new));
    }

    @Test
    void runsAreRecordedAndReadBackByHistoryShowAndReport() throws Exception {
        String solved;
        String gaveUp;
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Let me look.", "x = 6 * 7\nprint('x is', x)"), 300, 40)
                    .reply(code("Oops.", "print(y)"), 350, 20)
                    .reply(code("Fixed.", "final_answer({'x': x})"), 400, 30);
            CodeactRun first = run(server, "--json", "Find x.");
            assertThat(first.exitCode()).as(first.err()).isZero();
            solved = first.json().get("runId").asText();

            server.reply(code("Look.", "{'a': 1}['b']"), 100, 10).reply("I could not finish; my best guess is 3.", 120, 12);
            CodeactRun second = run(server, "--max-steps", "1", "Guess.");
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("Recorded as " + second.err().split("Recorded as ")[1].substring(0, 8)
                    + ": codeact show ");
            gaveUp = second.err().split("codeact show ")[1].strip();
        }
        assertThat(home.resolve("runs.db")).isRegularFile();

        // history: latest first, for people and as JSON lines
        CodeactRun history = codeact("history");
        assertThat(history.exitCode()).as(history.err()).isZero();
        List<String> table = history.out().lines().toList();
        assertThat(table).hasSize(3);
        assertThat(table.get(0)).startsWith("ID").contains("STARTED", "MODEL", "LANG", "STATUS", "STEPS", "DURATION", "TOKENS IN/OUT", "TASK");
        assertThat(table.get(1)).startsWith(gaveUp).contains("openai:test", "python", "failed", "Guess.", "220/22");
        assertThat(table.get(2)).startsWith(solved.substring(0, 8)).contains("succeeded", " 3 ", "1,050/90", "Find x.");

        CodeactRun historyJson = codeact("history", "--json", "-n", "1");
        assertThat(historyJson.exitCode()).isZero();
        JsonNode latest = historyJson.json();
        assertThat(latest.get("id").asText()).startsWith(gaveUp);
        assertThat(latest.get("status").asText()).isEqualTo("failed");
        assertThat(latest.get("reason").asText()).isEqualTo("max_steps");
        assertThat(latest.get("mode").asText()).isEqualTo("multi-step");
        assertThat(latest.get("language").asText()).isEqualTo("python");
        assertThat(latest.get("steps").asInt()).as("--max-steps 1: the last word is not a step").isEqualTo(1);
        assertThat(latest.get("inputTokens").asInt()).isEqualTo(220);
        assertThat(latest.get("durationMs").asLong()).isPositive();
        assertThat(latest.get("startedAt").asText()).endsWith("Z");

        // show: the whole run, by a prefix of its id
        CodeactRun show = codeact("show", solved.substring(0, 8));
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains("Run " + solved, "task     Find x.", "model    openai:test · multi-step",
                "status   succeeded (final_answer)", "3 steps", "1,050 in + 90 out tokens",
                "── Step 1 ", "Let me look.", "1 │ x = 6 * 7", "── output", "x is 42", "✓ ran",
                "── Step 2 ", "1 │ print(y)", "File \"<cell-2>\", line 1", "✗ NameError: name 'y' is not defined",
                "── Step 3 ", "✓ final answer", "── Answer (json) ", "{\"x\": 42}");

        CodeactRun showJson = codeact("show", "--json", solved);
        JsonNode whole = showJson.json();
        assertThat(whole.get("runId").asText()).isEqualTo(solved);
        assertThat(whole.get("status").asText()).isEqualTo("succeeded");
        assertThat(whole.get("success").asBoolean()).isTrue();
        assertThat(whole.get("answer")).isEqualTo(JSON.readTree("{\"x\": 42}"));
        assertThat(whole.get("steps")).hasSize(3);
        JsonNode failedStep = whole.get("steps").get(1);
        assertThat(failedStep.get("code").asText()).isEqualTo("print(y)");
        assertThat(failedStep.get("error").get("type").asText()).isEqualTo("NameError");
        assertThat(failedStep.get("error").get("traceback").asText()).contains("<cell-2>");
        assertThat(whole.get("steps").get(0).get("stdout").asText()).isEqualTo("x is 42\n");
        assertThat(whole.get("steps").get(0).get("inputTokens").asInt()).isEqualTo(300);
        assertThat(whole.get("inputTokens").asInt()).isEqualTo(1050);
        assertThat(whole.get("language").asText()).isEqualTo("python");

        CodeactRun lastWord = codeact("show", gaveUp);
        assertThat(lastWord.out()).contains("status   failed (max_steps)", " · 1 step · ", "── Step 1 ", "✗ KeyError: 'b'",
                "── Step limit reached: the model's best answer ", "! The step limit was reached",
                "✗ No answer (max_steps)", "my best guess is 3.").doesNotContain("Step 2");

        // report: the seed's figures, in all and by model
        CodeactRun report = codeact("report", "--json");
        assertThat(report.exitCode()).as(report.err()).isZero();
        JsonNode figures = report.json();
        assertThat(figures.fieldNames()).toIterable().containsExactly("runs", "succeeded", "successRate",
                "averageDurationMs", "p50DurationMs", "p95DurationMs", "averageSteps", "executionTimeMs",
                "commonErrors", "inputTokens", "outputTokens", "cacheHits", "byModel", "byDay");
        assertThat(figures.get("byDay")).hasSize(1);
        assertThat(figures.at("/byDay/0/day").asText()).isEqualTo(java.time.LocalDate.now().toString());
        assertThat(figures.at("/byDay/0/runs").asInt()).isEqualTo(2);
        assertThat(figures.at("/byDay/0/inputTokens").asLong()).isEqualTo(1270);
        assertThat(figures.get("runs").asInt()).isEqualTo(2);
        assertThat(figures.get("succeeded").asInt()).isEqualTo(1);
        assertThat(figures.get("successRate").asDouble()).isEqualTo(0.5);
        assertThat(figures.get("averageSteps").asDouble()).isEqualTo(2.0);
        assertThat(figures.get("p95DurationMs").asLong()).isGreaterThanOrEqualTo(figures.get("p50DurationMs").asLong());
        assertThat(figures.get("executionTimeMs").asLong()).isPositive();
        assertThat(figures.get("inputTokens").asLong()).isEqualTo(1270);
        assertThat(figures.get("outputTokens").asLong()).isEqualTo(112);
        assertThat(figures.get("commonErrors")).hasSize(2);
        assertThat(figures.get("commonErrors").findValuesAsText("type")).containsExactlyInAnyOrder("NameError", "KeyError");
        JsonNode nameError = figures.get("commonErrors").get(figures.get("commonErrors").get(0).get("type").asText()
                .equals("NameError") ? 0 : 1);
        assertThat(nameError.get("count").asInt()).isEqualTo(1);
        assertThat(nameError.get("example").asText()).isEqualTo("name 'y' is not defined");
        assertThat(figures.get("byModel").get("openai:test").get("runs").asInt()).isEqualTo(2);
        assertThat(figures.get("byModel").get("openai:test").has("byModel")).isFalse();

        CodeactRun human = codeact("report", "--since", "1h");
        assertThat(human.exitCode()).isZero();
        assertThat(human.out()).contains("Execution report: 2 runs since ", "(the last 1h)", "succeeded  1 of 2 (50.0%)",
                "run time", "p95", "steps      2.0 per run", "code time", "tokens     1,270 in + 112 out",
                "Common errors", "NameError", "name 'y' is not defined", "KeyError", "By model", "openai:test");

        assertThat(codeact("report", "--json", "--model", "openai:other").json().get("runs").asInt()).isZero();
        CodeactRun other = codeact("report", "--model", "openai:other");
        assertThat(other.exitCode()).isZero();
        assertThat(other.err()).contains("No runs of openai:other.");
    }

    @Test
    void aJavaScriptRunIsRecordedWithItsLanguage() throws Exception {
        String runId;
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("```javascript\nconst x = 6 * 7; // the answer\nfinal_answer({x});\n```");
            CodeactRun run = run(server, "--lang", "js", "--json", "Find x in Node.");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("language").asText()).isEqualTo("javascript");
            runId = run.json().get("runId").asText();
        }
        assertThat(codeact("history", "--json", "-n", "1").json().get("language").asText()).isEqualTo("javascript");
        assertThat(codeact("history").out().lines().skip(1).findFirst().orElseThrow()).contains(" javascript ");
        JsonNode shown = codeact("show", "--json", runId).json();
        assertThat(shown.get("language").asText()).isEqualTo("javascript");
        assertThat(shown.get("answer")).isEqualTo(JSON.readTree("{\"x\": 42}"));
        assertThat(codeact("show", runId).out()).contains("1 │ const x = 6 * 7; // the answer");
    }

    @Test
    void aRunWhoseProcessDiedShowsAsIncomplete() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(home);
        codeact("history"); // nothing yet, and no file made by reading
        assertThat(home.resolve("runs.db")).doesNotExist();
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(1)"));
            assertThat(run(server, "--json", "One.").exitCode()).isZero();
        }
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("runs.db"));
             PreparedStatement insert = connection.prepareStatement("INSERT INTO runs (id, task, model, mode, status, "
                     + "started_at, pid, process_started_at, host) SELECT 'dead0000-run', 'Cut short.', 'openai:test', "
                     + "'multi-step', 'running', started_at + 1, ?, NULL, host FROM runs")) {
            insert.setLong(1, gone.pid());
            insert.executeUpdate();
        }

        CodeactRun history = codeact("history");
        assertThat(history.out().lines().skip(1).findFirst().orElseThrow())
                .startsWith("dead0000").contains("incomplete", "Cut short.", " - ");
        CodeactRun show = codeact("show", "dead");
        assertThat(show.out()).contains("status   incomplete (its process ended before the run finished)",
                "No answer: the run never finished.");
        assertThat(codeact("report", "--json").json().get("runs").asInt()).isEqualTo(2);
    }

    @Test
    void aCancelledRunShowsAsCancelled() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(1)"));
            assertThat(run(server, "--json", "One.").exitCode()).isZero();
        }
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("runs.db"));
             PreparedStatement insert = connection.prepareStatement("INSERT INTO runs (id, task, model, mode, status, "
                     + "reason, started_at, finished_at, duration_ms, host) SELECT 'cancel00-run', 'Stopped on request.', "
                     + "'openai:test', 'multi-step', 'cancelled', 'cancelled', started_at + 1, started_at + 5, 4, host "
                     + "FROM runs")) {
            insert.executeUpdate();
        }

        assertThat(codeact("history").out().lines().skip(1).findFirst().orElseThrow())
                .startsWith("cancel00").contains("cancelled", "Stopped on request.");
        assertThat(codeact("history", "--json").jsonLines().get(0).get("status").asText()).isEqualTo("cancelled");
        assertThat(codeact("show", "cancel00").out()).contains("status   cancelled (stopped by whoever started it)",
                "No answer: the run was cancelled.");
        assertThat(codeact("show", "--json", "cancel00").json().get("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void aRunTheModelBrokeOffIsFailedWithTheProvidersMessageAndItsRealDuration() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Look.", "import time\ntime.sleep(0.3)\nprint(1)")).fail(401);
            CodeactRun run = run(server, "--json", "Cut short by the provider.");
            assertThat(run.exitCode()).isEqualTo(4);
        }
        String refusedUrl;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            refusedUrl = "http://127.0.0.1:" + closed.getLocalPort() + "/v1";
        }
        CodeactRun refused = codeact("run", "--model", "openai:test", "--base-url", refusedUrl, "--api-key", "k", "Unreachable.");
        assertThat(refused.exitCode()).isEqualTo(4);

        List<JsonNode> history = codeact("history", "--json").jsonLines();
        JsonNode unreachable = history.get(0);
        JsonNode brokenOff = history.get(1);
        assertThat(brokenOff.get("status").asText()).isEqualTo("failed");
        assertThat(brokenOff.get("reason").asText()).isEqualTo("model_error");
        assertThat(brokenOff.get("steps").asInt()).as("the step before the failure is kept").isEqualTo(1);
        assertThat(brokenOff.get("durationMs").asLong()).isGreaterThanOrEqualTo(300);
        assertThat(unreachable.get("status").asText()).isEqualTo("failed");
        assertThat(unreachable.get("durationMs").isNull()).isFalse();

        JsonNode shown = codeact("show", "--json", brokenOff.get("id").asText()).json();
        assertThat(shown.get("error").asText()).contains("openai refused the API key (HTTP 401: Incorrect API key provided.)");
        CodeactRun human = codeact("show", unreachable.get("id").asText());
        assertThat(human.out()).contains("status   failed (model_error)", "✗ No answer: cannot reach openai at "
                + refusedUrl).doesNotContain("its process ended before the run finished");

        JsonNode report = codeact("report", "--json").json();
        assertThat(report.get("runs").asInt()).isEqualTo(2);
        assertThat(report.get("averageDurationMs").asLong()).isPositive();
    }

    @Test
    void aStoreThatCannotBeOpenedIsAWarningAndTheRunStillCompletes() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("codeact-home"), "a file, not a directory");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(4)"));
            CodeactRun run = codeact(notADirectory, "run", "--model", "openai:test", "--base-url", server.baseUrl(),
                    "--api-key", "k", "--json", "What is 2 + 2?");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("answer").asInt()).isEqualTo(4);
            assertThat(run.err()).contains("codeact: warning: the run store at " + notADirectory.resolve("runs.db")
                    + " could not be opened: " + notADirectory + " is a file, not a directory; the run goes on without it.");
        }

        Files.writeString(home.resolve("runs.db"), "not a database ".repeat(200));
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(4)"));
            CodeactRun run = run(server, "What is 2 + 2?");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("4\n");
            assertThat(run.err()).contains("codeact: warning: the run store at " + home.resolve("runs.db")
                    + " could not be opened: file is not a database; the run goes on without it.")
                    .doesNotContain("Recorded as");
        }
        CodeactRun history = codeact("history");
        assertThat(history.exitCode()).isEqualTo(1);
        assertThat(history.err()).isEqualTo("codeact: the run store at " + home.resolve("runs.db")
                + " could not be opened: file is not a database.\n");
    }

    @Test
    void noStoreRecordsNothingAndReadingAnEmptyHomeSaysSo() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(1)"));
            assertThat(run(server, "--no-store", "--json", "One.").exitCode()).isZero();
        }
        assertThat(home.resolve("runs.db")).doesNotExist();

        CodeactRun history = codeact("history");
        assertThat(history.exitCode()).isZero();
        assertThat(history.out()).isEmpty();
        assertThat(history.err()).contains("No runs recorded yet in " + home.resolve("runs.db"));
        assertThat(codeact("history", "--json").out()).isEmpty();
        assertThat(codeact("report", "--json").json().get("runs").asInt()).isZero();
        CodeactRun show = codeact("show", "abc");
        assertThat(show.exitCode()).isEqualTo(2);
        assertThat(show.err()).contains("No run 'abc': No runs recorded yet");
    }

    @Test
    void usageErrorsAndHelp() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Done.", "final_answer(1)"));
            assertThat(run(server, "--json", "One.").exitCode()).isZero();
        }
        CodeactRun unknown = codeact("show", "ffffffff");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("No run 'ffffffff' in " + home.resolve("runs.db") + "; 'codeact history' lists the latest.");

        CodeactRun since = codeact("report", "--since", "a week");
        assertThat(since.exitCode()).isEqualTo(2);
        assertThat(since.err()).contains("Invalid value for option '--since'", "'a week' is not an age", "7d (days)");

        CodeactRun limit = codeact("history", "-n", "0");
        assertThat(limit.exitCode()).isEqualTo(2);
        assertThat(limit.err()).contains("-n must be at least 1");

        CodeactRun help = codeact("--help");
        assertThat(help.out()).contains("history", "show", "report");
        assertThat(codeact("report", "--help").out()).contains("successRate", "p95DurationMs", "commonErrors", "byModel");
        assertThat(codeact("show", "--help").out()).contains("RUN_ID", "incomplete");
        assertThat(codeact("history", "--help").out()).contains("-n N", "runs.db");
    }

    @Test
    void whatTheCodeAskedOfTheNetworkIsRecordedAndShown() throws Exception {
        com.sun.net.httpserver.HttpServer upstream = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] body = "{\"rate\": 1.1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        int port = upstream.getAddress().getPort();
        String runId;
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Fetch it.", "import requests\n"
                    + "rate = requests.get('http://127.0.0.1:" + port + "/rate').json()['rate']\n"
                    + "blocked = requests.get('http://127.0.0.1:" + (port == 65535 ? 1 : port + 1) + "/').status_code\n"
                    + "final_answer([rate, blocked])"), 100, 10);
            CodeactRun run = run(server, "--json", "--allow-import", "requests", "--allow-host", "127.0.0.1:" + port, "Get the rate.");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("answer").toString()).isEqualTo("[1.1,403]");
            runId = run.json().get("runId").asText();
        } finally {
            upstream.stop(0);
        }

        JsonNode network = codeact("show", "--json", runId).json().get("steps").get(0).get("network");
        assertThat(network).hasSize(2);
        assertThat(network.get(0).get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(network.get(0).get("port").asInt()).isEqualTo(port);
        assertThat(network.get(0).get("allowed").asBoolean()).isTrue();
        assertThat(network.get(0).get("bytesReceived").asLong()).isEqualTo("{\"rate\": 1.1}".length());
        assertThat(network.get(1).get("allowed").asBoolean()).isFalse();
        assertThat(network.get(1).get("refusal").asText()).contains("not in the allowlist");

        CodeactRun show = codeact("show", runId);
        assertThat(show.out()).contains("network: GET 127.0.0.1:" + port + " (0 bytes sent, 13 received)")
                .contains("refused: ");
    }

    @Test
    void showSaysEachErrorOnce() throws Exception {
        String runId;
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Parse.", "import json\njson.loads('{')"), 10, 1)
                    .reply(code("Typo.", "x = (1,"), 10, 1)
                    .reply(code("Done.", "final_answer(1)"), 10, 1);
            CodeactRun run = run(server, "--json", "--allow-import", "json", "Count.");
            assertThat(run.exitCode()).as(run.err()).isZero();
            runId = run.json().get("runId").asText();
        }
        String shown = codeact("show", runId).out();
        assertThat(shown.split("JSONDecodeError", -1)).as(shown).hasSize(2);
        assertThat(shown).contains("✗ json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes");
        assertThat(shown.split("SyntaxError", -1)).as(shown).hasSize(2);
        assertThat(shown).contains("✗ SyntaxError: '(' was never closed");
    }
}
