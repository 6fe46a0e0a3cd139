package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import dev.langchain4j.agent.tool.P;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Host tools on the command line: --mcp, --mcp-url and --tools-class of run and exec, and the config file's servers. */
class McpToolsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @TempDir
    Path temp;


    private CodeactRun codeact(String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", home.toString()), args);
    }

    /** A LangChain4j tool class, as --tools-class loads it. */
    public static final class OrderTools {
        @dev.langchain4j.agent.tool.Tool("The total of an order, in cents.")
        public int orderTotal(@P("the order's number") int orderId) {
            return orderId * 10;
        }
    }

    /** codeact4j tools made in Java, as --tools-class loads them from a Supplier. */
    public static final class MathTools implements Supplier<Tools> {
        @Override
        public Tools get() {
            return Tools.of(Tool.builder("double_it").parameter("x", "integer", "a number")
                    .function(arguments -> arguments.path("x").asInt() * 2).build());
        }
    }

    /** A tool that always fails, as --tools-class loads it from a Supplier. */
    public static final class FailingTools implements Supplier<Tools> {
        @Override
        public Tools get() {
            return Tools.of(Tool.builder("explode").function(arguments -> {
                throw new IllegalStateException("the warehouse database is down");
            }).build(), new MathTools().get().list().get(0));
        }
    }

    @Test
    void theToolsDefinitionsTakeNoCellNumberNorShowInTracebacksAndComeBackAfterARestart() {
        CodeactRun run = codeact("exec", "--allow-import", "os", "--tools-class", FailingTools.class.getName(),
                "-c", "explode()", "-c", "import os\nos._exit(1)", "-c", "x = 1\n1 / 0", "-c", "double_it(x=21)");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).containsSubsequence("File \"<cell-1>\", line 1, in <module>",
                        "ToolError: the warehouse database is down",
                        "KernelDied: the interpreter stopped unexpectedly (exit code 1)",
                        "File \"<cell-3>\", line 2, in <module>")
                .doesNotContain("_codeact_call_tool").doesNotContain("codeact-host")
                .doesNotContain("[restarted");
        assertThat(run.err().split("variables and imports are gone", -1)).as("the restart is said once").hasSize(2);
        assertThat(run.out()).isEqualTo("=> 42\n");
    }

    @Test
    void aRunsFirstStepIsCellOneAndAToolsFramesAreLeftOut() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.openAi()) {
            model.reply("Try it.\n```python\nexplode()\n```").reply("Done.\n```python\nfinal_answer(1)\n```");

            CodeactRun run = codeact("run", "--model", "openai:scripted", "--base-url", model.baseUrl(), "--api-key", "k",
                    "--tools-class", FailingTools.class.getName(), "Use the warehouse.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.err()).contains("File \"<cell-1>\", line 1, in <module>",
                            "✗ ToolError: the warehouse database is down")
                    .doesNotContain("_codeact_call_tool").doesNotContain("codeact-host");
        }
    }

    @Test
    void runCallsToolsOfTheConfigFilesMcpServerAndOfAToolsClass() throws Exception {
        Path memory = temp.resolve("memory.jsonl");
        String memoryServer = McpTestServers.memoryServer(memory).toString();
        Files.writeString(home.resolve("config.json"), JSON.writeValueAsString(Map.of("mcp", new String[]{memoryServer})));
        try (ScriptedModelServer model = ScriptedModelServer.openAi()) {
            model.reply("Record the order, then total it.\n```python\n"
                    + "create_entities(entities=[{'name': 'order 101', 'entityType': 'order', 'observations': ['paid']}])\n"
                    + "final_answer({'total': orderTotal(orderId=101), 'orders': [e['name'] for e in read_graph()['entities']]})\n"
                    + "```");

            CodeactRun run = codeact("run", "--model", "openai:scripted", "--base-url", model.baseUrl(), "--api-key", "k",
                    "--json", "--tools-class", OrderTools.class.getName(), "What does order 101 come to?");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode result = JSON.readTree(run.out());
            assertThat(result.get("answer")).isEqualTo(JSON.readTree("{\"total\": 1010, \"orders\": [\"order 101\"]}"));
            assertThat(run.err()).contains("[tools: orderTotal, create_entities, create_relations,");
            assertThat(model.lastRequest().rawBody()).contains("def orderTotal(orderId: int):", "def read_graph():");
            assertThat(Files.readString(memory)).contains("order 101");
        }
    }

    @Test
    void execDefinesTheToolsOfItsOptionsBeforeTheFirstSnippet() throws Exception {
        String server = McpTestServers.javaServer("alpha", "echo").toString();

        CodeactRun run = codeact("exec", "--json", "--mcp", server, "--tools-class", MathTools.class.getName(),
                "-c", "echo(text='hi')", "-c", "double_it(x=21)");

        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().split("\n");
        assertThat(JSON.readTree(lines[0]).get("result").get("json").asText()).isEqualTo("alpha/echo: hi");
        assertThat(JSON.readTree(lines[1]).get("result").get("json").asInt()).isEqualTo(42);
    }

    @Test
    void execWithLangJsDefinesTheToolsAsAsyncFunctions() throws Exception {
        String server = McpTestServers.javaServer("alpha", "echo").toString();

        CodeactRun run = codeact("exec", "--json", "--lang", "js", "--mcp", server, "--tools-class",
                FailingTools.class.getName(), "-c", "await echo({text: 'hi'})",
                "-c", "await double_it({x: 21})", "-c", "try { await explode(); } catch (e) { console.log(e instanceof ToolError); }");

        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().split("\n");
        assertThat(JSON.readTree(lines[0]).get("result").get("json").asText()).isEqualTo("alpha/echo: hi");
        assertThat(JSON.readTree(lines[1]).get("result").get("json").asInt()).isEqualTo(42);
        assertThat(JSON.readTree(lines[2]).get("stdout").asText()).isEqualTo("true\n");
    }

    @Test
    void aServerThatCannotStartExitsFourNamingIt() {
        CodeactRun run = codeact("run", "--model", "openai:scripted", "--api-key", "k", "--base-url", "http://127.0.0.1:9/v1",
                "--mcp", "codeact-no-such-mcp-server --stdio", "task");

        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).startsWith("codeact: the MCP server 'codeact-no-such-mcp-server --stdio' could not be started: ")
                .doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void malformedToolOptionsAndConfigEntriesAreUsageErrors() throws Exception {
        CodeactRun missing = codeact("exec", "--tools-class", "com.example.NoSuchTools", "-c", "1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--tools-class com.example.NoSuchTools: no such class on the classpath",
                "java -cp codeact.jar:tools.jar dev.codeact4j.cli.CodeactCommand run --tools-class com.example.NoSuchTools");

        CodeactRun noTools = codeact("exec", "--tools-class", "java.lang.String", "-c", "1");
        assertThat(noTools.exitCode()).isEqualTo(2);
        assertThat(noTools.err()).contains("java.lang.String has no public method annotated with @dev.langchain4j.agent.tool.Tool");

        CodeactRun quote = codeact("exec", "--mcp", "node 'server.js", "-c", "1");
        assertThat(quote.exitCode()).isEqualTo(2);
        assertThat(quote.err()).contains("Invalid value for option '--mcp': the MCP server command 'node 'server.js' has an unclosed ' quote");

        CodeactRun url = codeact("exec", "--mcp-url", "localhost:3000", "-c", "1");
        assertThat(url.exitCode()).isEqualTo(2);
        assertThat(url.err()).contains("Invalid value for option '--mcp-url': 'localhost:3000' is not an http:// or https:// URL");

        Files.writeString(home.resolve("config.json"), "{\"model\": \"openai:gpt-4o-mini\", \"mcp\": \"npx -y server\"}");
        CodeactRun config = codeact("run", "task");
        assertThat(config.exitCode()).isEqualTo(2);
        assertThat(config.err()).contains("\"mcp\" must be a list of command lines such as [\"npx -y @modelcontextprotocol/server-memory\"], not \"npx -y server\"");
    }
}
