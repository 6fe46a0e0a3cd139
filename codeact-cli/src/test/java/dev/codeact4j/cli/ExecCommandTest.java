package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code codeact exec} run in-process, through the real bubblewrap sandbox and Debian's python3. */
class ExecCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final List<String> JSON_FIELDS = List.of("index", "source", "ok", "stdout", "stderr", "result",
            "final", "error", "displays", "network", "durationMs", "timedOut", "truncated", "restarted");

    @TempDir
    Path temp;


    private static CodeactRun codeact(String... args) {
        // A home without a config file: exec reads one, and these tests must not depend on the machine's.
        return run(CodeactCommand.commandLine(Map.of("CODEACT_HOME", "/nonexistent/codeact-home")), args);
    }

    private static CodeactRun run(CommandLine commandLine, String... args) {
        return CodeactRun.of(commandLine, args);
    }

    @Test
    void stateCarriesOverFromOneSnippetToTheNext() {
        Path outputDir = temp.resolve("out");

        CodeactRun run = codeact("exec", "--output-dir", outputDir.toString(),
                "-c", "x = 21", "-c", "print('half is', x)", "-c", "x * 2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("half is 21\n=> 42\n");
        assertThat(run.err()).isEmpty();
        assertThat(outputDir).as("created only when a figure is saved").doesNotExist();
    }

    @Test
    void jsonPrintsOneObjectPerSnippetWithEveryField() {
        CodeactRun run = codeact("exec", "--json", "-c", "print('hello')", "-c", "numbers = [1, 2, 3]\nnumbers");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).hasSize(2);
        for (JsonNode line : lines) {
            assertThat(line.isObject()).isTrue();
            assertThat(line.fieldNames()).toIterable().containsAll(JSON_FIELDS);
            assertThat(line.get("ok").asBoolean()).isTrue();
            assertThat(line.get("error").isNull()).isTrue();
            assertThat(line.get("displays").isArray()).isTrue();
            assertThat(line.get("displays")).isEmpty();
            assertThat(line.get("durationMs").isIntegralNumber()).isTrue();
            assertThat(line.get("timedOut").asBoolean()).isFalse();
            assertThat(line.get("truncated").asBoolean()).isFalse();
            assertThat(line.get("restarted").asBoolean()).isFalse();
            assertThat(line.get("source").asText()).isEqualTo("-c");
        }
        JsonNode first = lines.get(0);
        assertThat(first.fieldNames()).toIterable().containsExactlyElementsOf(JSON_FIELDS);
        assertThat(first.get("final").isNull()).as("final_answer was not called").isTrue();
        assertThat(first.get("index").asInt()).isZero();
        assertThat(first.get("stdout").asText()).isEqualTo("hello\n");
        assertThat(first.get("stderr").asText()).isEmpty();
        assertThat(first.get("result").isNull()).isTrue();
        JsonNode second = lines.get(1);
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(second.get("stdout").asText()).isEmpty();
        assertThat(second.get("result").get("repr").asText()).isEqualTo("[1, 2, 3]");
        assertThat(second.get("result").get("type").asText()).isEqualTo("list");
        assertThat(second.get("result").get("json")).isEqualTo(JSON.createArrayNode().add(1).add(2).add(3));
    }

    @Test
    void figuresAreSavedAsPngFilesAndTablesCarriedInline() throws Exception {
        Path outputDir = temp.resolve("figures");
        String plot = "import matplotlib.pyplot as plt; plt.plot([1, 2]); plt.show()";

        CodeactRun run = codeact("exec", "--json", "--output-dir", outputDir.toString(),
                "-c", plot, "-c", "import pandas as pd\npd.DataFrame({'a': [1, 2]})");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = run.jsonLines();
        JsonNode figure = lines.get(0).get("displays").get(0);
        assertThat(figure.get("mime").asText()).isEqualTo("image/png");
        Path png = Path.of(figure.get("path").asText());
        assertThat(png).isRegularFile().hasParent(outputDir.toAbsolutePath()).hasFileName("figure-1.png");
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(1000);
        assertThat(bytes).startsWith(PNG_SIGNATURE);

        JsonNode table = lines.get(1);
        assertThat(table.get("result").get("json")).isEqualTo(JSON.readTree("[{\"a\": 1}, {\"a\": 2}]"));
        assertThat(table.get("displays").findValuesAsText("mime")).containsExactly("text/plain", "application/json");
        assertThat(table.get("displays").get(1).get("data").asText()).isEqualTo("[{\"a\":1},{\"a\":2}]");
        assertThat(table.get("displays").get(1).has("path")).isFalse();

        CodeactRun human = codeact("exec", "--output-dir", outputDir.toString(), "-c", plot);

        Path second = outputDir.toAbsolutePath().resolve("figure-2.png");
        assertThat(human.exitCode()).as(human.err()).isZero();
        assertThat(human.out()).isEqualTo("[saved figure to " + second + "]\n");
        assertThat(Files.readAllBytes(second)).startsWith(PNG_SIGNATURE);
        assertThat(Files.readAllBytes(png)).as("an earlier figure is never overwritten").isEqualTo(bytes);
    }

    @Test
    void aTablesIndexIsKeptAsTheFirstFieldOfEachRecord() throws Exception {
        // The README's example.
        CodeactRun run = codeact("exec", "--json", "-c", "import pandas as pd", "-c", "pd.DataFrame({\"a\": [1, 2]}).describe()");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode described = run.jsonLines().get(1);
        JsonNode records = described.get("result").get("json");
        assertThat(records.findValuesAsText("index")).containsExactly("count", "mean", "std", "min", "25%", "50%", "75%", "max");
        assertThat(records.get(0)).isEqualTo(JSON.readTree("{\"index\": \"count\", \"a\": 2.0}"));
        assertThat(JSON.readTree(described.get("displays").get(1).get("data").asText())).isEqualTo(records);
    }

    @Test
    void theValueGivenToFinalAnswerIsReportedLikeAResult() {
        CodeactRun run = codeact("exec", "--json", "-c", "final_answer(42)", "-c", "final_answer({'total': [1, 2]})");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode number = run.jsonLines().get(0);
        assertThat(number.get("result").isNull()).isTrue();
        assertThat(number.get("final").get("repr").asText()).isEqualTo("42");
        assertThat(number.get("final").get("type").asText()).isEqualTo("int");
        assertThat(number.get("final").get("json").asInt()).isEqualTo(42);
        assertThat(run.jsonLines().get(1).get("final").get("json").get("total"))
                .isEqualTo(JSON.createArrayNode().add(1).add(2));

        CodeactRun human = codeact("exec", "-c", "print('computing')\nfinal_answer(6 * 7)");

        assertThat(human.exitCode()).as(human.err()).isZero();
        assertThat(human.out()).isEqualTo("computing\n=> final answer: 42\n");
    }

    @Test
    void aFigureThatCannotBeSavedFailsItsSnippetAndTheRestStillRuns() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("a-file"), "");
        String outputDir = notADirectory.resolve("figures").toString(); // cannot be made, even by root
        String plot = "import matplotlib.pyplot as plt; plt.plot([1, 2]); plt.show(); 'plotted'";

        CodeactRun run = codeact("exec", "--json", "--output-dir", outputDir, "-c", plot, "-c", "print('after')");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("ok").asBoolean()).as("the code itself ran well").isTrue();
        assertThat(lines.get(0).get("result").get("repr").asText()).isEqualTo("'plotted'");
        JsonNode figure = lines.get(0).get("displays").get(0);
        assertThat(figure.get("mime").asText()).isEqualTo("image/png");
        assertThat(figure.has("path")).isFalse();
        assertThat(figure.get("error").asText()).contains("cannot save a figure under", "Not a directory",
                "Choose a writable directory with --output-dir");
        assertThat(lines.get(1).get("stdout").asText()).isEqualTo("after\n");

        CodeactRun human = codeact("exec", "--output-dir", outputDir, "-c", plot, "-c", "print('after')");

        assertThat(human.exitCode()).isEqualTo(1);
        assertThat(human.out()).isEqualTo("=> 'plotted'\nafter\n");
        assertThat(human.err()).contains("[figure not saved: cannot save a figure under").doesNotContain("Exception");

        CodeactRun failFast = codeact("exec", "--fail-fast", "--output-dir", outputDir, "-c", plot, "-c", "print('after')");

        assertThat(failFast.exitCode()).isEqualTo(1);
        assertThat(failFast.out()).doesNotContain("after");
    }

    @Test
    void aFailingSnippetExitsOneWithItsErrorAndTheRestStillRuns() {
        String define = "def half(n):\n    return n / 0";

        CodeactRun run = codeact("exec", "--json", "-c", define, "-c", "half(4)", "-c", "'still running'");

        assertThat(run.exitCode()).isEqualTo(1);
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).hasSize(3);
        JsonNode failed = lines.get(1);
        assertThat(failed.get("ok").asBoolean()).isFalse();
        assertThat(failed.get("result").isNull()).isTrue();
        JsonNode error = failed.get("error");
        assertThat(error.get("type").asText()).isEqualTo("ZeroDivisionError");
        assertThat(error.get("message").asText()).isEqualTo("division by zero");
        assertThat(error.get("traceback").asText())
                .contains("<cell-2>", "half(4)", "return n / 0", "ZeroDivisionError: division by zero");
        assertThat(lines.get(2).get("result").get("json").asText()).isEqualTo("still running");

        CodeactRun human = codeact("exec", "-c", define, "-c", "half(4)");

        assertThat(human.exitCode()).isEqualTo(1);
        assertThat(human.out()).isEmpty();
        assertThat(human.err()).contains("snippet 2 of 2 (-c) failed:", "return n / 0",
                "ZeroDivisionError: division by zero");
    }

    @Test
    void tracebacksNameTheFileStandardInputOrTheSnippetsNumber() throws Exception {
        Path file = Files.writeString(temp.resolve("analysis.py"), "def half(n):\n    return n / 0\n\nhalf(4)\n");
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream("undefined_name".getBytes(StandardCharsets.UTF_8)));
        CodeactRun run;
        try {
            run = codeact("exec", "--json", file.toString(), "-", "-c", "1 / 0");
        } finally {
            System.setIn(stdin);
        }

        List<JsonNode> lines = run.jsonLines();
        assertThat(lines.get(0).get("error").get("traceback").asText())
                .contains("File \"" + file + "\", line 4, in <module>", "File \"" + file + "\", line 2, in half")
                .doesNotContain("<cell-");
        assertThat(lines.get(1).get("error").get("traceback").asText()).contains("File \"<stdin>\", line 1, in <module>");
        assertThat(lines.get(2).get("error").get("traceback").asText()).contains("File \"<cell-3>\", line 1, in <module>");
    }

    @Test
    void anErrorIsPrintedOnceEvenWhenItsMessageIsNotTheTracebacksLastLine() {
        CodeactRun syntax = codeact("exec", "-c", "x = = 1");

        assertThat(syntax.exitCode()).isEqualTo(1);
        assertThat(syntax.err()).contains("File \"<cell-1>\", line 1", "x = = 1", "SyntaxError: invalid syntax");
        assertThat(occurrences(syntax.err(), "SyntaxError")).as(syntax.err()).isEqualTo(1);

        CodeactRun memory = codeact("exec", "-c", "raise MemoryError()");

        assertThat(memory.err()).contains("MemoryError (the session ran out of memory; use less)");
        assertThat(occurrences(memory.err(), "ran out of memory")).as(memory.err()).isEqualTo(1);
    }

    private static int occurrences(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void failFastStopsAtTheFirstFailure() {
        CodeactRun run = codeact("exec", "--json", "--fail-fast", "-c", "1 / 0", "-c", "2");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.jsonLines()).hasSize(1);
        assertThat(run.jsonLines().get(0).get("error").get("type").asText()).isEqualTo("ZeroDivisionError");
    }

    @Test
    void usageErrorsExitTwoWithAClearMessage() throws Exception {
        CodeactRun nothing = codeact("exec");
        assertThat(nothing.exitCode()).isEqualTo(2);
        assertThat(nothing.err()).contains("Nothing to run", "-c CODE");

        CodeactRun unknown = codeact("exec", "--no-such-option", "-c", "1");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--no-such-option'");

        Path missing = temp.resolve("missing.py");
        CodeactRun missingFile = codeact("exec", "-c", "1", missing.toString());
        assertThat(missingFile.exitCode()).isEqualTo(2);
        assertThat(missingFile.err()).contains("No such file: " + missing);
        assertThat(missingFile.out()).isEmpty();

        CodeactRun codeMissing = codeact("exec", "-c");
        assertThat(codeMissing.exitCode()).isEqualTo(2);
        assertThat(codeMissing.err()).contains("-c needs the code to run after it");

        CodeactRun optionForCode = codeact("exec", "-c", "--json");
        assertThat(optionForCode.exitCode()).isEqualTo(2);
        assertThat(optionForCode.err()).contains("-c needs the code to run after it");

        CodeactRun badWorkdir = codeact("exec", "--workdir", missing.toString(), "-c", "1");
        assertThat(badWorkdir.exitCode()).isEqualTo(2);
        assertThat(badWorkdir.err()).contains("--workdir " + missing + " is not an existing directory");

        CodeactRun badTimeout = codeact("exec", "--timeout", "0", "-c", "1");
        assertThat(badTimeout.exitCode()).isEqualTo(2);
        assertThat(badTimeout.err()).contains("--timeout must be a number of seconds above 0");

        Path file = Files.writeString(temp.resolve("file"), "");
        CodeactRun outputDirIsAFile = codeact("exec", "--output-dir", file.toString(), "-c", "1");
        assertThat(outputDirIsAFile.exitCode()).isEqualTo(2);
        assertThat(outputDirIsAFile.err()).contains("is a file, not a directory");

        CodeactRun noCommand = codeact();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("Missing command");
    }

    @Test
    void theInstalledCommandKeepsUsageErrorsShort() {
        CodeactRun run = run(CodeactCommand.commandLine(), "exec", temp.resolve("missing.py").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("codeact: No such file: ")
                .contains("Usage: codeact exec [--json]", "Try 'codeact exec --help' for more information.")
                .doesNotContain("Exit status:");
    }

    @Test
    void noBubblewrapExitsThreeWithTheReason() {
        CodeactRun run = codeact("exec", "--bwrap", "/nonexistent/bwrap", "-c", "print('never')");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("codeact: cannot make a sandbox: ").contains("bubblewrap", "/nonexistent/bwrap")
                .doesNotContain("\tat ");

        CodeactRun debug = codeact("--debug", "exec", "--bwrap", "/nonexistent/bwrap", "-c", "print('never')");

        assertThat(debug.exitCode()).isEqualTo(3);
        assertThat(debug.err()).contains("SandboxUnavailableException", "\tat dev.codeact4j.sandbox.Sandbox");
    }

    @Test
    void aSnippetOverItsTimeLimitIsReportedAndTheSessionGoesOn() {
        CodeactRun run = codeact("exec", "--json", "--timeout", "1", "-c", "while True: pass", "-c", "'alive'");

        assertThat(run.exitCode()).isEqualTo(1);
        List<JsonNode> lines = run.jsonLines();
        JsonNode timedOut = lines.get(0);
        assertThat(timedOut.get("timedOut").asBoolean()).isTrue();
        assertThat(timedOut.get("ok").asBoolean()).isFalse();
        assertThat(timedOut.get("error").get("type").asText()).isEqualTo("TimeoutError");
        assertThat(timedOut.get("error").get("message").asText()).contains("time limit of 1 s");
        assertThat(timedOut.get("durationMs").asLong()).isBetween(900L, 10_000L);
        assertThat(lines.get(1).get("ok").asBoolean()).isTrue();
        assertThat(lines.get(1).get("result").get("json").asText()).isEqualTo("alive");

        CodeactRun human = codeact("exec", "--timeout", "0.5", "-c", "while True: pass");

        assertThat(human.exitCode()).isEqualTo(1);
        assertThat(human.err()).contains("[timed out] TimeoutError: the execution took longer than its time limit")
                .doesNotContain("KeyboardInterrupt");
    }

    @Test
    void anInterpreterThatWillNotStopIsReplacedAndTheRestartFlagged() {
        String stubborn = "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except KeyboardInterrupt:\n        pass";

        CodeactRun run = codeact("exec", "--json", "--timeout", "0.5", "-c", "x = 1", "-c", stubborn, "-c", "'x' in globals()");

        assertThat(run.exitCode()).isEqualTo(1);
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines.get(1).get("timedOut").asBoolean()).isTrue();
        assertThat(lines.get(1).get("restarted").asBoolean()).isTrue();
        assertThat(lines.get(2).get("restarted").asBoolean()).isTrue();
        assertThat(lines.get(2).get("result").get("json").asBoolean()).as("a fresh interpreter").isFalse();

        CodeactRun human = codeact("exec", "--timeout", "0.5", "-c", stubborn, "-c", "'after'");

        assertThat(human.exitCode()).isEqualTo(1);
        assertThat(human.err()).contains("[timed out] TimeoutError", "so the interpreter was killed. A fresh one will "
                + "run the next code: variables and imports are gone");
        assertThat(occurrences(human.err(), "variables and imports")).as("the restart is said once").isEqualTo(1);
        assertThat(human.out()).isEqualTo("=> 'after'\n");
    }

    @Test
    void snippetsRunInCommandLineOrderWithFilesAndStandardInput() throws Exception {
        Path file = Files.writeString(temp.resolve("step.py"), "order.append('file')\n");
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream("order.append('stdin')\norder".getBytes(StandardCharsets.UTF_8)));
        CodeactRun run;
        try {
            run = codeact("exec", "--json", "-c", "order = ['a']", file.toString(), "-c", "order.append('b')", "-");
        } finally {
            System.setIn(stdin);
        }

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).extracting(line -> line.get("source").asText())
                .containsExactly("-c", file.toString(), "-c", "-");
        assertThat(lines.get(3).get("result").get("json"))
                .isEqualTo(JSON.readTree("[\"a\", \"file\", \"b\", \"stdin\"]"));
    }

    @Test
    void allowImportLetsAModuleThatIsRefusedByDefault() {
        CodeactRun refused = codeact("exec", "--json", "-c", "import os");

        assertThat(refused.exitCode()).isEqualTo(1);
        JsonNode error = refused.jsonLines().get(0).get("error");
        assertThat(error.get("type").asText()).isEqualTo("ImportError");
        assertThat(error.get("message").asText()).contains("import of 'os' is not allowed", "--allow-import os");

        CodeactRun allowed = codeact("exec", "--json", "--allow-import", "os,shutil", "-c", "import os, shutil\nos.sep");

        assertThat(allowed.exitCode()).as(allowed.out()).isZero();
        assertThat(allowed.jsonLines().get(0).get("result").get("json").asText()).isEqualTo("/");
    }

    @Test
    void unsafeNoSandboxWarnsOnEveryUse() {
        CodeactRun before = codeact("--unsafe-no-sandbox", "exec", "-c", "20 + 22");
        CodeactRun after = codeact("exec", "--unsafe-no-sandbox", "-c", "20 + 22");

        for (CodeactRun run : List.of(before, after)) {
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("=> 42\n");
            assertThat(run.err()).contains("WARNING: --unsafe-no-sandbox", "WITHOUT isolation");
        }
    }

    @Test
    void versionAndHelp() {
        CodeactRun version = codeact("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).isEqualTo("codeact 0.1.0-SNAPSHOT\n");

        CodeactRun help = codeact("exec", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("(-c CODE | FILE)...", "--allow-import", "--output-dir", "{mime, path}",
                "{mime, data}", "(default: 30)", "(default: codeact-output;", "  final       null unless",
                "'=> final answer: repr'", "{mime, error}");

        CodeactRun root = codeact("--help");
        assertThat(root.exitCode()).isZero();
        assertThat(root.out()).contains("exec", "--unsafe-no-sandbox").doesNotContain("--bwrap");
    }

    @Test
    void allowedHostsAreReachedThroughTheProxyAndReportedInJson() throws Exception {
        com.sun.net.httpserver.HttpServer upstream = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] body = "pong".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        try {
            int port = upstream.getAddress().getPort();
            CodeactRun run = codeact("exec", "--json", "--allow-import", "urllib", "--allow-host", "127.0.0.1:" + port,
                    "-c", "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:" + port + "/ping').read().decode()");
            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode line = run.jsonLines().get(0);
            assertThat(line.get("result").get("json").asText()).isEqualTo("pong");
            JsonNode request = line.get("network").get(0);
            assertThat(request.get("method").asText()).isEqualTo("GET");
            assertThat(request.get("port").asInt()).isEqualTo(port);
            assertThat(request.get("allowed").asBoolean()).isTrue();
            assertThat(request.get("bytesReceived").asLong()).isEqualTo(4);

            CodeactRun human = codeact("exec", "--allow-import", "urllib", "--allow-host", "127.0.0.1:" + port,
                    "-c", "import urllib.request\ntry:\n    urllib.request.urlopen('http://127.0.0.1:1/')\nexcept Exception as e:\n    print(e)");
            assertThat(human.out()).contains("HTTP Error 403");
            assertThat(human.err()).contains("[network] GET 127.0.0.1:1 refused: ");
        } finally {
            upstream.stop(0);
        }
    }

    @Test
    void networkOptionsThatCannotBeUsedAreUsageErrors() {
        CodeactRun both = codeact("exec", "--network", "--allow-host", "example.org", "-c", "1");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("cannot be combined").contains("--network or --allow-host");

        CodeactRun bad = codeact("exec", "--allow-host", "http://example.org/path", "-c", "1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("http://example.org/path");
    }

    @Test
    void theDiskLimitIsAnOptionAndFillingItIsAClearError() {
        CodeactRun run = codeact("exec", "--disk", "32", "-c",
                "with open('big.bin', 'wb') as f:\n    for _ in range(64):\n        f.write(b'x' * (1 << 20))",
                "-c", "print('still here')");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no space left: the sandbox limits its disk to 32 MB")
                .contains("ask for more with --disk");
        assertThat(run.out()).contains("still here");
    }
}
