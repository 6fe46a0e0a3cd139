package dev.codeact4j.server.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.agent.Step;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.OutputListener;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxException;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.server.json.ExecutionJson;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.settings.InvalidRequestException;
import dev.codeact4j.server.settings.RunAgents;
import dev.codeact4j.server.settings.RunRequest;
import dev.codeact4j.tools.McpSchemaValidator;
import dev.codeact4j.tools.Tools;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MCP tools of codeact, whatever carries them ({@code codeact mcp} on standard input and output, {@code codeact
 * serve} at {@code /mcp}). {@code execute_code} runs code in one persistent sandboxed session per MCP session and
 * language, and answers with the JSON object {@code codeact exec --json} prints for a snippet; {@code run_agent} has
 * an agent (made by {@link RunAgents}, as the server's runs are) solve a task in a fresh session, and answers with
 * the JSON {@code codeact run --json} prints. Figures also come back as images; what else happens to them is the
 * {@link Figures}' choice. What goes wrong is answered as a tool error with a message, never thrown at the client.
 * <pre>{@code
 * McpTools tools = McpTools.builder(sandbox, agents).figures(Figures.inline()).build();
 * McpSyncServer server = tools.serve(McpServer.sync(transport), version);
 * ...
 * tools.endSession(mcpSessionId);   // when the transport sees the client go
 * }</pre>
 */
public final class McpTools implements AutoCloseable {
    public static final String EXECUTE_CODE = "execute_code";
    public static final String RUN_AGENT = "run_agent";
    /** The JSON of the MCP messages, through the Jackson 2 the rest of codeact uses. */
    public static final McpJsonMapper JSON = new JacksonMcpJsonMapper(new ObjectMapper());
    private static final String EXAMPLE_MODEL = "openrouter:google/gemini-2.5-flash";
    private static final String CLOSED = "The server is shutting down and runs nothing new.";

    /** One MCP session's sandbox session of one language, and how many snippets it has run (the JSON's index). */
    private record Connection(Session session, AtomicInteger executions) {
    }

    /** An MCP session's session of a language: a client may use both languages, each in a session of its own. */
    private record ConnectionKey(String mcpSessionId, Language language) {
    }

    /** A failure told to the client as the tool's error, with this message. */
    private static final class ToolFailure extends RuntimeException {
        ToolFailure(String message) {
            super(message);
        }
    }

    private final Sandbox sandbox;
    private final SandboxPolicy policy;
    private final Tools tools;
    private final Duration toolCallLimit;
    private final RunAgents agents;
    private final String defaultModel;
    private final String whereToSetModel;
    private final Integer defaultMaxSteps;
    private final Figures figures;
    private final int maxSessions;
    private final int maxRuns;
    private final Semaphore sessionPermits;
    private final Semaphore runPermits;
    private final Map<ConnectionKey, Connection> connections = new ConcurrentHashMap<>();
    private volatile boolean accepting = true;

    private McpTools(Builder builder) {
        sandbox = builder.sandbox;
        policy = builder.policy;
        tools = builder.tools;
        toolCallLimit = builder.toolCallLimit;
        agents = builder.agents;
        defaultModel = builder.defaultModel;
        whereToSetModel = builder.whereToSetModel;
        defaultMaxSteps = builder.defaultMaxSteps;
        figures = builder.figures;
        maxSessions = builder.maxSessions;
        maxRuns = builder.maxRuns;
        sessionPermits = new Semaphore(maxSessions);
        runPermits = new Semaphore(maxRuns);
    }

    /** Tools whose execute_code sessions come from {@code sandbox}, and whose run_agent's agents from {@code agents}. */
    public static Builder builder(Sandbox sandbox, RunAgents agents) {
        return new Builder(sandbox, agents);
    }

    /** An MCP server of these tools on {@code specification}'s transport, named codeact in {@code version}, built. */
    public McpSyncServer serve(McpServer.SyncSpecification<?> specification, String version) {
        return specification
                .jsonMapper(JSON)
                .serverInfo("codeact", version)
                .instructions("execute_code runs Python or JavaScript in a persistent sandboxed session; run_agent "
                        + "has a model solve a whole task by writing and running code.")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                // the SDK checks the arguments against the input schemas with it (its own validator clashes)
                .jsonSchemaValidator(new McpSchemaValidator())
                .tools(specifications())
                .build();
    }

    /** The two tools, described and bound to their handlers. */
    public List<SyncToolSpecification> specifications() {
        Language language = policy.language();
        String hostTools = tools.isEmpty() ? "" : "\n\nThese host tools are defined as "
                + language.displayName() + " functions in the interpreter (in JavaScript as async functions of one "
                + "object of arguments, await name({arg: value})):\n" + tools.stubs(language);
        Map<String, Object> languageArgument = Map.of("type", "string", "enum", List.of("python", "javascript"),
                "description", "The language of the code: python or javascript (Node.js). Default: "
                        + language.id() + ".");
        McpSchema.Tool executeCode = McpSchema.Tool.builder(EXECUTE_CODE, Map.of("type", "object",
                        "required", List.of("code"), "properties", Map.of(
                                "code", Map.of("type", "string", "description", "The code to run."),
                                "language", languageArgument,
                                "timeout", Map.of("type", "number", "exclusiveMinimum", 0, "description",
                                        "Time limit in seconds; the code is then interrupted, its state kept. "
                                                + "Default: " + seconds(policy.timeout()) + "."))))
                .description("Runs Python or JavaScript code in a sandboxed, persistent interpreter: one per "
                        + "connection and language, so "
                        + "variables, imports and files stay for the next call. Returns JSON: {index, source, ok, "
                        + "stdout, stderr, result: {repr, type, json} or null, final: the value given to "
                        + "final_answer(...) as {repr, type, json}, or null, error: {type, message, traceback} or "
                        + "null, displays, network, durationMs, timedOut, truncated, restarted}; figures also come back as "
                        + "images (PNG, or SVG from JavaScript)." + hostTools)
                .build();
        McpSchema.Tool runAgent = McpSchema.Tool.builder(RUN_AGENT, Map.of("type", "object",
                        "required", List.of("task"), "properties", Map.of(
                                "task", Map.of("type", "string", "description", "What the agent should do."),
                                "model", Map.of("type", "string", "description", "The model as PROVIDER:MODEL, e.g. "
                                        + EXAMPLE_MODEL + ". Default: "
                                        + (defaultModel == null ? "the server's." : defaultModel + ".")),
                                "language", languageArgument,
                                "max_steps", Map.of("type", "integer", "minimum", 1, "description",
                                        "The most code-writing steps. Default: "
                                                + (defaultMaxSteps == null ? "the server's." : defaultMaxSteps + ".")))))
                .description("A CodeAct agent solves a task: a model writes Python (or JavaScript) that runs in a "
                        + "fresh sandboxed "
                        + "session until the code calls final_answer(...). Returns JSON: {runId, model, task, success, "
                        + "reason, answer, answerText, format, parseError, steps: [{index, thought, code, observation, "
                        + "error, figures, ...}], durationMs, inputTokens, outputTokens, cached, reusedFrom}; the "
                        + "steps' figures also come back as images.")
                .build();
        return List.of(new SyncToolSpecification(executeCode, this::executeCode),
                new SyncToolSpecification(runAgent, this::runAgent));
    }

    /** Ends the sandbox sessions of an MCP session that has ended (the client deleted it, or went away). */
    public void endSession(String mcpSessionId) {
        connections.keySet().stream().filter(key -> key.mcpSessionId().equals(mcpSessionId)).toList()
                .forEach(this::closeConnection);
    }

    /** How many sandbox sessions are open for MCP sessions. */
    public int openSessions() {
        return connections.size();
    }

    /** From now on both tools answer that the server is shutting down; what runs goes on. */
    public void stopAccepting() {
        accepting = false;
    }

    /** Ends every MCP session's sandbox sessions (and the code running in them). */
    @Override
    public void close() {
        accepting = false;
        List.copyOf(connections.keySet()).forEach(this::closeConnection);
    }

    private void closeConnection(ConnectionKey key) {
        Connection connection = connections.remove(key);
        if (connection != null) {
            sessionPermits.release();
            connection.session().close();
        }
    }

    private CallToolResult executeCode(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        if (!(arguments.get("code") instanceof String code)) {
            return error("execute_code needs the argument code: the code to run, as a string.");
        }
        Duration timeout = policy.timeout();
        if (arguments.get("timeout") != null) {
            if (!(arguments.get("timeout") instanceof Number seconds) || !(seconds.doubleValue() > 0)) {
                return error("timeout must be a number of seconds above 0, not " + arguments.get("timeout") + ".");
            }
            timeout = Duration.ofMillis(Math.max(1, Math.round(seconds.doubleValue() * 1000)));
        }
        try {
            Language language = language(arguments);
            Connection connection = connection(exchange.sessionId(), language);
            int index;
            ExecutionResult result;
            synchronized (connection) { // one interpreter runs one snippet at a time, numbered in the order run
                index = connection.executions().getAndIncrement();
                result = tools.execute(connection.session(), code, null, timeout, OutputListener.NONE, toolCallLimit);
            }
            CallToolResult.Builder answer = CallToolResult.builder().addTextContent(JsonText.line(
                    ExecutionJson.of(index, EXECUTE_CODE, result, figures.displays(result.displays())), "result"));
            addImages(answer, result.displays());
            return answer.build();
        } catch (ToolFailure e) {
            return error(e.getMessage());
        } catch (SandboxException e) {
            return error("the sandbox failed: " + e.getMessage());
        } catch (RuntimeException e) {
            return error("execute_code failed: " + e.getMessage());
        }
    }

    /** The MCP session's sandbox session of the language, opened (with the host tools in it) at its first call. */
    private Connection connection(String mcpSessionId, Language language) {
        ConnectionKey key = new ConnectionKey(mcpSessionId, language);
        Connection connection = connections.get(key);
        if (connection != null) {
            return connection;
        }
        if (!accepting) {
            throw new ToolFailure(CLOSED);
        }
        if (!sessionPermits.tryAcquire()) {
            throw new ToolFailure("This server has " + maxSessions + " sandbox sessions open, its limit: end an MCP "
                    + "session you no longer use (DELETE /mcp), or try again when an idle one has been closed.");
        }
        boolean[] opened = new boolean[1];
        try {
            connection = connections.computeIfAbsent(key, absent -> {
                opened[0] = true;
                return open(absent.language());
            });
        } finally {
            if (!opened[0] || connection == null) {
                sessionPermits.release(); // another call opened it meanwhile, or it could not be opened
            }
        }
        return connection;
    }

    private Connection open(Language language) {
        Session session = sandbox.open(policy.toBuilder().language(language).build());
        try {
            tools.offerTo(session, toolCallLimit);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        return new Connection(session, new AtomicInteger());
    }

    private CallToolResult runAgent(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        if (!(arguments.get("task") instanceof String task) || task.isBlank()) {
            return error("run_agent needs the argument task: what the agent should do, as a string.");
        }
        Object model = arguments.get("model");
        if (model == null && defaultModel == null) {
            return error("No model named: pass the argument model as PROVIDER:MODEL (e.g. " + EXAMPLE_MODEL + ")"
                    + (whereToSetModel == null ? "; this server has no default model." : ", or " + whereToSetModel + "."));
        }
        Object steps = arguments.get("max_steps");
        if (steps != null && (!(steps instanceof Integer maxSteps) || maxSteps < 1)) {
            return error("max_steps must be a whole number of at least 1, not " + steps + ".");
        }
        if (!accepting) {
            return error(CLOSED);
        }
        if (!runPermits.tryAcquire()) {
            return error("This server runs at most " + maxRuns + " agents at once, and that many are running: try "
                    + "again when one has finished.");
        }
        try {
            Language language = language(arguments);
            CodeActAgent agent = agents.agent(new RunRequest(task.strip(), model == null ? null : model.toString(),
                    null, (Integer) steps, null, null, language.id()));
            AgentResult result = agent.run(task.strip());
            CallToolResult.Builder answer = CallToolResult.builder()
                    .addTextContent(JsonText.line(figures.run(result), "result"));
            for (Step step : result.steps()) {
                if (step.execution() != null) {
                    addImages(answer, step.execution().displays());
                }
            }
            return answer.build();
        } catch (ToolFailure | InvalidRequestException e) {
            return error(e.getMessage());
        } catch (ModelException e) {
            return error("the model could not be called: " + e.getMessage());
        } catch (SandboxException e) {
            return error("the sandbox failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return error("run_agent failed: " + e.getMessage());
        } finally {
            runPermits.release();
        }
    }

    /** The argument language, else the policy's. */
    private Language language(Map<String, Object> arguments) {
        Object language = arguments.get("language");
        try {
            return language == null ? policy.language() : Language.parse(language.toString());
        } catch (IllegalArgumentException e) {
            throw new ToolFailure("language: " + e.getMessage() + ".");
        }
    }

    /** The figures as MCP images, which are base64: a PNG display already is, an SVG one is the drawing's text. */
    private static void addImages(CallToolResult.Builder answer, List<Display> displays) {
        for (Display display : displays) {
            if (display.isBinary()) {
                answer.addContent(McpSchema.ImageContent.builder(display.data(), display.mime()).build());
            } else if (display.isImage()) {
                String base64 = Base64.getEncoder().encodeToString(display.bytes());
                answer.addContent(McpSchema.ImageContent.builder(base64, display.mime()).build());
            }
        }
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return (millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0)) + " s";
    }

    public static final class Builder {
        private final Sandbox sandbox;
        private final RunAgents agents;
        private SandboxPolicy policy = SandboxPolicy.defaults();
        private Tools tools = Tools.none();
        private Duration toolCallLimit = Duration.ofSeconds(60);
        private String defaultModel;
        private String whereToSetModel;
        private Integer defaultMaxSteps;
        private Figures figures = Figures.inline();
        private int maxSessions = Integer.MAX_VALUE;
        private int maxRuns = Integer.MAX_VALUE;

        private Builder(Sandbox sandbox, RunAgents agents) {
            this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
            this.agents = Objects.requireNonNull(agents, "agents");
        }

        /** execute_code's sessions' policy, its language the default of both tools (default: the defaults). */
        public Builder policy(SandboxPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Host tools, defined in execute_code's sessions; one call may take {@code callLimit} (default 60 s). */
        public Builder tools(Tools tools, Duration callLimit) {
            this.tools = Objects.requireNonNull(tools, "tools");
            this.toolCallLimit = Objects.requireNonNull(callLimit, "callLimit");
            return this;
        }

        /**
         * The model run_agent's agents take when the call names none (the {@link RunAgents}' default, which this
         * describes and checks for), or null for none; {@code whereToSetIt} completes the message of a call
         * without one when there is none, e.g. {@code start codeact mcp with --model}, or null.
         */
        public Builder defaultModel(String model, String whereToSetIt) {
            this.defaultModel = model;
            this.whereToSetModel = whereToSetIt;
            return this;
        }

        /** run_agent's step limit when the call gives none, as the {@link RunAgents} have it (for the description). */
        public Builder defaultMaxSteps(Integer maxSteps) {
            this.defaultMaxSteps = maxSteps;
            return this;
        }

        /** What becomes of the figures besides the images (default: {@link Figures#inline()}). */
        public Builder figures(Figures figures) {
            this.figures = Objects.requireNonNull(figures, "figures");
            return this;
        }

        /** At most this many execute_code sessions open, and run_agent runs at once (default: no limit). */
        public Builder limits(int maxSessions, int maxRuns) {
            if (maxSessions < 1 || maxRuns < 1) {
                throw new IllegalArgumentException("the limits must be at least 1");
            }
            this.maxSessions = maxSessions;
            this.maxRuns = maxRuns;
            return this;
        }

        public McpTools build() {
            return new McpTools(this);
        }
    }
}
