package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.ToolHandler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
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
 * <p>
 * A session's Python tools (the functions of its Python tool files, {@code Session.pythonTools()}) are part of the
 * catalog like the host tools, a group per file: found by search_tools, shown by help, named in the catalog. They
 * are known only once a session has read its files, so each method takes them; every session of an agent has the
 * same ones (its policy's files), and the search index is rebuilt only if they differ.
 */
public final class ToolDiscovery {
    /** The function's name in the session and on the tool bridge; no tool may take it. */
    public static final String SEARCH_TOOLS = "search_tools";
    static final int DEFAULT_LIMIT = 10;
    /** Longer lines are cut at a word: the line is a hint, help() has the rest. */
    private static final int LINE_CHARS = 100;
    private static final String NO_GROUP = "tools";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What stands for a Python tool where the ranking wants a {@link Tool} ({@link ToolSearch}, which the memory
     * module implements too): never called, since the function is defined in the session and runs there.
     */
    private static final ToolFunction IN_THE_SESSION = arguments -> {
        throw new IllegalStateException("a Python tool runs in the session, not on the host");
    };

    private final Tools tools;
    private final Language language;
    private final ToolSearch search;
    private volatile Catalog indexed;

    /**
     * One tool as the discovery shows it, host tool or Python tool alike.
     *
     * @param function    what the code calls it
     * @param signature   the call on one line, as search_tools gives it
     * @param help        the full signature and docstring, as help prints it and the full listing shows it
     * @param searchable  what the ranking is given of it
     */
    private record Entry(String function, String group, String signature, String description, String help,
                         Tool searchable) { }

    /** The search index of the host tools and one set of Python tools, and the entry each tool it finds stands for. */
    private record Catalog(List<PythonTool> pythonTools, ToolSearch.Index index, Map<Tool, Entry> bySearchable) { }

    ToolDiscovery(Tools tools, Language language, ToolSearch search) {
        this.tools = tools;
        this.language = Objects.requireNonNull(language, "language");
        this.search = Objects.requireNonNull(search, "search");
    }

    /**
     * Code that defines {@code search_tools} and {@code help} in an interpreter of this language; run it after the
     * tools' own definitions ({@link Tools#definitions}), with the calls routed through {@link #handler}; help
     * knows the session's Python tools too.
     */
    public String definitions(List<PythonTool> pythonTools) {
        Map<String, String> help = new LinkedHashMap<>();
        for (Tool tool : tools.list()) {
            String function = Tools.function(tool, language);
            help.put(function, Tools.stub(tool, language));
            help.putIfAbsent(tool.name(), help.get(function));
        }
        for (PythonTool tool : pythonTools) {
            help.putIfAbsent(tool.name(), PythonStubs.stub(tool).strip());
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

    /**
     * Answers {@code search_tools}, over the host tools and these Python tools, and hands every other call to
     * {@code tools}.
     */
    public ToolHandler handler(ToolHandler tools, List<PythonTool> pythonTools) {
        return (name, arguments) -> name.equals(SEARCH_TOOLS) ? search(arguments, pythonTools) : tools.call(name, arguments);
    }

    private JsonNode search(JsonNode arguments, List<PythonTool> pythonTools) {
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
        Catalog catalog = indexed(pythonTools);
        ArrayNode found = JSON.createArrayNode();
        for (Tool tool : catalog.index().search(query.asText(), limit)) {
            Entry entry = catalog.bySearchable().get(tool);
            found.addObject()
                    .put("name", entry.function())
                    .put("group", entry.group())
                    .put("signature", entry.signature())
                    .put("description", entry.description());
        }
        return found;
    }

    /**
     * The catalog with its index, built on the first search and then shared by every run of the agent (whose
     * sessions have the same Python tools); built again only for other Python tools.
     */
    private Catalog indexed(List<PythonTool> pythonTools) {
        Catalog built = indexed;
        if (built == null || !built.pythonTools().equals(pythonTools)) {
            synchronized (this) {
                built = indexed;
                if (built == null || !built.pythonTools().equals(pythonTools)) {
                    List<Entry> entries = entries(pythonTools);
                    Map<Tool, Entry> bySearchable = new IdentityHashMap<>();
                    entries.forEach(entry -> bySearchable.put(entry.searchable(), entry));
                    built = new Catalog(List.copyOf(pythonTools),
                            search.index(entries.stream().map(Entry::searchable).toList()), bySearchable);
                    indexed = built;
                }
            }
        }
        return built;
    }

    /** The host tools, then the Python tools, each as the discovery shows it. */
    private List<Entry> entries(List<PythonTool> pythonTools) {
        List<Entry> entries = new ArrayList<>();
        for (Tool tool : tools.list()) {
            String function = Tools.function(tool, language);
            entries.add(new Entry(function, group(tool), switch (language) {
                case PYTHON -> PythonStubs.callSignature(function, tool);
                case JAVASCRIPT -> JavaScriptStubs.callSignature(function, tool);
            }, oneLine(tool.description()), Tools.stub(tool, language), tool));
        }
        for (PythonTool tool : pythonTools) {
            String group = fileName(tool.file());
            entries.add(new Entry(tool.name(), group, tool.name() + tool.signature(), oneLine(tool.docstring()),
                    PythonStubs.stub(tool), new Tool(tool.name(), tool.docstring(), null, IN_THE_SESSION, group)));
        }
        return entries;
    }

    /** A Python tool file's group: its name without the directories it was given with ({@code tools/units.py}: units.py). */
    static String fileName(String path) {
        return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    }

    /**
     * What the system prompt shows of the tools: every group with its tools' names and one line each, or, when
     * that takes more than {@code budgetTokens}, every group with how many tools it has. The Python tools' groups
     * (one per file, named after it) come after the host tools'.
     */
    public String catalog(int budgetTokens, List<PythonTool> pythonTools) {
        Map<String, List<Entry>> groups = new LinkedHashMap<>();
        for (Entry entry : entries(pythonTools)) {
            groups.computeIfAbsent(entry.group(), key -> new ArrayList<>()).add(entry);
        }
        StringBuilder named = new StringBuilder("The tools by group, with the first line of each one's description:");
        groups.forEach((group, members) -> {
            named.append("\n").append(group).append(" (").append(count(members.size())).append("):");
            for (Entry entry : members) {
                String line = entry.description();
                named.append("\n- ").append(entry.function()).append(line.isEmpty() ? "" : ": " + line);
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
