package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.ToolCall;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** MCP servers' tools as Python functions: a real server from npm, test servers in their own JVMs, failures. */
class McpServersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void theAgentsCodeCallsToolsOfTheRealMemoryServer() throws Exception {
        Path memory = temp.resolve("memory.jsonl");
        try (McpServers servers = McpServers.start(McpTestServers.memoryServer(memory));
             ScriptedModelServer model = ScriptedModelServer.openAi()) {
            model.reply("I'll store the two entities, then read the graph back and search it.\n```python\n"
                    + """
                    created = create_entities(entities=[
                        {'name': 'Ada Lovelace', 'entityType': 'person', 'observations': ['wrote the first program']},
                        {'name': 'Analytical Engine', 'entityType': 'machine', 'observations': ['designed by Babbage']}])
                    graph = read_graph()
                    found = search_nodes(query='program')
                    final_answer({'created': len(created['entities']),
                                  'names': sorted(e['name'] for e in graph['entities']),
                                  'found': [e['name'] for e in found['entities']]})
                    """ + "```");
            ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                    ModelSettings.defaults().withBaseUrl(model.baseUrl()).withApiKey("test-key"), Map.of());

            AgentResult result = CodeActAgent.builder().models(models).tools(servers.addTo(Tools.none()))
                    .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(30)).build())
                    .build().run("Remember Ada Lovelace and the Analytical Engine, then tell me who wrote a program.");

            assertThat(result.success()).as(result.steps().toString()).isTrue();
            assertThat(result.answerValue()).isEqualTo(JSON.readTree(
                    "{\"created\": 2, \"names\": [\"Ada Lovelace\", \"Analytical Engine\"], \"found\": [\"Ada Lovelace\"]}"));
            List<ToolCall> calls = result.steps().get(0).toolCalls();
            assertThat(calls).extracting(ToolCall::name).containsExactly("create_entities", "read_graph", "search_nodes");
            assertThat(calls).allMatch(ToolCall::ok);
            assertThat(calls.get(0).arguments().path("entities").get(0).path("name").asText()).isEqualTo("Ada Lovelace");
            assertThat(calls.get(2).result().path("entities")).hasSize(1);
            // The model was shown the server's tools as Python functions, their input schemas as signatures.
            assertThat(model.requests().get(0).rawBody())
                    .contains("def create_entities(entities: list):")
                    .contains("def search_nodes(query: str):")
                    .contains("def read_graph():");
            // The server really stored the graph where it was told to.
            assertThat(Files.readString(memory)).contains("Ada Lovelace", "wrote the first program");
        }
    }

    @Test
    void toolsOfTheSameNameArePrefixedWithTheirServersName() throws Exception {
        try (McpServers servers = McpServers.start(McpTestServers.javaServer("alpha", "echo", "only_alpha"),
                McpTestServers.javaServer("beta", "echo", "shout"),
                McpTestServers.javaServer("alpha", "echo"))) {
            Tools others = Tools.of(Tool.builder("shout").function(args -> "the host's own").build());

            Tools tools = servers.addTo(others);

            assertThat(servers.names()).containsExactly("alpha", "beta", "alpha_2");
            assertThat(tools.list()).extracting(Tool::name).containsExactly(
                    "shout", "alpha_echo", "only_alpha", "beta_echo", "beta_shout", "alpha_2_echo");
            assertThat(servers.tools()).extracting(Tool::name).contains("shout");
            var handler = tools.handler(Duration.ofSeconds(10));
            assertThat(handler.call("alpha_echo", JSON.readTree("{\"text\": \"hi\"}")).asText()).isEqualTo("alpha/echo: hi");
            assertThat(handler.call("alpha_2_echo", JSON.readTree("{\"text\": \"hi\"}")).asText()).isEqualTo("alpha/echo: hi");
            assertThat(handler.call("beta_shout", JSON.readTree("{\"text\": \"hey\"}")).asText()).isEqualTo("beta/shout: hey");
            assertThat(tools.pythonStubs()).contains("def beta_echo(text: str):", "what to echo", "def only_alpha(text: str):");
        }
    }

    @Test
    void aCommandThatCannotStartIsNamedInTheError() {
        assertThatThrownBy(() -> McpServers.start(McpEndpoint.stdio("codeact-no-such-mcp-server", "--port", "7")))
                .isInstanceOf(McpServerException.class)
                .hasMessageStartingWith("the MCP server 'codeact-no-such-mcp-server --port 7' could not be started: ")
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void aServerThatExitsWhileStartingIsNamedWithItsLastWordsOnStandardError() {
        long started = System.nanoTime();
        assertThatThrownBy(() -> McpServers.start(McpEndpoint.commandLine(
                "sh -c 'echo \"starting...\" >&2; echo \"error: MEMORY_API_KEY is not set\" >&2; exit 1'")))
                .isInstanceOf(McpServerException.class)
                .hasMessage("the MCP server 'sh -c 'echo \"starting...\" >&2; echo \"error: MEMORY_API_KEY is not set\" >&2; exit 1''"
                        + " exited with code 1 while starting; its last lines on standard error:\n"
                        + "  starting...\n  error: MEMORY_API_KEY is not set");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("noticed at once, not after a time-out")
                .isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anUnreachableUrlIsNamedInTheError() {
        assertThatThrownBy(() -> McpServers.start(McpEndpoint.http("http://127.0.0.1:9/mcp")))
                .isInstanceOf(McpServerException.class)
                .hasMessage("the MCP server 'http://127.0.0.1:9/mcp' failed while starting: no connection could be made "
                        + "(is the server running, and is the URL right?)");
    }

    @Test
    void aServerThatDiesDuringACallAndAToolErrorReachTheCodeAsToolErrors() {
        try (McpServers servers = McpServers.start(McpTestServers.javaServer("fragile", "fail", "crash"));
             Session session = Sandbox.create().open(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build())) {
            Tools tools = servers.addTo(Tools.none());
            session.toolHandler(tools.handler(Duration.ofSeconds(20)));
            assertThat(session.execute(tools.pythonDefinitions()).ok()).isTrue();

            ExecutionResult refused = session.execute("""
                    try:
                        fail()
                    except ToolError as e:
                        print('refused:', e)
                    """);
            ExecutionResult crashed = session.execute("""
                    try:
                        crash()
                    except ToolError as e:
                        print('crashed:', e)
                    """);

            assertThat(refused.stdout()).contains("refused: fragile refuses: no reason at all");
            assertThat(crashed.stdout()).contains("crashed: the MCP server '")
                    .contains("TestMcpServer fragile fail crash' exited with code 3 during a call to its tool crash; "
                            + "its last lines on standard error:\n  fragile is going down on purpose");
            assertThat(crashed.toolCalls().get(0).error()).contains("exited with code 3");
        }
    }

    @Test
    void aCommandLineIsSplitAsAShellWould() {
        McpEndpoint endpoint = McpEndpoint.commandLine(
                "MEMORY_FILE_PATH=/tmp/my\\ memory.jsonl npx -y '@modelcontextprotocol/server-memory' --name \"my server\" ''");

        assertThat(endpoint.environment()).containsExactly(Map.entry("MEMORY_FILE_PATH", "/tmp/my memory.jsonl"));
        assertThat(endpoint.command()).containsExactly("npx", "-y", "@modelcontextprotocol/server-memory", "--name", "my server", "");
        assertThat(endpoint.derivedName()).isEqualTo("server-memory");
        assertThat(McpEndpoint.commandLine("npx -y @modelcontextprotocol/server-memory@2026.8.31").derivedName())
                .isEqualTo("server-memory");
        assertThat(McpEndpoint.commandLine("/opt/servers/fetch.py").derivedName()).isEqualTo("fetch");
        assertThat(endpoint).hasToString(
                "MEMORY_FILE_PATH='/tmp/my memory.jsonl' npx -y @modelcontextprotocol/server-memory --name 'my server' ''");
        assertThatThrownBy(() -> McpEndpoint.commandLine("node 'server.js")).hasMessageContaining("unclosed ' quote");
        assertThatThrownBy(() -> McpEndpoint.commandLine("A=1 ")).hasMessageContaining("names no program");
        assertThatThrownBy(() -> McpEndpoint.http("ftp://example.com/mcp")).hasMessageContaining("not an http:// or https:// URL");
    }
}
