package dev.codeact4j.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.RunRequest;
import dev.codeact4j.server.settings.ServerLimits;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.McpSchemaValidator;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MCP over streamable HTTP at /mcp, driven by the official MCP Java client against a real server on loopback, a real
 * sandbox and the scripted model server: the tools of {@code codeact mcp}, one sandbox session per MCP session ended
 * with it, behind the API's token, Host and Origin checks.
 */
class McpOverHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String MODEL = "openai:scripted-model";
    private static final String PROTOCOL_VERSION = "2025-06-18";
    private static ScriptedModelServer model;
    private static NotingSandbox sandbox;
    private static CodeactServer server;

    /** The real sandbox, noting the sessions it opens so that a test can see them closed. */
    private static final class NotingSandbox implements Sandbox {
        final Sandbox real = Sandbox.create();
        final List<Session> opened = new CopyOnWriteArrayList<>();

        @Override
        public Session open(SandboxPolicy policy) {
            Session session = real.open(policy);
            opened.add(session);
            return session;
        }

        @Override
        public String describe() {
            return real.describe();
        }

        @Override
        public Path createWorkdir(String prefix) {
            return real.createWorkdir(prefix);
        }

        @Override
        public List<String> poolPreload() {
            return real.poolPreload();
        }

        List<Session> openedSince(int count) {
            return List.copyOf(opened.subList(count, opened.size()));
        }
    }

    @BeforeAll
    static void start() {
        model = ScriptedModelServer.openAi();
        sandbox = new NotingSandbox();
        server = server(ServerLimits.defaults());
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    private static CodeactServer server(ServerLimits limits) {
        SandboxPolicy policy = SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build();
        return CodeactServer.builder().port(0).sandbox(sandbox).policy(policy).agents(McpOverHttpTest::agent)
                .models(MODEL, List.of()).limits(limits).log(new PrintWriter(new StringWriter())).start();
    }

    /** The agents of run_agent, as an embedding application would make them: the scripted model, the sandbox. */
    private static CodeActAgent agent(RunRequest request) {
        ChatModels models = ChatModels.create(ModelSpec.parse(request.model() != null ? request.model() : MODEL),
                ModelSettings.defaults().withBaseUrl(model.baseUrl()).withApiKey("scripted-key")
                        .withTimeout(Duration.ofSeconds(30)), Map.of());
        Language language = request.language() != null ? Language.parse(request.language()) : Language.PYTHON;
        CodeActAgent.Builder agent = CodeActAgent.builder().models(models).sandbox(sandbox).language(language)
                .policy(SandboxPolicy.builder().language(language).timeout(Duration.ofSeconds(20)).build());
        if (request.maxSteps() != null) {
            agent.maxSteps(request.maxSteps());
        }
        return agent.build();
    }

    private static McpSyncClient client(CodeactServer server) {
        return client(server, HttpRequest.newBuilder().header("Authorization", "Bearer " + server.token()));
    }

    private static McpSyncClient client(CodeactServer server, HttpRequest.Builder requests) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder(server.url().toString())
                .endpoint("/mcp")
                .requestBuilder(requests)
                .jsonMapper(new JacksonMcpJsonMapper(JSON))
                .build();
        return McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(30))
                .jsonSchemaValidator(new McpSchemaValidator())
                .build();
    }

    private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    }

    private static JsonNode json(CallToolResult result) throws Exception {
        assertThat(result.isError()).as(result.toString()).isNotEqualTo(Boolean.TRUE);
        return JSON.readTree(((McpSchema.TextContent) result.content().get(0)).text());
    }

    @Test
    void executeCodeKeepsStateAcrossCallsAndReturnsAFigureAsAnImageAndInline() throws Exception {
        try (McpSyncClient client = client(server)) {
            McpSchema.InitializeResult initialized = client.initialize();
            assertThat(initialized.serverInfo().name()).isEqualTo("codeact");
            assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
                    .containsExactly("execute_code", "run_agent");

            JsonNode first = json(call(client, "execute_code", Map.of("code", "x = 20 + 1\nprint('x is', x)")));
            JsonNode second = json(call(client, "execute_code", Map.of("code", "x * 2")));
            assertThat(first.get("index").asInt()).isZero();
            assertThat(first.get("source").asText()).isEqualTo("execute_code");
            assertThat(first.get("stdout").asText()).isEqualTo("x is 21\n");
            assertThat(second.get("index").asInt()).isEqualTo(1);
            assertThat(second.get("result").get("json").asInt()).isEqualTo(42);
            assertThat(second.fieldNames()).toIterable().containsExactly("index", "source", "ok", "stdout", "stderr",
                    "result", "final", "error", "displays", "network", "durationMs", "timedOut", "truncated", "restarted");

            CallToolResult plotted = call(client, "execute_code",
                    Map.of("code", "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()"));
            JsonNode display = json(plotted).get("displays").get(0);
            assertThat(plotted.content()).hasSize(2);
            McpSchema.ImageContent image = (McpSchema.ImageContent) plotted.content().get(1);
            assertThat(image.mimeType()).isEqualTo("image/png");
            assertThat(Base64.getDecoder().decode(image.data())).startsWith(0x89, 'P', 'N', 'G');
            // No file on the server: the client may be on another machine. The JSON carries the figure itself.
            assertThat(display.get("mime").asText()).isEqualTo("image/png");
            assertThat(display.has("path")).isFalse();
            assertThat(display.get("data").asText()).isEqualTo(image.data());

            CallToolResult javascript = call(client, "execute_code", Map.of("code", "x", "language", "javascript"));
            assertThat(json(javascript).get("error").get("type").asText()).as("a session of its own")
                    .isEqualTo("ReferenceError");
        }
    }

    @Test
    void runAgentAnswersWithTheRunJsonAndItsFiguresInline() throws Exception {
        model.reply("Plot, then sum.\n```python\nimport matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\n"
                + "plt.show()\nfinal_answer(sum(range(10)))\n```", 150, 12);
        try (McpSyncClient client = client(server)) {
            client.initialize();
            CallToolResult result = call(client, "run_agent",
                    Map.of("task", "Plot a line, then add the numbers below 10.", "max_steps", 3));
            JsonNode run = json(result);

            assertThat(run.get("success").asBoolean()).as(run.toString()).isTrue();
            assertThat(run.get("model").asText()).isEqualTo(MODEL);
            assertThat(run.get("answer").asInt()).isEqualTo(45);
            assertThat(run.get("steps")).hasSize(1);
            assertThat(run.get("steps").get(0).get("thought").asText()).isEqualTo("Plot, then sum.");
            String figure = run.get("steps").get(0).get("figures").get(0).asText();
            assertThat(figure).startsWith("data:image/png;base64,");
            McpSchema.ImageContent image = (McpSchema.ImageContent) result.content().get(1);
            assertThat(figure).endsWith(image.data());
            assertThat(model.lastRequest().header("Authorization")).isEqualTo("Bearer scripted-key");
        }
    }

    @Test
    void twoClientsHaveSessionsOfTheirOwnEndedWhenTheyDeleteThem() throws Exception {
        int before = sandbox.opened.size();
        McpSyncClient first = client(server);
        McpSyncClient second = client(server);
        try {
            first.initialize();
            second.initialize();
            assertThat(json(call(first, "execute_code", Map.of("code", "secret = 'first'"))).get("ok").asBoolean()).isTrue();
            JsonNode unseen = json(call(second, "execute_code", Map.of("code", "secret")));
            assertThat(unseen.get("index").asInt()).isZero();
            assertThat(unseen.get("error").get("type").asText()).isEqualTo("NameError");
            assertThat(json(call(first, "execute_code", Map.of("code", "secret"))).get("result").get("json").asText())
                    .isEqualTo("first");
        } finally {
            assertThat(first.closeGracefully()).isTrue(); // DELETE /mcp
        }
        List<Session> sessions = sandbox.openedSince(before);
        assertThat(sessions).hasSize(2);
        awaitTrue(() -> !sessions.get(0).isAlive(), "the first client's session closed when it deleted its MCP session");
        assertThat(sessions.get(1).isAlive()).as("the other client's session goes on").isTrue();
        second.closeGracefully();
        awaitTrue(() -> !sessions.get(1).isAlive(), "the second client's session closed too");
    }

    @Test
    void withoutTheTokenIs401AndAForeignOriginIs403InTheApiErrorShape() throws Exception {
        HttpResponse<String> anonymous = HTTP.send(initialize(server).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(anonymous.body()).at("/error/type").asText()).isEqualTo("unauthorized");

        HttpResponse<String> foreign = HTTP.send(initialize(server).header("Authorization", "Bearer " + server.token())
                .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(foreign.body()).at("/error/type").asText()).isEqualTo("forbidden");

        try (McpSyncClient withoutToken = client(server, HttpRequest.newBuilder())) {
            assertThatThrownBy(withoutToken::initialize).as("the official client is refused too");
        }
        try (McpSyncClient fromAPage = client(server, HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + server.token()).header("Origin", "http://evil.example"))) {
            assertThatThrownBy(fromAPage::initialize);
        }
    }

    /**
     * A client that goes away without deleting its session (no event stream open, nothing in flight): after the
     * session TTL its sandbox session is closed and the MCP session answers 404. The body limit holds at /mcp too.
     */
    @Test
    void aSessionWhoseClientWentAwayEndsAfterTheTtl() throws Exception {
        int before = sandbox.opened.size();
        try (CodeactServer shortLived = server(ServerLimits.defaults().withSessionTtl(Duration.ofSeconds(1))
                .withMaxBodyBytes(4096))) {
            HttpResponse<String> initialized = HTTP.send(initialize(shortLived)
                    .header("Authorization", "Bearer " + shortLived.token()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(initialized.statusCode()).as(initialized.body()).isEqualTo(200);
            String sessionId = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
            assertThat(post(shortLived, sessionId, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                    .statusCode()).isEqualTo(202);
            HttpResponse<String> executed = post(shortLived, sessionId, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
                    + "\"tools/call\",\"params\":{\"name\":\"execute_code\",\"arguments\":{\"code\":\"x = 1\"}}}");
            assertThat(executed.statusCode()).isEqualTo(200);
            assertThat(executed.body()).contains("\\\"ok\\\":true");
            Session session = sandbox.openedSince(before).get(0);

            awaitTrue(() -> !session.isAlive(), "the session closed after the TTL");
            HttpResponse<String> late = post(shortLived, sessionId, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
                    + "\"tools/call\",\"params\":{\"name\":\"execute_code\",\"arguments\":{\"code\":\"x\"}}}");
            assertThat(late.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(late.body()).at("/error/message").asText()).contains("has ended");
            HttpResponse<String> unknown = post(shortLived, "no-such-session", "{\"jsonrpc\":\"2.0\",\"id\":4,"
                    + "\"method\":\"tools/list\"}");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(unknown.body()).at("/error/type").asText()).isEqualTo("not_found");

            HttpResponse<String> large = post(shortLived, sessionId, "{\"padding\": \"" + "x".repeat(5000) + "\"}");
            assertThat(large.statusCode()).isEqualTo(413);
            assertThat(JSON.readTree(large.body()).at("/error/type").asText()).isEqualTo("too_large");
        }
    }

    @Test
    void stoppingTheServerEndsTheSessions() throws Exception {
        int before = sandbox.opened.size();
        CodeactServer stopping = server(ServerLimits.defaults());
        McpSyncClient client = client(stopping);
        try {
            client.initialize();
            assertThat(json(call(client, "execute_code", Map.of("code", "1"))).get("ok").asBoolean()).isTrue();
        } finally {
            stopping.close();
            client.close();
        }
        Session session = sandbox.openedSince(before).get(0);
        assertThat(session.isAlive()).isFalse();
    }

    private static HttpRequest.Builder initialize(CodeactServer server) {
        return HttpRequest.newBuilder(server.url().resolve("/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                        + "\"params\":{\"protocolVersion\":\"" + PROTOCOL_VERSION + "\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}"));
    }

    private static HttpResponse<String> post(CodeactServer server, String sessionId, String message) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.url().resolve("/mcp"))
                .header("Authorization", "Bearer " + server.token())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Mcp-Session-Id", sessionId)
                .header("MCP-Protocol-Version", PROTOCOL_VERSION)
                .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits for what the server does in the background, with a deadline far beyond what it needs. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as(what).isBefore(deadline);
            Thread.sleep(50);
        }
    }
}
