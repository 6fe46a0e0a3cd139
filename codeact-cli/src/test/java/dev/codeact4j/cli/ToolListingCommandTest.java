package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --tool-listing} and {@code --tool-listing-budget} on {@code codeact run}, and their config keys. */
class ToolListingCommandTest {
    private static final String SHOP = McpTestServers.javaServer("shop", "echo", "refund").toString();

    @TempDir
    Path home;

    private CodeactRun codeact(String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", home.toString()), args);
    }

    private static String python(String code) {
        return "```python\n" + code + "\n```";
    }

    private static String systemPrompt(ScriptedModelServer server) {
        return server.requests().get(0).body().path("messages").get(0).path("content").asText();
    }

    @Test
    void searchShowsTheGroupsAndNamesAndTheCodeFindsTheToolThenCallsIt() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(python("print([tool['name'] for tool in search_tools('echo some text')])\nhelp(echo)"))
                    .reply(python("final_answer(echo(text='hi'))"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--json", "--no-store", "--mcp", SHOP, "--tool-listing", "search", "Echo hi.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.err()).contains("[tool listing: search: the model is shown the tools' groups and names");
            JsonNode result = run.json();
            assertThat(result.get("answer").asText()).isEqualTo("shop/echo: hi");
            assertThat(result.get("steps").get(0).get("observation").asText())
                    .contains("['echo', 'refund']", "def echo(text: str):", "text: what to echo");
            assertThat(systemPrompt(server)).contains("search_tools(query, limit=10)", "shop (2 tools):",
                    "- echo: The test tool echo.", "- refund: The test tool refund.").doesNotContain("def echo(");
        }
    }

    @Test
    void theConfigFilesListingIsUsedAndTheOptionOverridesIt() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"toolListing\": \"search\", \"toolListingBudget\": 5000}");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(python("final_answer(1)"));
            CodeactRun fromConfig = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--no-store", "--mcp", SHOP, "Say 1.");
            assertThat(fromConfig.exitCode()).as(fromConfig.err()).isZero();
            assertThat(systemPrompt(server)).contains("search_tools(").doesNotContain("def echo(");
        }
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(python("final_answer(1)"));
            CodeactRun overridden = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--no-store", "--mcp", SHOP, "--tool-listing", "auto", "Say 1.");
            assertThat(overridden.exitCode()).as(overridden.err()).isZero();
            assertThat(overridden.err()).doesNotContain("[tool listing");
            assertThat(systemPrompt(server)).as("auto: two tools fit the budget").contains("def echo(text: str):")
                    .doesNotContain("search_tools(");
        }
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(python("final_answer(1)"));
            CodeactRun overBudget = codeact("run", "--model", "openai:test", "--base-url", server.baseUrl(), "--api-key", "k",
                    "--no-store", "--mcp", SHOP, "--tool-listing", "auto", "--tool-listing-budget", "0", "Say 1.");
            assertThat(overBudget.exitCode()).as(overBudget.err()).isZero();
            assertThat(systemPrompt(server)).as("over a budget of 0: only the groups")
                    .contains("search_tools(", "- shop: 2 tools").doesNotContain("- echo");
        }
    }

    @Test
    void aListingOrBudgetThatIsNotOneIsAUsageError() throws Exception {
        CodeactRun listing = codeact("run", "--model", "openai:test", "--tool-listing", "all", "task");
        assertThat(listing.exitCode()).isEqualTo(2);
        assertThat(listing.err()).contains("unknown tool listing 'all'; use full, search or auto");

        CodeactRun budget = codeact("run", "--model", "openai:test", "--tool-listing-budget", "-5", "task");
        assertThat(budget.exitCode()).isEqualTo(2);
        assertThat(budget.err()).contains("--tool-listing-budget must be a whole number of tokens, 0 or more, got -5.");

        Files.writeString(home.resolve("config.json"), "{\"toolListing\": \"some\"}");
        CodeactRun config = codeact("run", "--model", "openai:test", "task");
        assertThat(config.exitCode()).isEqualTo(2);
        assertThat(config.err()).contains("\"toolListing\": unknown tool listing 'some'; use full, search or auto.");

        Files.writeString(home.resolve("config.json"), "{\"toolListingBudget\": -1}");
        CodeactRun configBudget = codeact("run", "--model", "openai:test", "task");
        assertThat(configBudget.exitCode()).isEqualTo(2);
        assertThat(configBudget.err()).contains("\"toolListingBudget\" must be a whole number of at least 0, not -1.");
    }

    @Test
    void mcpAndServeTakeTheOptionsToo() {
        for (String command : new String[]{"mcp", "serve"}) {
            CodeactRun help = codeact(command, "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).contains("--tool-listing=full|search|auto", "--tool-listing-budget=TOKENS");
        }
    }
}
