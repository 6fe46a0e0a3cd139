package dev.codeact4j.cli;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.cli.render.AgentReport;
import dev.codeact4j.cli.render.DisplayFiles;
import dev.codeact4j.cli.render.JsonReport;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.OutputListener;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.SandboxException;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.server.json.SavedDisplay;
import dev.codeact4j.tools.Tools;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tools {@code codeact mcp} serves. {@code execute_code} runs code in one persistent sandboxed session per
 * client connection and answers with the JSON object {@code exec --json} prints for a snippet, figures also as
 * images; {@code run_agent} runs an agent in a fresh session and answers with the JSON {@code run --json} prints.
 * What goes wrong is answered as a tool error with a message, never thrown at the client.
 */
final class CodeactMcpServer implements AutoCloseable {
    /** The tool's name, also the source of the snippets it runs. */
    private static final String EXECUTE_CODE = "execute_code";

    /**
     * Everything the tools need, set when the server starts.
     *
     * @param agents       run_agent's agents, as {@code codeact run} makes them (memory and recording included);
     *                     also execute_code's sandbox and policy
     * @param tools        the host tools, defined in execute_code's sessions too
     * @param pythonTools  the functions of the policy's Python tool files, as a session defined them
     * @param defaultModel the model SPEC when run_agent names none, or null
     * @param configFile   where a default model can be set, for the message when there is none
     */
    record Settings(AgentFactory agents, HostTools tools, List<PythonTool> pythonTools, DisplayFiles displayFiles,
                    String defaultModel, Path configFile) {
    }

    /** One client connection's session of one language, and how many snippets it has run (the JSON's index). */
    private record Connection(Session session, AtomicInteger executions) {
    }

    /** A connection's session of a language: a client may use both languages, each in a session of its own. */
    private record ConnectionKey(String sessionId, Language language) {
    }

    private final Settings settings;
    private final Map<ConnectionKey, Connection> connections = new ConcurrentHashMap<>();

    CodeactMcpServer(Settings settings) {
        this.settings = settings;
    }

    List<SyncToolSpecification> tools() {
        Language language = settings.agents().policy().language();
        String hostTools = settings.tools().tools().isEmpty() ? "" : "\n\nThese host tools are defined as "
                + language.displayName() + " functions in the interpreter (in JavaScript as async functions of one "
                + "object of arguments, await name({arg: value})):\n" + settings.tools().tools().stubs(language);
        String pythonTools = settings.pythonTools().isEmpty() ? "" : "\n\nThese Python tools are defined in Python "
                + "sessions, and run inside the sandbox:\n" + Tools.none().stubs(Language.PYTHON, settings.pythonTools());
        Map<String, Object> languageArgument = Map.of("type", "string", "enum", List.of("python", "javascript"),
                "description", "The language of the code: python or javascript (Node.js). Default: "
                        + language.id() + ".");
        McpSchema.Tool executeCode = McpSchema.Tool.builder()
                .name(EXECUTE_CODE)
                .description("Runs Python or JavaScript code in a sandboxed, persistent interpreter: one per "
                        + "connection and language, so "
                        + "variables, imports and files stay for the next call. Returns JSON: {index, source, ok, "
                        + "stdout, stderr, result: {repr, type, json} or null, final: the value given to "
                        + "final_answer(...) as {repr, type, json}, or null, error: {type, message, traceback} or "
                        + "null, displays, network, durationMs, timedOut, truncated, restarted}; figures also come back as "
                        + "images (PNG, or SVG from JavaScript)." + hostTools + pythonTools)
                .inputSchema(Map.of("type", "object", "required", List.of("code"), "properties", Map.of(
                        "code", Map.of("type", "string", "description", "The code to run."),
                        "language", languageArgument,
                        "timeout", Map.of("type", "number", "exclusiveMinimum", 0, "description",
                                "Time limit in seconds; the code is then interrupted, its state kept. Default: "
                                        + seconds(settings.agents().policy().timeout()) + "."))))
                .build();
        McpSchema.Tool runAgent = McpSchema.Tool.builder()
                .name("run_agent")
                .description("A CodeAct agent solves a task: a model writes Python (or JavaScript) that runs in a "
                        + "fresh sandboxed "
                        + "session until the code calls final_answer(...). Returns JSON: {runId, model, task, success, "
                        + "reason, answer, answerText, format, parseError, steps: [{index, thought, code, observation, "
                        + "error, figures, ...}], durationMs, inputTokens, outputTokens, cached, reusedFrom}.")
                .inputSchema(Map.of("type", "object", "required", List.of("task"), "properties", Map.of(
                        "task", Map.of("type", "string", "description", "What the agent should do."),
                        "model", Map.of("type", "string", "description", "The model as PROVIDER:MODEL, e.g. "
                                + "openrouter:google/gemini-2.5-flash. Default: "
                                + (settings.defaultModel() == null ? "the server's." : settings.defaultModel() + ".")),
                        "language", languageArgument,
                        "max_steps", Map.of("type", "integer", "minimum", 1, "description",
                                "The most code-writing steps. Default: " + settings.agents().maxSteps() + "."))))
                .build();
        return List.of(new SyncToolSpecification(executeCode, this::executeCode),
                new SyncToolSpecification(runAgent, this::runAgent));
    }

    private CallToolResult executeCode(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        if (!(arguments.get("code") instanceof String code)) {
            return error("execute_code needs the argument code: the code to run, as a string.");
        }
        Language language;
        try {
            language = language(arguments);
        } catch (IllegalArgumentException e) {
            return error("language: " + e.getMessage() + ".");
        }
        Duration timeout = settings.agents().policy().timeout();
        if (arguments.get("timeout") != null) {
            if (!(arguments.get("timeout") instanceof Number seconds) || !(seconds.doubleValue() > 0)) {
                return error("timeout must be a number of seconds above 0, not " + arguments.get("timeout") + ".");
            }
            timeout = Duration.ofMillis(Math.max(1, Math.round(seconds.doubleValue() * 1000)));
        }
        try {
            Connection connection = connections.computeIfAbsent(new ConnectionKey(exchange.sessionId(), language),
                    key -> open(key.language()));
            ExecutionResult result = settings.tools().execute(connection.session(), code, timeout, OutputListener.NONE);
            List<SavedDisplay> saved;
            synchronized (settings.displayFiles()) {
                saved = settings.displayFiles().save(result.displays());
            }
            CallToolResult.Builder answer = CallToolResult.builder().addTextContent(JsonReport.line(
                    connection.executions().getAndIncrement(), EXECUTE_CODE, result, saved));
            for (Display display : result.displays()) {
                // MCP images are base64: a PNG display already is, an SVG one is the drawing's text
                if (display.mime().equals("image/png")) {
                    answer.addContent(McpSchema.ImageContent.builder(display.data(), display.mime()).build());
                } else if (display.isImage()) {
                    String base64 = Base64.getEncoder().encodeToString(display.bytes());
                    answer.addContent(McpSchema.ImageContent.builder(base64, display.mime()).build());
                }
            }
            return answer.build();
        } catch (SandboxException e) {
            return error("the sandbox failed: " + e.getMessage());
        } catch (RuntimeException e) {
            return error("execute_code failed: " + e.getMessage());
        }
    }

    /** The argument language, else the server's (--lang, the config file's). */
    private Language language(Map<String, Object> arguments) {
        Object language = arguments.get("language");
        return language == null ? settings.agents().policy().language() : Language.parse(language.toString());
    }

    private Connection open(Language language) {
        Session session = settings.agents().sandbox().open(policy(language));
        try {
            settings.tools().offerTo(session);
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
        Object model = arguments.get("model") != null ? arguments.get("model") : settings.defaultModel();
        if (model == null) {
            return error("No model named: pass the argument model as PROVIDER:MODEL (e.g. "
                    + "openrouter:google/gemini-2.5-flash), or start codeact mcp with --model, or set \"model\" in "
                    + settings.configFile() + ".");
        }
        Object steps = arguments.getOrDefault("max_steps", settings.agents().maxSteps());
        if (!(steps instanceof Integer maxSteps) || maxSteps < 1) {
            return error("max_steps must be a whole number of at least 1, not " + steps + ".");
        }
        ModelSpec spec;
        try {
            spec = ModelSpec.parse(model.toString());
        } catch (IllegalArgumentException e) {
            return error("model: " + e.getMessage() + ".");
        }
        Language language;
        try {
            language = language(arguments);
        } catch (IllegalArgumentException e) {
            return error("language: " + e.getMessage() + ".");
        }
        try {
            AgentFactory agents = settings.agents().newBuilder().maxSteps(maxSteps)
                    .policy(policy(language)).build();
            AgentResult result = agents.agent(agents.models(spec)).run(task.strip());
            var figures = AgentReport.saveFigures(result, settings.displayFiles());
            return CallToolResult.builder().addTextContent(JsonText.line(RunJson.of(result, figures), "result")).build();
        } catch (ModelException e) {
            return error("the model could not be called: " + e.getMessage());
        } catch (SandboxException e) {
            return error("the sandbox failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return error("run_agent failed: " + e.getMessage());
        }
    }

    /**
     * The policy of a session of this language: the server's; for the other language without its tool and setup
     * files, which are code of the server's language.
     */
    private SandboxPolicy policy(Language language) {
        SandboxPolicy policy = settings.agents().policy();
        return policy.language() == language ? policy
                : policy.toBuilder().language(language).pythonTools(List.of()).setup(List.of()).build();
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return (millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0)) + " s";
    }

    /** Ends every connection's session. */
    @Override
    public void close() {
        connections.values().forEach(connection -> connection.session().close());
        connections.clear();
    }
}
