package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.ToolHandler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the code finds the host tools when they are too many to list ({@link ToolListing#SEARCH}):
 * <ul>
 * <li>{@code search_tools(query, limit=10)} (in JavaScript {@code await search_tools({query, limit})}) gives the
 *     tools most relevant to the query, each with its name, group, one-line signature and the first line of its
 *     description, ranked by the agent's {@link ToolSearch}. It crosses the tool bridge like a host tool and is
 *     answered here, by {@link #handler}: its calls are recorded like the tools' own, but it is none of them (not
 *     listed, not searched, not counted in the budget).</li>
 * <li>{@code help(tool)} prints the tool's full signature and docstring (JSDoc in JavaScript), as the full listing
 *     shows them; the tool may be given as its function or its name. Answered in the interpreter, with no call to
 *     the host; in Python anything that is not a tool goes on to Python's own {@code help}.</li>
 * </ul>
 * The system prompt then holds only {@link #catalog}: the groups (one per MCP server or Java class) with their
 * tools' names and one line each, or, when even that takes more than the budget, only the groups.
 */
public final class ToolDiscovery {
    /** The function's name in the session and on the tool bridge; no tool may take it. */
    public static final String SEARCH_TOOLS = "search_tools";
    static final int DEFAULT_LIMIT = 10;
    /** Longer lines are cut at a word: the line is a hint, help() has the rest. */
    private static final int LINE_CHARS = 100;
    private static final String NO_GROUP = "tools";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Tools tools;
    private final Language language;
    private final ToolSearch search;
    private volatile ToolSearch.Index index;

    ToolDiscovery(Tools tools, Language language, ToolSearch search) {
        this.tools = tools;
        this.language = Objects.requireNonNull(language, "language");
        this.search = Objects.requireNonNull(search, "search");
    }

    /**
     * Code that defines {@code search_tools} and {@code help} in an interpreter of this language; run it after the
     * tools' own definitions ({@link Tools#definitions}), with the calls routed through {@link #handler}.
     */
    public String definitions() {
        Map<String, String> help = new LinkedHashMap<>();
        for (Tool tool : tools.list()) {
            String function = Tools.function(tool, language);
            help.put(function, Tools.stub(tool, language));
            help.putIfAbsent(tool.name(), help.get(function));
        }
        String helpTexts = JSON.valueToTree(help).toString(); // a JSON object of strings is a Python and a JavaScript literal
        return switch (language) {
            case PYTHON -> """
                    _codeact_tool_help = %s
                    _codeact_python_help = globals().get("_codeact_python_help", help)

                    def search_tools(query: str, limit: int = %d):
                        \"""The host tools most relevant to the query (what you want to do, in a few words), best first:
                        a list of dicts with name, group, signature and description (its first line).\"""
                        return _codeact_call_tool("%s", {"query": query, "limit": limit})

                    def help(*args, **kwargs):
                        \"""help(tool) prints a host tool's signature and docstring (tool: the function or its name);
                        anything else goes to Python's help.\"""
                        if len(args) == 1 and not kwargs:
                            key = args[0] if isinstance(args[0], str) else getattr(args[0], "__name__", None)
                            if isinstance(key, str) and key in _codeact_tool_help:
                                print(_codeact_tool_help[key])
                                return None
                        return _codeact_python_help(*args, **kwargs)
                    """.formatted(helpTexts, DEFAULT_LIMIT, SEARCH_TOOLS);
            case JAVASCRIPT -> """
                    globalThis._codeact_tool_help = %s;

                    /** The host tools most relevant to args.query, best first: [{name, group, signature, description}]. */
                    async function search_tools(args) {
                      const request = typeof args === 'string' ? {query: args} : (args ?? {});
                      return await _codeact_call_tool("%s", request);
                    }

                    /** Prints a host tool's signature and JSDoc (tool: the function or its name). */
                    function help(tool) {
                      const key = typeof tool === 'function' ? tool.name : String(tool);
                      console.log(Object.hasOwn(_codeact_tool_help, key) ? _codeact_tool_help[key]
                        : `help: ${key} is not a host tool; await search_tools({query: 'what it should do'}) finds them`);
                    }
                    """.formatted(helpTexts, SEARCH_TOOLS);
        };
    }

    /** Answers {@code search_tools} and hands every other call to {@code tools}. */
    public ToolHandler handler(ToolHandler tools) {
        return (name, arguments) -> name.equals(SEARCH_TOOLS) ? search(arguments) : tools.call(name, arguments);
    }

    private JsonNode search(JsonNode arguments) {
        JsonNode query = arguments == null ? null : arguments.get("query");
        if (query == null || !query.isTextual() || query.asText().isBlank()) {
            throw new IllegalArgumentException(SEARCH_TOOLS + " needs a query: what the tool should do, in a few words, "
                    + (language == Language.PYTHON ? "e.g. search_tools(\"create an issue\")"
                    : "e.g. await search_tools({query: \"create an issue\"})"));
        }
        JsonNode limitNode = arguments.get("limit");
        int limit = DEFAULT_LIMIT;
        if (limitNode != null && !limitNode.isNull()) {
            if (!limitNode.canConvertToInt() || !limitNode.isIntegralNumber() || limitNode.asInt() < 1) {
                throw new IllegalArgumentException(SEARCH_TOOLS + "'s limit must be a whole number of at least 1, not " + limitNode);
            }
            limit = limitNode.asInt();
        }
        ArrayNode found = JSON.createArrayNode();
        for (Tool tool : index().search(query.asText(), limit)) {
            ObjectNode entry = found.addObject();
            String function = Tools.function(tool, language);
            entry.put("name", function);
            entry.put("group", group(tool));
            entry.put("signature", switch (language) {
                case PYTHON -> PythonStubs.callSignature(function, tool);
                case JAVASCRIPT -> JavaScriptStubs.callSignature(function, tool);
            });
            entry.put("description", oneLine(tool.description()));
        }
        return found;
    }

    /** The index, built on the first search and then shared by every run of the agent. */
    private ToolSearch.Index index() {
        ToolSearch.Index built = index;
        if (built == null) {
            synchronized (this) {
                built = index;
                if (built == null) {
                    built = search.index(tools.list());
                    index = built;
                }
            }
        }
        return built;
    }

    /**
     * What the system prompt shows of the tools: every group with its tools' names and one line each, or, when
     * that takes more than {@code budgetTokens}, every group with how many tools it has.
     */
    public String catalog(int budgetTokens) {
        Map<String, List<Tool>> groups = new LinkedHashMap<>();
        for (Tool tool : tools.list()) {
            groups.computeIfAbsent(group(tool), key -> new ArrayList<>()).add(tool);
        }
        StringBuilder named = new StringBuilder("The tools by group, with the first line of each one's description:");
        groups.forEach((group, members) -> {
            named.append("\n").append(group).append(" (").append(count(members.size())).append("):");
            for (Tool tool : members) {
                String line = oneLine(tool.description());
                named.append("\n- ").append(Tools.function(tool, language)).append(line.isEmpty() ? "" : ": " + line);
            }
        });
        if (!TokenCount.exceeds(named.toString(), budgetTokens)) {
            return named.toString();
        }
        StringBuilder grouped = new StringBuilder("The tool groups (too many tools to name here: search them):");
        groups.forEach((group, members) -> grouped.append("\n- ").append(group).append(": ").append(count(members.size())));
        return grouped.toString();
    }

    /** How many tools there are, in words: "1 tool", "9 tools". */
    static String count(int tools) {
        return tools + (tools == 1 ? " tool" : " tools");
    }

    private static String group(Tool tool) {
        return tool.group().isEmpty() ? NO_GROUP : tool.group();
    }

    /** A description's first sentence (or line), cut at a word when it is long. */
    static String oneLine(String description) {
        String line = description.strip().split("\\R", 2)[0].strip();
        int sentenceEnd = line.indexOf(". ");
        if (sentenceEnd > 0) {
            line = line.substring(0, sentenceEnd + 1);
        }
        if (line.length() > LINE_CHARS) {
            int space = line.lastIndexOf(' ', LINE_CHARS);
            line = line.substring(0, space > LINE_CHARS / 2 ? space : LINE_CHARS) + "...";
        }
        return line;
    }
}
