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

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

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
            assertThat(first.get("source").asText()).isEqualTo("execute_code");
            assertThat(first.get("ok").asBoolean()).isTrue();
            assertThat(first.get("stdout").asText()).isEqualTo("x is 21\n");
            assertThat(first.get("result").isNull()).isTrue();
            assertThat(second.get("index").asInt()).isEqualTo(1);
            assertThat(second.get("result").get("json").asInt()).as(serverStderr.toString()).isEqualTo(42);
            assertThat(second.get("displays")).isEmpty();
            assertThat(second.fieldNames()).toIterable().containsExactly("index", "source", "ok", "stdout", "stderr",
                    "result", "final", "error", "displays", "network", "durationMs", "timedOut", "truncated", "restarted");
            assertThat(second.get("final").isNull()).isTrue();

            // The value given to final_answer(...) reaches the client as exec --json's "final".
            JsonNode answered = json(call(client, "execute_code", Map.of("code", "final_answer(x + 1)")));
            assertThat(answered.get("final").get("json").asInt()).isEqualTo(22);
            assertThat(answered.get("final").get("type").asText()).isEqualTo("int");

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

    @Test
    void executeCodeAndRunAgentTakeTheLanguageJavaScriptInASessionBesideThePythonOne() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.openAi(); McpSyncClient client = start(model)) {
            McpSchema.Tool executeCode = client.listTools().tools().get(0);
            assertThat(executeCode.inputSchema().get("properties").toString()).contains("language=");

            JsonNode python = json(call(client, "execute_code", Map.of("code", "x = 1")));
            JsonNode first = json(call(client, "execute_code", Map.of("code", "const x = 20 + 1;\nconsole.log('x is', x);",
                    "language", "javascript")));
            JsonNode second = json(call(client, "execute_code", Map.of("code", "x * 2", "language", "javascript")));
            JsonNode stillPython = json(call(client, "execute_code", Map.of("code", "x")));
            CallToolResult drawn = call(client, "execute_code", Map.of("code",
                    "display('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"></svg>')",
                    "language", "javascript"));
            CallToolResult unknown = call(client, "execute_code", Map.of("code", "1", "language", "ruby"));

            assertThat(python.get("ok").asBoolean()).isTrue();
            assertThat(first.get("ok").asBoolean()).as(first.toString()).isTrue();
            assertThat(first.get("index").asInt()).as("a session of its own").isZero();
            assertThat(first.get("stdout").asText()).isEqualTo("x is 21\n");
            assertThat(second.get("result").get("json").asInt()).as(serverStderr.toString()).isEqualTo(42);
            assertThat(stillPython.get("result").get("json").asInt()).isEqualTo(1);
            assertThat(drawn.content()).as(json(drawn).toString()).hasSize(2);
            McpSchema.ImageContent svg = (McpSchema.ImageContent) drawn.content().get(1);
            assertThat(svg.mimeType()).isEqualTo("image/svg+xml");
            assertThat(new String(Base64.getDecoder().decode(svg.data()), java.nio.charset.StandardCharsets.UTF_8))
                    .startsWith("<svg");
            assertThat(Path.of(json(drawn).get("displays").get(0).get("path").asText())).as("saved as a file, like a PNG")
                    .hasExtension("svg").content().startsWith("<svg");
            assertThat(unknown.isError()).isTrue();
            assertThat(((McpSchema.TextContent) unknown.content().get(0)).text()).contains("language", "javascript");

            model.reply("Sum them in code.\n```javascript\nfinal_answer([...Array(10).keys()].reduce((a, b) => a + b, 0));\n```",
                    150, 12);
            JsonNode run = json(call(client, "run_agent", Map.of("task", "Add the numbers below 10.",
                    "model", "openai:scripted-model", "language", "javascript")));
            assertThat(run.get("success").asBoolean()).as(run.toString()).isTrue();
            assertThat(run.get("answer").asInt()).isEqualTo(45);
            assertThat(model.lastRequest().rawBody()).contains("expert javascript programmer");
        }
    }

    @Test
    void pythonToolAndSetupFilesAreInEveryPythonSessionAndExecuteCodesDescriptionListsTheTools() throws Exception {
        Path tools = Files.writeString(temp.resolve("suite.py"), """
                def max(values: list[float]) -> float:
                    \"""The largest value, plus a half: this suite's own.\"""
                    best = values[0]
                    for value in values:
                        best = value if value > best else best
                    return best + 0.5
                """);
        Path setup = Files.writeString(temp.resolve("setup.py"), "readings = [3, 9, 4]\nprint('readings loaded')\n");
        try (ScriptedModelServer model = ScriptedModelServer.openAi();
             McpSyncClient client = start(model, "--tools-py", tools.toString(), "--setup", setup.toString())) {
            assertThat(client.listTools().tools().get(0).description()).contains("These Python tools are defined",
                    "def max(values: list[float]) -> float:", "The largest value, plus a half");

            JsonNode python = json(call(client, "execute_code", Map.of("code", "max(readings)")));
            JsonNode javascript = json(call(client, "execute_code", Map.of("code", "typeof readings",
                    "language", "javascript")));

            assertThat(python.get("result").get("json").asDouble()).as(serverStderr.toString()).isEqualTo(9.5);
            assertThat(javascript.get("result").get("json").asText()).as("Python's files are not JavaScript's")
                    .isEqualTo("undefined");
        }
    }

    /** run_agent's agents are made as codeact run's are: with the memory in the run store, so the same task is cached. */
    @Test
    void runAgentUsesTheMemoryAsRunDoesAndASecondIdenticalCallIsAnsweredFromTheCache() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.openAi(); McpSyncClient client = start(model)) {
            model.reply("Sum them in code.\n```python\nfinal_answer(sum(range(10)))\n```", 150, 12);
            Map<String, Object> arguments = Map.of("task", "Add the numbers below 10.", "model", "openai:scripted-model");

            JsonNode first = json(call(client, "run_agent", arguments));
            JsonNode again = json(call(client, "run_agent", arguments));

            assertThat(first.get("cached").asBoolean()).as(first.toString()).isFalse();
            assertThat(again.get("cached").asBoolean()).as(again.toString()).isTrue();
            assertThat(again.get("answer").asInt()).isEqualTo(45);
            assertThat(model.requests()).as("the second call asked no model").hasSize(1);
            CodeactRun history = CodeactRun.in(temp.resolve("home"), "history", "--json");
            assertThat(history.jsonLines()).extracting(run -> run.get("id").asText())
                    .containsExactly(again.get("runId").asText(), first.get("runId").asText());
        }
    }

    /**
     * run --json, run_agent and show --json write a run in one shape: run_agent's has the fields of run --json, and
     * show's the same fields with the same values, then what only the store knows.
     */
    @Test
    void runJsonRunAgentAndShowJsonAgreeOnTheShapeOfARun() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.openAi()) {
            String reply = "Sum them in code.\n```python\nprint('summing')\nfinal_answer(sum(range(10)))\n```";
            model.reply(reply, 150, 12).reply(reply, 150, 12);
            Map<String, String> environment = Map.of("OPENAI_API_KEY", "scripted-key",
                    "CODEACT_HOME", Files.createDirectories(temp.resolve("home")).toString());
            CodeactRun run = CodeactRun.of(environment, "run", "--model", "openai:scripted-model", "--base-url",
                    model.baseUrl(), "--timeout", "20", "--json", "Add the numbers below 10.");
            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode printed = run.json();
            JsonNode served;
            try (McpSyncClient client = start(model)) {
                served = json(call(client, "run_agent",
                        Map.of("task", "Add the numbers below 10.", "model", "openai:scripted-model")));
            }
            JsonNode shown = CodeactRun.of(environment, "show", "--json", printed.get("runId").asText()).json();
            JsonNode shownServed = CodeactRun.of(environment, "show", "--json", served.get("runId").asText()).json();

            List<String> fields = names(printed);
            List<String> stored = List.of("mode", "status", "error", "startedAt", "finishedAt", "attempts");
            assertThat(fields).contains("cached", "reusedFrom");
            assertThat(names(served)).isEqualTo(fields);
            assertThat(names(shown)).isEqualTo(concat(fields, stored));
            assertThat(names(shownServed)).isEqualTo(concat(fields, stored));
            for (String field : fields) {
                if (!field.equals("steps")) {
                    assertThat(shown.get(field)).as(field).isEqualTo(printed.get(field));
                    assertThat(shownServed.get(field)).as(field).isEqualTo(served.get(field));
                }
            }
            JsonNode step = printed.get("steps").get(0);
            JsonNode shownStep = shown.get("steps").get(0);
            assertThat(names(shownStep)).isEqualTo(concat(names(step), List.of("stdout", "stderr", "result", "toolCalls", "network")));
            for (String field : names(step)) {
                if (!field.equals("figures")) {
                    assertThat(shownStep.get(field)).as(field).isEqualTo(step.get(field));
                }
            }
            assertThat(step.get("figures")).isEmpty();
            assertThat(shownStep.get("figures").isNull()).as("figures are not kept").isTrue();
            assertThat(shownStep.get("stdout").asText()).isEqualTo("summing\n");
        }
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /**
     * The SDK's own stdio transport stopped reading for good at the first line that was not a JSON-RPC message:
     * no answer to it nor to anything after, and the end of input went unseen, so the server never exited.
     * Driven here line by line, as a client that sends such lines would.
     */
    @Test
    void aLineThatIsNotJsonRpcIsAnsweredWithAnErrorAndTheServerGoesOnUntilTheEndOfInput() throws Exception {
        List<String> command = McpTestServers.javaCommand(CodeactCommand.class.getName(),
                List.of("mcp", "--output-dir", temp.resolve("figures").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(temp.resolve("stderr.txt").toFile());
        builder.environment().put("CODEACT_HOME", Files.createDirectories(temp.resolve("home")).toString());
        Process server = builder.start();
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> server.inputReader(StandardCharsets.UTF_8).lines().forEach(answers::add));
        try (Writer input = server.outputWriter(StandardCharsets.UTF_8)) {
            send(input, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
            assertThat(nextAnswer(answers).path("result").path("serverInfo").path("name").asText()).isEqualTo("codeact");
            send(input, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"); // too early: it waits

            send(input, "not json");
            JsonNode notJson = nextAnswer(answers);
            send(input, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            JsonNode tools = nextAnswer(answers);
            send(input, "");  // no message, so no answer
            send(input, "{\"hello\":1}");
            JsonNode notAMessage = nextAnswer(answers);
            send(input, "{\"jsonrpc\":\"2.0\",\"id\":7}");
            JsonNode withAnId = nextAnswer(answers);
            send(input, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"exec_code\","
                    + "\"arguments\":{\"code\":\"1\"}}}");
            JsonNode unknownTool = nextAnswer(answers);

            assertThat(notJson.get("id").isNull()).isTrue();
            assertThat(notJson.path("error").path("code").asInt()).isEqualTo(-32700);
            assertThat(notJson.path("error").path("message").asText()).startsWith("Parse error: not JSON");
            assertThat(notAMessage.get("id").isNull()).isTrue();
            assertThat(notAMessage.path("error").path("code").asInt()).isEqualTo(-32600);
            assertThat(withAnId.path("id").asInt()).isEqualTo(7);
            assertThat(withAnId.path("error").path("code").asInt()).isEqualTo(-32600);
            assertThat(tools.path("id").asInt()).isEqualTo(2);
            assertThat(tools.path("result").path("tools").findValuesAsText("name")).contains("execute_code", "run_agent");
            assertThat(unknownTool.path("id").asInt()).isEqualTo(3);
            assertThat(unknownTool.path("error").path("code").asInt()).isEqualTo(-32602);
            assertThat(unknownTool.path("error").path("message").asText())
                    .isEqualTo("Unknown tool: exec_code. This server has execute_code, run_agent.");
        } // the end of input ends the server
        try {
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("the server exits at the end of its input").isTrue();
            assertThat(server.exitValue()).isZero();
            assertThat(answers).as("nothing but answers on standard output").isEmpty();
            assertThat(Files.readString(temp.resolve("stderr.txt"))).contains(
                    "codeact: mcp: answered -32700 (Parse error: not JSON", "to the line 'not json'",
                    "codeact: mcp: answered -32600 (Invalid Request: not a JSON-RPC message", "to the line '{\"hello\":1}'",
                    "codeact: mcp: request 2 (tools/list) waits for the client's notifications/initialized");
        } finally {
            server.destroyForcibly();
        }
    }

    private static void send(Writer input, String line) throws Exception {
        input.write(line + "\n");
        input.flush();
    }

    /** The server's next line, as JSON; failing, rather than waiting for ever, when none comes. */
    private static JsonNode nextAnswer(BlockingQueue<String> answers) throws Exception {
        String line = answers.poll(60, TimeUnit.SECONDS);
        assertThat(line).as("an answer within 60 s").isNotNull();
        return JSON.readTree(line);
    }
}
