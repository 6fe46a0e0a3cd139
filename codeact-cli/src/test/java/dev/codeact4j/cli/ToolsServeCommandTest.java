package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.tools.Tools;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code codeact tools serve} in-process: usage errors, and a real server called over HTTP until interrupted. */
class ToolsServeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final Pattern PORT = Pattern.compile("serving \\d+ tools? on http://[0-9.]+:(\\d+)");

    /** A LangChain4j tool class, as a user would already have it. */
    public static class Calculator {
        @Tool("Multiplies two numbers.")
        public double multiply(@P("the first") double a, @P("the second") double b) {
            return a * b;
        }
    }

    public static class NoTools {
    }

    /** codeact4j tools made in Java, as a Supplier. */
    public static class JavaTools implements Supplier<Tools> {
        @Override
        public Tools get() {
            return Tools.of(dev.codeact4j.tools.Tool.builder("shout").parameter("text", "string", "what to shout")
                    .function(args -> args.path("text").asText().toUpperCase(java.util.Locale.ROOT)).build());
        }
    }

    /** CODEACT_HOME, where the config file would be: the test's own directory, without one. */
    @TempDir
    Path home;

    record Finished(int exitCode, String err) {
    }

    private Map<String, String> environment() {
        return Map.of("CODEACT_HOME", home.toString());
    }

    private static Finished codeact(Map<String, String> environment, String... args) {
        StringWriter err = new StringWriter();
        int exitCode = CodeactCommand.commandLine(environment)
                .setOut(new PrintWriter(new StringWriter(), true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Finished(exitCode, err.toString());
    }

    /** The command running on its own thread, as it runs until Ctrl-C. */
    static final class Serving implements AutoCloseable {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final AtomicInteger exitCode = new AtomicInteger(-1);
        final Thread thread;
        final String baseUrl;

        Serving(Map<String, String> environment, String... args) throws InterruptedException {
            thread = Thread.ofPlatform().start(() -> exitCode.set(CodeactCommand.commandLine(environment)
                    .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args)));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Matcher port = PORT.matcher(err());
            while (!port.find()) {
                if (!thread.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("the server did not start: " + err());
                }
                Thread.sleep(10);
                port = PORT.matcher(err());
            }
            baseUrl = "http://127.0.0.1:" + port.group(1);
        }

        String err() {
            return err.toString();
        }

        /** Standard error once it matches: the log line of a request may come just after its answer. */
        String errMatching(String regex) throws InterruptedException {
            Pattern pattern = Pattern.compile(regex);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!pattern.matcher(err()).find() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return err();
        }

        /** Stops it as a test can (a thread interrupt; Ctrl-C goes through the shutdown hook) and waits for the end. */
        int stop() throws InterruptedException {
            thread.interrupt();
            thread.join(Duration.ofSeconds(10));
            return exitCode.get();
        }

        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static HttpResponse<String> post(String url, String token, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url + "/tool"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheToolClassesUntilInterruptedWithOneLinePerRequest() throws Exception {
        try (Serving serving = new Serving(environment(), "tools", "serve", "--port", "0", "--token", "secret-token",
                "--tools-class", Calculator.class.getName())) {
            assertThat(serving.err()).contains("serving 1 tool on http://127.0.0.1:", ": multiply",
                    "bearer token: the one from --token",
                    "-d '{\"tool\":\"multiply\",\"args\":{\"a\":1.5,\"b\":1.5}}' " + serving.baseUrl + "/tool")
                    .doesNotContain("secret-token");

            HttpResponse<String> ok = post(serving.baseUrl, "secret-token", "{\"tool\": \"multiply\", \"args\": {\"a\": 6, \"b\": 7}}");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ok.body()).path("result").asDouble()).isEqualTo(42.0);

            HttpResponse<String> unknown = post(serving.baseUrl, "secret-token", "{\"tool\": \"divide\", \"args\": {}}");
            assertThat(unknown.statusCode()).isEqualTo(404);
            HttpResponse<String> wrongToken = post(serving.baseUrl, "guess", "{\"tool\": \"multiply\", \"args\": {}}");
            assertThat(wrongToken.statusCode()).isEqualTo(401);

            assertThat(serving.errMatching("POST /tool 401 .*\n"))
                    .containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} POST /tool multiply 200 \\d+\\.\\d ms\n")
                    .containsPattern("POST /tool divide 404 \\d+\\.\\d ms - there is no tool named 'divide'; the tools are: multiply\n")
                    .containsPattern("POST /tool 401 \\d+\\.\\d ms - wrong bearer token\n");

            assertThat(serving.stop()).isEqualTo(0);
            assertThat(serving.thread.isAlive()).isFalse();
        }
    }

    @Test
    void withoutATokenOneIsGeneratedAndPrintedAndTheEnvironmentCanGiveIt() throws Exception {
        try (Serving serving = new Serving(environment(), "tools", "serve", "--port", "0",
                "--tools-class", Calculator.class.getName())) {
            Matcher printed = Pattern.compile("bearer token \\(generated; choose one with --token or \\$CODEACT_TOOLS_TOKEN\\): "
                    + "([A-Za-z0-9_-]{43})\n").matcher(serving.err());
            assertThat(printed.find()).as(serving.err()).isTrue();
            assertThat(serving.err()).contains("curl -s -H \"Authorization: Bearer " + printed.group(1) + "\"");
            assertThat(post(serving.baseUrl, printed.group(1), "{\"tool\": \"multiply\", \"args\": {\"a\": 2, \"b\": 3}}")
                    .statusCode()).isEqualTo(200);
        }
        try (Serving serving = new Serving(Map.of("CODEACT_HOME", home.toString(), "CODEACT_TOOLS_TOKEN", "from-the-environment"), "tools", "serve",
                "--port", "0", "--tools-class", Calculator.class.getName())) {
            assertThat(serving.err()).contains("bearer token: the one from $CODEACT_TOOLS_TOKEN",
                    "Authorization: Bearer $CODEACT_TOOLS_TOKEN");
            assertThat(post(serving.baseUrl, "from-the-environment", "{\"tool\": \"multiply\", \"args\": {\"a\": 2, \"b\": 3}}")
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void toolsFromSeveralClassesAndASupplierAreServedTogether() throws Exception {
        try (Serving serving = new Serving(environment(), "tools", "serve", "--port", "0", "--token", "t",
                "--tools-class", Calculator.class.getName(), "--tools-class", JavaTools.class.getName())) {
            assertThat(serving.err()).contains("serving 2 tools on http://127.0.0.1:", ": multiply, shout");
            HttpResponse<String> shout = post(serving.baseUrl, "t", "{\"tool\": \"shout\", \"args\": {\"text\": \"hey\"}}");
            assertThat(shout.body()).isEqualTo("{\"result\":\"HEY\"}");
        }
    }

    @Test
    void theToolsOfAnMcpServerAreServedBesideAClasssOnes() throws Exception {
        String server = McpTestServers.javaServer("alpha", "echo").toString();
        try (Serving serving = new Serving(environment(), "tools", "serve", "--port", "0",
                "--token", "t", "--mcp", server, "--tools-class", Calculator.class.getName())) {
            assertThat(serving.err()).contains("[tools: multiply, echo]", "serving 2 tools on http://127.0.0.1:",
                    ": multiply, echo");
            assertThat(serving.out.toString()).as("notices go to standard error, as exec's and run's").isEmpty();
            HttpResponse<String> echo = post(serving.baseUrl, "t", "{\"tool\": \"echo\", \"args\": {\"text\": \"hi\"}}");
            assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
            assertThat(JSON.readTree(echo.body()).path("result").asText()).isEqualTo("alpha/echo: hi");
            HttpResponse<String> product = post(serving.baseUrl, "t", "{\"tool\": \"multiply\", \"args\": {\"a\": 2, \"b\": 4}}");
            assertThat(JSON.readTree(product.body()).path("result").asDouble()).isEqualTo(8.0);
        }
    }

    @Test
    void usageErrorsExitTwoWithAClearMessage() {
        Finished none = codeact(environment(), "tools", "serve");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("No tools to serve: name a class of tools with --tools-class CLASS, "
                + "or an MCP server with --mcp COMMAND or --mcp-url URL.");

        Finished missing = codeact(environment(), "tools", "serve", "--tools-class", "com.example.Nowhere");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--tools-class com.example.Nowhere: no such class on the classpath");

        Finished empty = codeact(environment(), "tools", "serve", "--tools-class", NoTools.class.getName());
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("has no public method annotated with @dev.langchain4j.agent.tool.Tool");

        Finished port = codeact(environment(), "tools", "serve", "--port", "70000", "--tools-class", Calculator.class.getName());
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("--port must be between 0 and 65535, got 70000.");

        Finished token = codeact(environment(), "tools", "serve", "--token", "has space", "--tools-class", Calculator.class.getName());
        assertThat(token.exitCode()).isEqualTo(2);
        assertThat(token.err()).contains("The token from --token is not usable");

        Finished noSubcommand = codeact(environment(), "tools");
        assertThat(noSubcommand.exitCode()).isEqualTo(2);
        assertThat(noSubcommand.err()).contains("Missing command: try 'codeact tools serve --tools-class CLASS'.");
    }

    @Test
    void aTakenPortExitsOneWithWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Finished busy = codeact(environment(), "tools", "serve", "--port", String.valueOf(taken.getLocalPort()),
                    "--tools-class", Calculator.class.getName());
            assertThat(busy.exitCode()).isEqualTo(1);
            assertThat(busy.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort(),
                    "Choose another with --port");
        }
    }

    @Test
    void anotherHostThanLoopbackIsWarnedAbout() throws Exception {
        try (Serving serving = new Serving(environment(), "tools", "serve", "--port", "0", "--host", "0.0.0.0", "--token", "t",
                "--tools-class", Calculator.class.getName())) {
            assertThat(serving.err()).contains("WARNING: --host 0.0.0.0: other machines can call the tools");
            JsonNode list = JSON.readTree(CLIENT.send(HttpRequest.newBuilder(URI.create(serving.baseUrl + "/tools"))
                    .header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(list.path("tools").get(0).path("name").asText()).isEqualTo("multiply");
        }
    }
}
