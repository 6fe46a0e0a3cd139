package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.OutputListener;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.StartupFileException;
import dev.codeact4j.sandbox.ToolHandler;
import io.opentelemetry.context.Context;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The host tools a session offers, each as a function of the session's language: {@link #definitions(Language)} is
 * the code that defines them in the interpreter, {@link #stubs(Language)} what the model is shown, and
 * {@link #handler} runs them when the code calls.
 */
public final class Tools {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Tools NONE = new Tools(new LinkedHashMap<>());

    /** Python function name to tool. */
    private final Map<String, Tool> byFunction;
    private final Map<String, Tool> byName = new LinkedHashMap<>();

    private Tools(Map<String, Tool> byFunction) {
        this.byFunction = byFunction;
        byFunction.values().forEach(tool -> byName.put(tool.name(), tool));
    }

    public static Tools none() {
        return NONE;
    }

    public static Tools of(Tool... tools) {
        return of(List.of(tools));
    }

    /**
     * Throws when two tools would get the same Python or JavaScript name, or one is named {@code search_tools} (the
     * agent's own tool search, {@link ToolDiscovery}); rename one (MCP tools are prefixed on a clash).
     */
    public static Tools of(Collection<Tool> tools) {
        Map<String, Tool> byFunction = new LinkedHashMap<>();
        Map<String, Tool> byJavaScriptFunction = new LinkedHashMap<>();
        for (Tool tool : tools) {
            if (tool.name().equals(ToolDiscovery.SEARCH_TOOLS)) {
                throw new IllegalArgumentException("a tool cannot be named " + ToolDiscovery.SEARCH_TOOLS
                        + ": that is the function with which the code finds the tools; rename it");
            }
            unique(byFunction, PythonStubs.identifier(tool.name()), tool, "Python");
            unique(byJavaScriptFunction, JavaScriptStubs.identifier(tool.name()), tool, "JavaScript");
        }
        return new Tools(byFunction);
    }

    private static void unique(Map<String, Tool> byFunction, String function, Tool tool, String language) {
        Tool previous = byFunction.putIfAbsent(function, tool);
        if (previous != null) {
            throw new IllegalArgumentException("two tools would both be the " + language + " function " + function
                    + ": '" + previous.name() + "' and '" + tool.name() + "'; rename one of them");
        }
    }

    /** These tools and those. */
    public Tools plus(Collection<Tool> more) {
        List<Tool> all = new ArrayList<>(byFunction.values());
        all.addAll(more);
        return of(all);
    }

    public List<Tool> list() {
        return List.copyOf(byFunction.values());
    }

    public boolean isEmpty() {
        return byFunction.isEmpty();
    }

    /** Whether a tool would be the Python function of this name. */
    public boolean definesFunction(String function) {
        return byFunction.containsKey(function);
    }

    /** The function a tool is in the session of this language. */
    static String function(Tool tool, Language language) {
        return switch (language) {
            case PYTHON -> PythonStubs.identifier(tool.name());
            case JAVASCRIPT -> JavaScriptStubs.identifier(tool.name());
        };
    }

    /** What the model is shown of one tool: its Python signature and docstring, or its JavaScript one with JSDoc. */
    static String stub(Tool tool, Language language) {
        return switch (language) {
            case PYTHON -> PythonStubs.stub(PythonStubs.identifier(tool.name()), tool);
            case JAVASCRIPT -> JavaScriptStubs.stub(JavaScriptStubs.identifier(tool.name()), tool);
        };
    }

    /**
     * How the code of a session of this language finds these tools when they are not listed in full:
     * {@code search_tools}, ranked by {@code search}, and {@code help} (see {@link ToolListing}).
     */
    public ToolDiscovery discovery(Language language, ToolSearch search) {
        return new ToolDiscovery(this, language, search);
    }

    /** Code that defines every tool as a Python function in the interpreter: {@link #definitions(Language)} for Python. */
    public String pythonDefinitions() {
        return definitions(Language.PYTHON);
    }

    /** The tools as Python signatures with docstrings: {@link #stubs(Language)} for Python. */
    public String pythonStubs() {
        return stubs(Language.PYTHON);
    }

    /**
     * Code that defines every tool as a function in an interpreter of this language (run it once per session, with
     * {@code Session.executeHostCode}): in Python {@code name(arg=value)}, in JavaScript the async
     * {@code await name({arg: value})}.
     */
    public String definitions(Language language) {
        StringBuilder code = new StringBuilder();
        for (Tool tool : byFunction.values()) {
            code.append(switch (language) {
                case PYTHON -> PythonStubs.definition(PythonStubs.identifier(tool.name()), tool);
                case JAVASCRIPT -> JavaScriptStubs.definition(JavaScriptStubs.identifier(tool.name()), tool);
            }).append('\n');
        }
        return code.toString();
    }

    /** The tools as the model is shown them: Python signatures with docstrings, or JavaScript ones with JSDoc. */
    public String stubs(Language language) {
        return stubs(language, List.of());
    }

    /**
     * These tools and a session's Python tools ({@link Session#pythonTools()}, the functions of its Python tool
     * files) as the model is shown them, in one form: these first, then those, each with its signature and docstring.
     */
    public String stubs(Language language, List<PythonTool> pythonTools) {
        StringBuilder code = new StringBuilder();
        for (Tool tool : byFunction.values()) {
            code.append(stub(tool, language)).append('\n');
        }
        for (PythonTool tool : pythonTools) {
            code.append(PythonStubs.stub(tool)).append('\n');
        }
        return code.toString().strip();
    }

    /**
     * Throws a {@link StartupFileException} when a function of a session's Python tool files would be replaced by
     * one of these tools, which are defined after it under the same name: one of the two must be renamed.
     */
    public void checkNoClash(List<PythonTool> pythonTools) {
        for (PythonTool tool : pythonTools) {
            Tool host = byFunction.get(tool.name());
            if (host != null) {
                throw new StartupFileException("the Python tool file " + tool.file() + " defines " + tool.name()
                        + ", which is also the function of the host tool '" + host.name() + "' (a Java or MCP tool); "
                        + "rename one of them", tool.file(), 0, "");
            }
        }
    }

    /**
     * Defines the tools as functions in {@code session} (of its language) and routes their calls here, each
     * allowed {@code callLimit}. Nothing happens without tools.
     */
    public void offerTo(Session session, Duration callLimit) {
        offerTo(session, handler(callLimit), "");
    }

    /**
     * As {@link #offerTo(Session, Duration)}, the calls going to {@code handler} (this one's {@link #handler}
     * wrapped, say, to trace them). A function of the session's Python tool files of the same name as one of these
     * tools is a {@link StartupFileException} ({@link #checkNoClash}).
     */
    public void offerTo(Session session, ToolHandler handler) {
        offerTo(session, handler, "");
    }

    /**
     * As {@link #offerTo(Session, ToolHandler)}, with {@code moreDefinitions} run after the tools' own definitions
     * (the agent's search_tools and help, {@link ToolDiscovery#definitions}), whose calls {@code handler} answers.
     */
    public void offerTo(Session session, ToolHandler handler, String moreDefinitions) {
        if (!isEmpty() || !moreDefinitions.isEmpty()) { // search_tools may be there for the Python tools alone
            checkNoClash(session.pythonTools());
            define(session, handler, moreDefinitions);
        }
    }

    /**
     * Runs code in a session the tools were offered to. An interpreter that was replaced (it ran out of memory,
     * say) has lost their functions with everything else: they are defined again first, and the result still
     * says that the interpreter was replaced. {@code filename} names the code in tracebacks (null: a cell).
     */
    public ExecutionResult execute(Session session, String code, String filename, Duration timeout,
                                   OutputListener listener, Duration callLimit) {
        return execute(session, code, filename, timeout, listener, handler(callLimit), "");
    }

    /**
     * As above, the calls going to {@code handler}, and {@code moreDefinitions} defined again after the tools (as in
     * {@link #offerTo(Session, ToolHandler, String)}).
     */
    public ExecutionResult execute(Session session, String code, String filename, Duration timeout,
                                   OutputListener listener, ToolHandler handler, String moreDefinitions) {
        if ((isEmpty() && moreDefinitions.isEmpty()) || session.isAlive()) {
            return session.execute(code, filename, timeout, listener);
        }
        ExecutionResult definitions = define(session, handler, moreDefinitions);
        listener.onOutput("stderr", definitions.stderr());
        ExecutionResult result = session.execute(code, filename, timeout, listener);
        return new ExecutionResult(result.stdout(), definitions.stderr() + result.stderr(), result.result(),
                result.finalAnswer(), result.error(), result.displays(), result.toolCalls(), result.networkRequests(),
                result.duration(), result.timedOut(), result.truncated(),
                result.restarted() || definitions.restarted());
    }

    private ExecutionResult define(Session session, ToolHandler handler, String moreDefinitions) {
        session.toolHandler(handler);
        ExecutionResult defined = session.executeHostCode(definitions(session.language())
                + (moreDefinitions.isEmpty() ? "" : "\n" + moreDefinitions));
        if (!defined.ok()) {
            throw new IllegalStateException("the tools could not be defined in the session: " + defined.error().summary());
        }
        return defined;
    }

    /** Runs the tools when the code calls them; a call that takes longer than {@code timeout} fails with a clear message. */
    public ToolHandler handler(Duration timeout) {
        return (name, arguments) -> call(name, arguments, timeout);
    }

    private JsonNode call(String name, JsonNode arguments, Duration timeout) throws Exception {
        Tool tool = byName.get(name);
        if (tool == null) {
            throw new IllegalArgumentException("there is no tool named " + name);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Callable<Object> work = () -> tool.function().apply(arguments == null ? JSON.createObjectNode() : arguments);
            // the caller's trace context goes along, so that what the tool does (an MCP call) is part of its span
            Future<Object> result = executor.submit(Context.current().wrap(work));
            return toJson(result.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new ToolTimeoutException("the tool " + name + " took longer than its time limit of "
                    + timeout.toMillis() / 1000.0 + " s and was abandoned");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception exception ? exception : new RuntimeException(cause);
        } finally {
            executor.shutdownNow();
        }
    }

    static JsonNode toJson(Object value) {
        if (value == null) {
            return JSON.nullNode();
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof CharSequence text) {
            return TextNode.valueOf(text.toString());
        }
        return JSON.valueToTree(value);
    }

    /** A tool ran past its time limit. */
    public static final class ToolTimeoutException extends RuntimeException {
        public ToolTimeoutException(String message) {
            super(message);
        }
    }
}
