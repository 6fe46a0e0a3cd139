package dev.codeact4j.agent;

import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.testing.ManyTools;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.McpServers;
import dev.codeact4j.tools.TokenCount;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tool listing end to end: scripted replies from a real HTTP server on loopback, code in the real sandbox, sixty
 * tools in six groups ({@link ManyTools}). Listed in full they take 3,187 tokens in Python and 5,126 in JavaScript,
 * under the default budget of 8,000, so the tests that want auto to search set a budget below that.
 */
class ToolListingTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private static final Tools SIXTY = ManyTools.all();
    private static final Tools ONE = Tools.of(Tool.builder("order_total").description("The total of an order, in cents.")
            .parameter("order_id", "integer", "the order's number")
            .function(args -> args.path("order_id").asInt() * 10).build());
    private ScriptedModelServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private CodeActAgent.Builder agent(ScriptedModelServer server) {
        ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(2)
                        .withTimeout(Duration.ofSeconds(20)), Map.of());
        return CodeActAgent.builder().models(models).sandbox(SANDBOX)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(30)).build());
    }

    private static String python(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    private static String javascript(String code) {
        return "```javascript\n" + code.strip() + "\n```";
    }

    private String systemPrompt(int request) {
        return server.requests().get(request).body().path("messages").get(0).path("content").asText();
    }

    @Test
    void aboveTheBudgetAutoSearchesAndTheCodeFindsTheRightToolAmongSixtyReadsItsHelpAndCallsIt() {
        server = ScriptedModelServer.openAi()
                .reply("I'll look for a tool that converts currencies, and read how to call it.\n" + python("""
                        found = search_tools("convert money from euros to dollars", limit=5)
                        for tool in found:
                            print(tool["name"], "|", tool["group"], "|", tool["signature"], "|", tool["description"])
                        help(found[0]["name"])
                        """))
                .reply("convert_currency it is.\n" + python("""
                        final_answer(convert_currency(amount=100, from_currency="EUR", to_currency="USD"))
                        """));
        assertThat(TokenCount.of(SIXTY.stubs(Language.PYTHON))).as("the full listing's size").isBetween(2_000, 8_000);

        CodeActAgent agent = agent(server).tools(SIXTY).toolListingBudget(2_000).build();
        AgentResult result = agent.run("How many US dollars are 100 euros?");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.SEARCH);
        assertThat(result.success()).as(result.toString()).isTrue();
        assertThat(result.answerValue().path("amount").asDouble()).isEqualTo(125.0);
        assertThat(result.answerValue().path("currency").asText()).isEqualTo("USD");

        String system = systemPrompt(0);
        assertThat(system).contains("Host tools: the interpreter already defines 60 tools as functions.",
                "search_tools(query, limit=10)", "help(tool)",
                "crm (10 tools):", "billing (10 tools):", "inventory (10 tools):",
                "- convert_currency: Convert an amount of money from one currency to another at today's exchange rate.",
                "- create_contact: ", "- warehouse_capacity: ");
        assertThat(system).as("no full signature or parameter description")
                .doesNotContain("def convert_currency(", "ISO code of the currency it is in", "def create_contact(");
        assertThat(TokenCount.of(system)).isLessThan(TokenCount.of(SIXTY.stubs(Language.PYTHON)));

        Step search = result.steps().get(0);
        assertThat(search.error()).as(search.observation()).isNull();
        assertThat(search.toolCalls()).extracting(call -> call.name()).containsExactly("search_tools");
        assertThat(search.observation().lines().filter(line -> line.contains(" | ")).findFirst().orElseThrow())
                .as("the right tool first")
                .isEqualTo("convert_currency | billing | convert_currency(amount: float, from_currency: str, to_currency: str)"
                        + " | Convert an amount of money from one currency to another at today's exchange rate.");
        assertThat(search.observation()).as("help(): the full signature and docstring")
                .contains("def convert_currency(amount: float, from_currency: str, to_currency: str):",
                        "from_currency: ISO code of the currency it is in, such as EUR");
        assertThat(result.steps().get(1).toolCalls()).extracting(call -> call.name()).containsExactly("convert_currency");
        assertThat(server.requests().get(1).rawBody()).as("the model read what the search found").contains("def convert_currency(");
    }

    @Test
    void inJavaScriptSearchToolsIsAwaitedAndHelpPrintsTheJsDoc() {
        server = ScriptedModelServer.openAi()
                .reply("Find the currency tool.\n" + javascript("""
                        const found = await search_tools({query: "convert money from euros to dollars", limit: 3});
                        for (const tool of found) console.log([tool.name, tool.group, tool.signature].join(" | "));
                        help(found[0].name);
                        help(convert_currency);
                        help("no_such_tool");
                        """))
                .reply(javascript("""
                        final_answer(await convert_currency({amount: 100, from_currency: "EUR", to_currency: "USD"}));
                        """));

        CodeActAgent agent = agent(server).language(Language.JAVASCRIPT).tools(SIXTY).toolListingBudget(2_000).build();
        AgentResult result = agent.run("How many US dollars are 100 euros?");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.SEARCH);
        assertThat(result.success()).as(result.toString()).isTrue();
        assertThat(result.answerValue().path("amount").asDouble()).isEqualTo(125.0);
        String system = systemPrompt(0);
        assertThat(system).contains("await search_tools({query, limit})", "help(tool)", "```javascript",
                "billing (10 tools):", "- convert_currency: Convert an amount of money");
        assertThat(system).doesNotContain("async function convert_currency", "@param", "def ", "```python");

        String observation = result.steps().get(0).observation();
        assertThat(observation).as(observation)
                .contains("convert_currency | billing | convert_currency({amount: number, from_currency: string, to_currency: string})",
                        "async function convert_currency(args) {}",
                        "@param {string} args.from_currency - ISO code of the currency it is in, such as EUR",
                        "help: no_such_tool is not a host tool");
        assertThat(observation.indexOf("async function convert_currency")).as("help by name and by function")
                .isNotEqualTo(observation.lastIndexOf("async function convert_currency"));
        assertThat(observation.lines().filter(line -> line.contains(" | ")).findFirst().orElseThrow())
                .startsWith("convert_currency | ");
    }

    @Test
    void withTheThreeReferenceMcpServersEachServerIsAGroupAndTheCodeFindsReadsAndCallsAFileTool(@TempDir Path files)
            throws Exception {
        Files.writeString(files.resolve("notes.txt"), "first line\nsecond line\n");
        server = ScriptedModelServer.openAi()
                .reply("Find a tool that reads a file.\n" + python("""
                        for tool in search_tools("read the contents of a text file", limit=3):
                            print(tool["name"], "|", tool["group"])
                        help("read_text_file")
                        """))
                .reply(python("final_answer(read_text_file(path=%s, head=1))"
                        .formatted(com.fasterxml.jackson.databind.node.TextNode.valueOf(files.resolve("notes.txt").toString()))));

        AgentResult result;
        CodeActAgent agent;
        try (McpServers servers = McpServers.start(McpTestServers.memoryServer(files.resolve("memory.jsonl")),
                McpTestServers.filesystemServer(files), McpTestServers.everythingServer())) {
            Tools tools = servers.addTo(Tools.none());
            assertThat(TokenCount.of(tools.stubs(Language.PYTHON))).as("36 tools' signatures").isGreaterThan(1_500);
            agent = agent(server).tools(tools).toolListingBudget(1_500).build();
            result = agent.run("What is the first line of notes.txt?");
        }

        assertThat(agent.toolListing()).isEqualTo(ToolListing.SEARCH);
        assertThat(result.success()).as(result.toString()).isTrue();
        assertThat(result.answerValue().path("content").asText()).as("the server's structured content").isEqualTo("first line");
        assertThat(systemPrompt(0)).contains("memory_server (9 tools):", "secure_filesystem_server (14 tools):",
                        "mcp_servers_everything (13 tools):", "- read_text_file: ", "- create_entities: ")
                .doesNotContain("def read_text_file(");
        assertThat(result.steps().get(0).observation())
                .contains("read_text_file | secure_filesystem_server", "def read_text_file(path: str, tail: float = None, head: float = None):");
    }

    @Test
    void belowTheBudgetAutoListsEveryToolInFullAsBefore() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(order_total(order_id=3))"));

        CodeActAgent agent = agent(server).tools(ONE).build();
        AgentResult result = agent.run("What is the total of order 3?");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.FULL);
        assertThat(result.answerValue().asInt()).isEqualTo(30);
        assertThat(systemPrompt(0)).contains("Host tools: these functions are already defined",
                "def order_total(order_id: int):", "The total of an order, in cents.", "order_id: the order's number");
        assertThat(systemPrompt(0)).doesNotContain("search_tools");
    }

    @Test
    void sixtyToolsFitTheDefaultBudgetAndAreListedInFull() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"));

        CodeActAgent agent = agent(server).tools(SIXTY).build();
        agent.run("Say 1.");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.FULL);
        assertThat(systemPrompt(0)).contains("def convert_currency(", "def warehouse_capacity(").doesNotContain("search_tools");
    }

    @Test
    void fullForcedListsEveryToolWhateverTheBudget() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"));

        CodeActAgent agent = agent(server).tools(SIXTY).toolListing(ToolListing.FULL).toolListingBudget(100).build();
        agent.run("Say 1.");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.FULL);
        assertThat(systemPrompt(0)).contains(SIXTY.stubs(Language.PYTHON)).doesNotContain("search_tools");
    }

    @Test
    void searchForcedWithOneToolListsItsGroupAndNameAndTheCodeCanStillCallIt() {
        server = ScriptedModelServer.openAi()
                .reply(python("print(search_tools('order total'))\nhelp('order_total')"))
                .reply(python("final_answer(order_total(order_id=4))"));

        CodeActAgent agent = agent(server).tools(ONE).toolListing(ToolListing.SEARCH).build();
        AgentResult result = agent.run("What is the total of order 4?");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.SEARCH);
        assertThat(result.answerValue().asInt()).isEqualTo(40);
        assertThat(systemPrompt(0)).contains("Host tools: the interpreter already defines 1 tool as functions.", "tools (1 tool):",
                "- order_total: The total of an order, in cents.").doesNotContain("def order_total(");
        assertThat(result.steps().get(0).observation())
                .contains("'name': 'order_total'", "'signature': 'order_total(order_id: int)'", "def order_total(order_id: int):");
    }

    @Test
    void whenEvenTheNamesTakeMoreThanTheBudgetOnlyTheGroupsAreListed() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"));

        CodeActAgent agent = agent(server).tools(SIXTY).toolListingBudget(300).build();
        agent.run("Say 1.");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.SEARCH);
        String system = systemPrompt(0);
        assertThat(system).contains("too many tools to name here", "- crm: 10 tools", "- billing: 10 tools",
                "- inventory: 10 tools", "search_tools(query, limit=10)");
        assertThat(system).doesNotContain("convert_currency", "create_contact");
    }

    @Test
    void inSimpleModeAutoListsInFullSinceItsOneProgramCannotReadASearch() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"));

        CodeActAgent agent = agent(server).tools(SIXTY).mode(AgentMode.SIMPLE).toolListingBudget(300).build();
        agent.run("Say 1.");

        assertThat(agent.toolListing()).isEqualTo(ToolListing.FULL);
        assertThat(systemPrompt(0)).contains("def convert_currency(");
    }

    @Test
    void aSearchWithoutAQueryOrWithABadLimitIsAToolErrorSayingWhatToPass() {
        server = ScriptedModelServer.openAi()
                .reply(python("""
                        problems = []
                        for call in (lambda: search_tools(""), lambda: search_tools("refund", limit=0)):
                            try:
                                call()
                            except ToolError as e:
                                problems.append(str(e))
                        final_answer(problems)
                        """));

        AgentResult result = agent(server).tools(SIXTY).toolListing(ToolListing.SEARCH).build().run("Try the search.");

        assertThat(result.answerValue().get(0).asText()).contains("search_tools needs a query", "search_tools(\"create an issue\")");
        assertThat(result.answerValue().get(1).asText()).contains("limit must be a whole number of at least 1");
    }
}
