package dev.codeact4j.bench;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.memory.ToolEmbeddings;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.McpServers;
import dev.codeact4j.tools.TokenCount;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.ToolSearch;
import dev.codeact4j.tools.Tools;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What listing the tools costs against searching them (BENCHMARKS.md, "Tool listing"), with the reference MCP
 * servers from npm: the memory server alone, and memory, file system and everything together.
 *
 * <ul>
 * <li><b>The prompt per step.</b> A real agent run in the real sandbox, against the real servers, with a model that
 *     replies from a script: listed in full, the model calls {@code create_entities} and answers in one step;
 *     searching, it first calls {@code search_tools} and {@code help}, then does the same. Each request's messages
 *     are counted in tokens ({@link TokenCount}: o200k_base; providers add a few tokens per message).</li>
 * <li><b>The descriptions read for one correct call.</b> Listed in full, all of them, in every step. Searching,
 *     the top of {@code search_tools}'s answer (one line each) and one {@code help}: measured with 29 requests
 *     worded as tasks are ({@link #QUERIES}), each naming the tool that does it, against the 36 tools of the three
 *     servers, ranked by keywords and by meaning ({@link ToolEmbeddings}).</li>
 * </ul>
 *
 * <p>Usage: {@code java -Dcodeact.npmTools=.tools/npm -Dcodeact.jsPackages=.tools/javascript -cp
 * codeact-bench/target/codeact-bench.jar dev.codeact4j.bench.ToolListingMeasurement}; prints Markdown.
 */
public final class ToolListingMeasurement {
    /** A request worded as a task would word it, and the tool that does it. */
    record Query(String text, String tool) { }

    static final List<Query> QUERIES = List.of(
            new Query("remember that Ada Lovelace is a person", "create_entities"),
            new Query("record that Alice works at Acme", "create_relations"),
            new Query("add a new fact about someone already known", "add_observations"),
            new Query("forget everything about a person", "delete_entities"),
            new Query("remove one fact from what is known about someone", "delete_observations"),
            new Query("show everything stored in memory", "read_graph"),
            new Query("find what is remembered about coffee", "search_nodes"),
            new Query("look up the entries for Alice and Bob by name", "open_nodes"),
            new Query("show the first 10 lines of a log file", "read_text_file"),
            new Query("look at an image", "read_media_file"),
            new Query("read three config files at once", "read_multiple_files"),
            new Query("save a report to disk", "write_file"),
            new Query("replace a line in a source file", "edit_file"),
            new Query("make a new folder", "create_directory"),
            new Query("which files are in this folder", "list_directory"),
            new Query("which files in this folder take the most space", "list_directory_with_sizes"),
            new Query("the nested structure of a project's folders", "directory_tree"),
            new Query("rename a file", "move_file"),
            new Query("find all CSV files under a folder", "search_files"),
            new Query("when was a file last modified", "get_file_info"),
            new Query("which folders may I access", "list_allowed_directories"),
            new Query("add two numbers", "get_sum"),
            new Query("repeat my message back", "echo"),
            new Query("print the server's environment variables", "get_env"),
            new Query("get a small picture", "get_tiny_image"),
            new Query("compress a file with gzip", "gzip_file_as_resource"),
            new Query("run a long task that reports its progress", "trigger_long_running_operation"),
            new Query("turn on random log messages", "toggle_simulated_logging"),
            new Query("research a topic in depth", "simulate_research_query"));

    /** The limits whose hits are reported: search_tools's default, and smaller ones a model may ask for. */
    private static final int[] LIMITS = {1, 3, 5, 10};

    private ToolListingMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        Path npm = Path.of(System.getProperty("codeact.npmTools", ".tools/npm"));
        Path work = Files.createTempDirectory("codeact-tool-listing");
        Sandbox sandbox = Sandbox.create();
        StringBuilder out = new StringBuilder();
        try (McpServers one = McpServers.start(memory(npm, work.resolve("one.jsonl")));
             McpServers three = McpServers.start(memory(npm, work.resolve("three.jsonl")), filesystem(npm, work),
                     everything(npm))) {
            Tools oneServer = one.addTo(Tools.none());
            Tools threeServers = three.addTo(Tools.none());

            out.append("| Servers | Tools | Language | Full listing | Search listing | Auto at the default budget |\n");
            out.append("| --- | ---: | --- | ---: | ---: | --- |\n");
            List<String> perStep = new ArrayList<>();
            for (var setup : List.of(Map.entry("memory", oneServer), Map.entry("memory, filesystem, everything", threeServers))) {
                for (Language language : Language.values()) {
                    Run full = run(sandbox, setup.getValue(), language, ToolListing.FULL);
                    Run search = run(sandbox, setup.getValue(), language, ToolListing.SEARCH);
                    out.append("| ").append(setup.getKey()).append(" | ").append(setup.getValue().list().size())
                            .append(" | ").append(language.displayName())
                            .append(" | ").append(full.systemTokens).append(" tokens (tools: ")
                            .append(TokenCount.of(setup.getValue().stubs(language))).append(")")
                            .append(" | ").append(search.systemTokens).append(" tokens")
                            .append(" | ").append(ToolListing.AUTO.resolve(setup.getValue(), language, ToolListing.DEFAULT_BUDGET).label())
                            .append(" |\n");
                    perStep.add("| " + setup.getKey() + " | " + language.displayName() + " | full | " + full.steps() + " |");
                    perStep.add("| " + setup.getKey() + " | " + language.displayName() + " | search | " + search.steps() + " |");
                }
            }
            out.append("\nTokens of each request (system prompt, task, and the replies and observations so far), "
                    + "one step after another, and their sum:\n\n");
            out.append("| Servers | Language | Listing | Requests (tokens), sum |\n| --- | --- | --- | --- |\n");
            perStep.forEach(line -> out.append(line).append('\n'));

            out.append("\nThe right tool's rank in search_tools's answer, for ").append(QUERIES.size())
                    .append(" requests among the ").append(threeServers.list().size()).append(" tools of the three servers:\n\n");
            out.append("| Ranking | in the top 1 | top 3 | top 5 | top 10 | mean rank | misses (rank) |\n");
            out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
            out.append(quality("keywords (BM25)", ToolSearch.keywords(), threeServers));
            out.append(quality("meaning (ToolEmbeddings)", new ToolEmbeddings(), threeServers));
        }
        System.out.print(out);
    }

    private static McpEndpoint memory(Path npm, Path file) {
        return McpEndpoint.stdio(List.of("node", script(npm, "server-memory")), Map.of("MEMORY_FILE_PATH", file.toString()));
    }

    private static McpEndpoint filesystem(Path npm, Path directory) {
        return McpEndpoint.stdio(List.of("node", script(npm, "server-filesystem"), directory.toString()), Map.of());
    }

    private static McpEndpoint everything(Path npm) {
        return McpEndpoint.stdio(List.of("node", script(npm, "server-everything"), "stdio"), Map.of());
    }

    private static String script(Path npm, String server) {
        Path script = npm.resolve("node_modules/@modelcontextprotocol/" + server + "/dist/index.js");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no " + script + ": install the MCP servers with ./test (scripts/lib.sh "
                    + "ensure_test_npm_packages), or give their directory with -Dcodeact.npmTools=DIR");
        }
        return script.toString();
    }

    /** The tokens of each request of one scripted run, and of its system prompt. */
    record Run(int systemTokens, List<Integer> requestTokens) {
        String steps() {
            return String.join(", ", requestTokens.stream().map(String::valueOf).toList()) + "; sum "
                    + requestTokens.stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** Remembers a fact with the memory server's create_entities, finding it first when the tools are searched. */
    private static Run run(Sandbox sandbox, Tools tools, Language language, ToolListing listing) {
        String call = language == Language.PYTHON ? """
                create_entities(entities=[{"name": "Ada Lovelace", "entityType": "person", "observations": ["wrote the first program"]}])
                final_answer(search_nodes(query="Ada"))
                """ : """
                await create_entities({entities: [{name: "Ada Lovelace", entityType: "person", observations: ["wrote the first program"]}]});
                final_answer(await search_nodes({query: "Ada"}));
                """;
        String find = language == Language.PYTHON ? """
                for tool in search_tools("remember a fact about a person", limit=5):
                    print(tool["name"], tool["signature"], "-", tool["description"])
                help("create_entities")
                """ : """
                for (const tool of await search_tools({query: "remember a fact about a person", limit: 5})) {
                  console.log(tool.name, tool.signature, "-", tool.description);
                }
                help("create_entities");
                """;
        List<String> replies = listing == ToolListing.SEARCH ? List.of(find, call) : List.of(call);
        ScriptedModel model = new ScriptedModel(replies, language);
        CodeActAgent agent = CodeActAgent.builder().model(model).modelName("scripted").sandbox(sandbox)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(60)).build()).language(language)
                .tools(tools).toolListing(listing).toolSearch(new ToolEmbeddings()).build();
        AgentResult result = agent.run("Remember that Ada Lovelace, a person, wrote the first program.");
        if (!result.success() || !result.answerText().contains("Ada Lovelace")) {
            throw new IllegalStateException("the scripted run did not go as scripted: " + result);
        }
        return new Run(model.systemTokens, model.requestTokens);
    }

    /** Replies from a script, and counts the tokens of each request. */
    static final class ScriptedModel implements ChatModel {
        private final List<String> replies;
        private final Language language;
        final List<Integer> requestTokens = new ArrayList<>();
        int systemTokens;

        ScriptedModel(List<String> replies, Language language) {
            this.replies = replies;
            this.language = language;
        }

        @Override
        public ChatResponse doChat(ChatRequest request) {
            int tokens = 0;
            for (ChatMessage message : request.messages()) {
                int count = TokenCount.of(text(message));
                if (message instanceof SystemMessage) {
                    systemTokens = count;
                }
                tokens += count;
            }
            requestTokens.add(tokens);
            String code = replies.get(requestTokens.size() - 1);
            return ChatResponse.builder()
                    .aiMessage(AiMessage.from("```" + language.id() + "\n" + code.strip() + "\n```"))
                    .tokenUsage(new TokenUsage(tokens, 50))
                    .build();
        }

        private static String text(ChatMessage message) {
            return switch (message) {
                case SystemMessage system -> system.text();
                case UserMessage user -> user.singleText();
                case AiMessage ai -> ai.text() == null ? "" : ai.text();
                default -> message.toString();
            };
        }
    }

    /** One row: how often the right tool is within each limit, its mean rank, and the requests it is not first for. */
    private static String quality(String name, ToolSearch search, Tools tools) {
        ToolSearch.Index index = search.index(tools.list());
        int[] hits = new int[LIMITS.length];
        double rankSum = 0;
        List<String> misses = new ArrayList<>();
        for (Query query : QUERIES) {
            List<String> ranked = index.search(query.text(), tools.list().size()).stream()
                    .map(tool -> tool.name().replace('-', '_')) // as the function is named: get-sum is get_sum
                    .toList();
            int rank = ranked.indexOf(query.tool()) + 1; // 0: not found at all
            int counted = rank == 0 ? tools.list().size() : rank;
            rankSum += counted;
            for (int i = 0; i < LIMITS.length; i++) {
                if (rank > 0 && rank <= LIMITS[i]) {
                    hits[i]++;
                }
            }
            if (rank != 1) {
                misses.add("\"" + query.text() + "\" " + query.tool() + " (" + (rank == 0 ? "not found" : rank) + ")");
            }
        }
        StringBuilder row = new StringBuilder("| ").append(name);
        for (int hit : hits) {
            row.append(" | ").append(hit).append("/").append(QUERIES.size());
        }
        return row.append(" | ").append(String.format(Locale.ROOT, "%.2f", rankSum / QUERIES.size()))
                .append(" | ").append(String.join("; ", misses)).append(" |\n").toString();
    }
}
