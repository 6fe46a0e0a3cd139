package dev.codeact4j.memory;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.testing.ManyTools;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.ToolSearch;
import dev.codeact4j.tools.Tools;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Tool search by meaning: the embedding model of the memory module behind the agent's search_tools. */
class ToolEmbeddingsTest {
    private static final Tools SIXTY = ManyTools.all();
    /** Shares no word with convert_currency's name, description or parameters. */
    private static final String EUROS = "how much is 100 euros in dollars";

    private static List<String> search(ToolSearch search, String query, int limit) {
        return search.index(SIXTY.list()).search(query, limit).stream().map(Tool::name).toList();
    }

    @Test
    void aRequestThatSharesNoWordWithTheToolFindsItByMeaningWhereKeywordsMissIt() {
        assertThat(search(ToolSearch.keywords(), EUROS, 60)).doesNotContain("convert_currency");
        assertThat(search(new ToolEmbeddings(), EUROS, 5)).first().isEqualTo("convert_currency");
        assertThat(search(new ToolEmbeddings(), "who is free on Tuesday afternoon for a call", 3)).contains("find_free_slot");
        assertThat(search(new ToolEmbeddings(), "a parcel has not arrived yet", 3)).contains("track_shipment");
        assertThat(search(new ToolEmbeddings(), EUROS, 60)).as("every tool, ranked").hasSize(60);
    }

    @Test
    void aToolTheRequestNamesComesFirst() {
        assertThat(search(new ToolEmbeddings(), "how do I call list_low_stock", 3)).first().isEqualTo("list_low_stock");
        Tools dashed = Tools.of(Tool.builder("get-sum").description("Returns the sum of two numbers.").function(args -> 0).build(),
                Tool.builder("echo").description("Echoes back the input string.").function(args -> 0).build());
        assertThat(new ToolEmbeddings().index(dashed.list()).search("get_sum", 1)).extracting(Tool::name).containsExactly("get-sum");
    }

    @Test
    void theAgentsSearchToolsRanksByMeaningWithToolEmbeddings() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()
                .reply("```python\nprint([tool['name'] for tool in search_tools('" + EUROS + "', limit=3)])\n```")
                .reply("```python\nfinal_answer(convert_currency(amount=100, from_currency='EUR', to_currency='USD')['amount'])\n```")) {
            ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                    ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key")
                            .withTimeout(Duration.ofSeconds(20)), Map.of());
            AgentResult result = CodeActAgent.builder().models(models).sandbox(Sandbox.create())
                    .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(60)).build())
                    .tools(SIXTY).toolListing(ToolListing.SEARCH).toolSearch(new ToolEmbeddings()).build()
                    .run("How many US dollars are 100 euros?");

            assertThat(result.steps().get(0).observation()).as(result.toString()).contains("['convert_currency', ");
            assertThat(result.answerValue().asDouble()).isEqualTo(125.0);
        }
    }
}
