package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.McpSchemaValidator;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code codeact mcp} as a client sees it: the command started as a process of its own and driven by the MCP SDK's
 * client over standard input and output. A stray line on the server's standard output would end the SDK's reading
 * of it, so every answer arriving also shows that nothing but the protocol is written there.
 */
class McpCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private final List<String> serverStderr = Collections.synchronizedList(new ArrayList<>());

    /**
     * The model's base URL and API key reach run_agent the way they would in a client's configuration: the URL as
     * {@code codeact mcp --base-url}, the key in the provider's variable of the server's environment.
     */
    private McpSyncClient start(ScriptedModelServer model, String... options) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("mcp", "--base-url", model.baseUrl(),
                "--output-dir", temp.resolve("figures").toString(), "--timeout", "20"));
        arguments.addAll(List.of(options));
        List<String> command = McpTestServers.javaCommand(CodeactCommand.class.getName(), arguments);
        StdioClientTransport transport = new StdioClientTransport(ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .env(Map.of("OPENAI_API_KEY", "scripted-key",
                        "CODEACT_HOME", Files.createDirectories(temp.resolve("home")).toString()))
                .build(), new JacksonMcpJsonMapper(JSON));
        transport.setStdErrorHandler(serverStderr::add);
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(60))
                .jsonSchemaValidator(new McpSchemaValidator())
                .build();
        client.initialize();
        return client;
    }

    private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    private static JsonNode json(CallToolResult result) throws Exception {
        assertThat(result.isError()).as(result.toString()).isNotEqualTo(Boolean.TRUE);
        return JSON.readTree(((McpSchema.TextContent) result.content().get(0)).text());
    }

    @Test
    void executeCodeKeepsOneSessionPerConnectionAndReturnsWhatExecJsonPrints() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.openAi(); McpSyncClient client = start(model)) {
            assertThat(client.getServerInfo().name()).isEqualTo("codeact");
            assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("execute_code", "run_agent");

            JsonNode first = json(call(client, "execute_code", Map.of("code", "x = 20 + 1\nprint('x is', x)")));
            JsonNode second = json(call(client, "execute_code", Map.of("code", "x * 2")));

            assertThat(first.get("index").asInt()).isZero();
            assertThat(first.get("source").asText()).isEqualTo("-c");
            assertThat(first.get("ok").asBoolean()).isTrue();
            assertThat(first.get("stdout").asText()).isEqualTo("x is 21\n");
            assertThat(first.get("result").isNull()).isTrue();
            assertThat(second.get("index").asInt()).isEqualTo(1);
            assertThat(second.get("result").get("json").asInt()).as(serverStderr.toString()).isEqualTo(42);
            assertThat(second.get("displays")).isEmpty();
            assertThat(second.fieldNames()).toIterable().containsExactly("index", "source", "ok", "stdout", "stderr",
                    "result", "error", "displays", "network", "durationMs", "timedOut", "truncated", "restarted");

            // A figure comes back as an image besides the JSON, which names the file it was saved to.
            CallToolResult plotted = call(client, "execute_code",
                    Map.of("code", "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()"));
            JsonNode plot = json(plotted);
            assertThat(plotted.content()).hasSize(2);
            McpSchema.ImageContent image = (McpSchema.ImageContent) plotted.content().get(1);
            assertThat(image.mimeType()).isEqualTo("image/png");
            assertThat(Base64.getDecoder().decode(image.data())).startsWith(0x89, 'P', 'N', 'G');
            assertThat(plot.get("displays").get(0).get("mime").asText()).isEqualTo("image/png");
            assertThat(Path.of(plot.get("displays").get(0).get("path").asText())).isRegularFile()
                    .hasParent(temp.resolve("figures"));

            // The call's own time limit interrupts the code; the session and its x are still there.
            JsonNode slow = json(call(client, "execute_code", Map.of("code", "import time\ntime.sleep(30)", "timeout", 0.5)));
            assertThat(slow.get("timedOut").asBoolean()).isTrue();
            assertThat(slow.get("error").get("type").asText()).isEqualTo("TimeoutError");
            assertThat(json(call(client, "execute_code", Map.of("code", "x"))).get("result").get("repr").asText()).isEqualTo("21");
        }
    }

    @Test
    void runAgentReturnsWhatRunJsonPrintsAndAnErrorWhenNoModelIsNamed() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.openAi(); McpSyncClient client = start(model)) {
            model.reply("Sum them in code.\n```python\nfinal_answer(sum(range(10)))\n```", 150, 12);

            JsonNode run = json(call(client, "run_agent",
                    Map.of("task", "Add the numbers below 10.", "model", "openai:scripted-model", "max_steps", 3)));
            CallToolResult withoutModel = call(client, "run_agent", Map.of("task", "Add the numbers below 10."));

            assertThat(run.get("success").asBoolean()).as(run.toString()).isTrue();
            assertThat(run.get("model").asText()).isEqualTo("openai:scripted-model");
            assertThat(run.get("task").asText()).isEqualTo("Add the numbers below 10.");
            assertThat(run.get("answer").asInt()).isEqualTo(45);
            assertThat(run.get("reason").asText()).isEqualTo("final_answer");
            assertThat(run.get("steps")).hasSize(1);
            assertThat(run.get("steps").get(0).get("thought").asText()).isEqualTo("Sum them in code.");
            assertThat(run.get("inputTokens").asInt()).isEqualTo(150);
            assertThat(model.lastRequest().header("Authorization")).isEqualTo("Bearer scripted-key");
            assertThat(model.lastRequest().body().path("model").asText()).isEqualTo("scripted-model");
            try (RunStore store = RunStore.openIn(temp.resolve("home"))) { // recorded like codeact run's
                assertThat(store.find(run.get("runId").asText()).orElseThrow().answerText()).isEqualTo("45");
            }

            assertThat(withoutModel.isError()).isTrue();
            assertThat(((McpSchema.TextContent) withoutModel.content().get(0)).text())
                    .startsWith("No model named: pass the argument model as PROVIDER:MODEL");
        }
    }
}
