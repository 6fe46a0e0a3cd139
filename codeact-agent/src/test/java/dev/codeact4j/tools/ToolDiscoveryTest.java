package dev.codeact4j.tools;

import dev.codeact4j.sandbox.Language;
import dev.codeact4j.testing.ManyTools;
import dev.codeact4j.testing.McpTestServers;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The parts of tool search that need no sandbox: the keyword ranking, the listing's choice, the names kept free. */
class ToolDiscoveryTest {
    private static final Tools SIXTY = ManyTools.all();

    private static List<String> search(String query, int limit) {
        return ToolSearch.keywords().index(SIXTY.list()).search(query, limit).stream().map(Tool::name).toList();
    }

    @Test
    void keywordsFindTheToolWhoseNameAndDescriptionMatchTheTasksWords() {
        assertThat(search("convert money between currencies", 3)).first().isEqualTo("convert_currency");
        assertThat(search("exchange 100 euros to dollars", 3)).first().isEqualTo("convert_currency");
        assertThat(search("refund a customer's payment", 3)).first().isEqualTo("refund_payment");
        assertThat(search("how many units are in stock", 3)).first().isEqualTo("stock_level");
        assertThat(search("read a text file", 3)).first().isEqualTo("read_text_file");
        assertThat(search("tracking number of a shipment", 3)).first().isEqualTo("track_shipment");
        assertThat(search("quantum chromodynamics", 3)).as("no word matches: nothing").isEmpty();
        assertThat(search("file", 4)).hasSize(4);
    }

    @Test
    void wordsAreSplitAtCamelCaseAndUnderscoresAndMadeSingular() {
        assertThat(KeywordToolSearch.words("readGraph")).isEqualTo("read Graph");
        assertThat(KeywordToolSearch.words("list_allowed_directories")).isEqualTo("list allowed directories");
        assertThat(KeywordToolSearch.terms("Create entities, the indexes of processes and searches, its status"))
                .containsExactly("create", "entity", "index", "process", "search", "status");
    }

    @Test
    void aToolsSearchTextHasItsNameGroupDescriptionAndParameters() {
        Tool convert = SIXTY.list().stream().filter(tool -> tool.name().equals("convert_currency")).findFirst().orElseThrow();
        assertThat(ToolSearch.text(convert)).isEqualTo("""
                convert currency
                billing
                Convert an amount of money from one currency to another at today's exchange rate.
                amount: the amount to convert
                from currency: ISO code of the currency it is in, such as EUR
                to currency: ISO code of the currency wanted, such as USD""");
    }

    @Test
    void theFirstSentenceOfADescriptionIsItsLineCutAtAWordWhenLong() {
        assertThat(ToolDiscovery.oneLine("Reads a file. Fails when it is missing.")).isEqualTo("Reads a file.");
        assertThat(ToolDiscovery.oneLine("Reads a file\nin detail")).isEqualTo("Reads a file");
        assertThat(ToolDiscovery.oneLine("word ".repeat(40))).hasSizeLessThanOrEqualTo(103).endsWith("word...");
        assertThat(ToolDiscovery.oneLine("")).isEmpty();
    }

    @Test
    void autoSearchesOnlyWhenTheFullListingTakesMoreThanTheBudget() {
        int python = TokenCount.of(SIXTY.stubs(Language.PYTHON));
        assertThat(ToolListing.AUTO.resolve(SIXTY, Language.PYTHON, python)).isEqualTo(ToolListing.FULL);
        assertThat(ToolListing.AUTO.resolve(SIXTY, Language.PYTHON, python - 1)).isEqualTo(ToolListing.SEARCH);
        assertThat(ToolListing.AUTO.resolve(SIXTY, Language.PYTHON, ToolListing.DEFAULT_BUDGET)).isEqualTo(ToolListing.FULL);
        assertThat(ToolListing.SEARCH.resolve(Tools.none(), Language.PYTHON, 0)).as("nothing to search").isEqualTo(ToolListing.FULL);
        assertThat(ToolListing.FULL.resolve(SIXTY, Language.JAVASCRIPT, 0)).isEqualTo(ToolListing.FULL);
        assertThat(ToolListing.parse(" Search ")).isEqualTo(ToolListing.SEARCH);
        assertThatThrownBy(() -> ToolListing.parse("all")).hasMessage("unknown tool listing 'all'; use full, search or auto");
    }

    @Test
    void aTextOfNoMoreBytesThanTheLimitIsNotCounted() {
        assertThat(TokenCount.exceeds("x".repeat(100), 100)).isFalse();
        assertThat(TokenCount.exceeds("hello world ".repeat(100), 100)).isTrue();
        assertThat(TokenCount.of("hello world")).isEqualTo(2);
    }

    @Test
    void noToolMayBeNamedSearchToolsAndOneNamedHelpIsRenamedInTheSession() {
        Tool.Builder search = Tool.builder(ToolDiscovery.SEARCH_TOOLS).function(args -> 1);
        assertThatThrownBy(() -> Tools.of(search.build()))
                .hasMessageContaining("a tool cannot be named search_tools").hasMessageContaining("rename it");
        Tools help = Tools.of(Tool.builder("help").function(args -> 1).build());
        assertThat(help.stubs(Language.PYTHON)).contains("def help_():");
        assertThat(help.stubs(Language.JAVASCRIPT)).contains("async function help_(args)");
    }

    @Test
    void anMcpServersToolNamedSearchToolsIsPrefixedWithTheServersNameAndEveryToolHasItsServerAsGroup() {
        try (McpServers servers = McpServers.start(McpTestServers.javaServer("shop", "search_tools", "echo"))) {
            assertThat(servers.tools()).extracting(Tool::name).containsExactly("shop_search_tools", "echo");
            assertThat(servers.tools()).extracting(Tool::group).containsOnly("shop");
        }
    }

    @Test
    void aLangChain4jToolClassIsTheGroupOfItsTools() {
        assertThat(AnnotatedTools.from(ToolsTest.Weather.class)).extracting(Tool::group).containsExactly("Weather");
    }
}
