package dev.codeact4j.agent;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelParameters;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.StartupFile;
import dev.codeact4j.sandbox.SessionPool;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.ToolSearch;
import dev.codeact4j.tools.Tools;
import dev.codeact4j.trace.AgentTracing;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A CodeAct agent: the model writes Python (or JavaScript: {@link Builder#language}), the code runs in a sandboxed
 * session that keeps its state, what it printed comes back as the next observation, until the code calls
 * {@code final_answer(...)}.
 *
 * <pre>{@code
 * CodeActAgent agent = CodeActAgent.builder()
 *         .models(ChatModels.create(ModelSpec.parse("openrouter:google/gemini-2.5-flash"), ModelSettings.defaults()))
 *         .build();
 * AgentResult result = agent.run("What is the 20th Fibonacci number?");
 * }</pre>
 *
 * Each run is traced with OpenTelemetry (see {@link AgentTracing}) when an SDK is given or registered globally.
 * Each task is classified ({@link TaskPattern}) and the system prompt gets that kind's advice. With a
 * {@link RunMemory}, a run in a fresh session may be answered from the cache, or shown a similar past solution.
 */
public final class CodeActAgent {
    private final AgentSettings settings;
    private final Sandbox sandbox;
    private final SessionPool pool;

    private CodeActAgent(Builder builder) {
        AgentTracing tracing = AgentTracing.of(
                builder.openTelemetry != null ? builder.openTelemetry : GlobalOpenTelemetry.getOrNoop(),
                builder.spec, builder.endpoint, builder.chat, builder.streaming, builder.modelName);
        List<AnswerCheck> checks = new ArrayList<>();
        if (builder.answerSchema != null) {
            checks.add(new SchemaCheck(builder.answerSchema));
        }
        checks.addAll(builder.checks);
        SandboxPolicy policy = builder.pool != null ? builder.pool.policy() : builder.policy;
        if (!builder.pythonTools.isEmpty() || !builder.setup.isEmpty()) {
            if (builder.pool != null) {
                throw new IllegalStateException("the session pool's sessions start as its policy says: give the pool a "
                        + "policy with the Python tool and setup files (SandboxPolicy.builder().pythonTools(...).setup(...))");
            }
            List<StartupFile> pythonTools = new ArrayList<>(policy.pythonTools());
            pythonTools.addAll(builder.pythonTools);
            List<StartupFile> setup = new ArrayList<>(policy.setup());
            setup.addAll(builder.setup);
            policy = policy.toBuilder().pythonTools(pythonTools).setup(setup).build();
        }
        Language language = builder.language != null ? builder.language : policy.language();
        if (policy.language() != language) {
            if (builder.pool != null) {
                throw new IllegalStateException("the session pool's sessions run " + policy.language().displayName()
                        + ", not " + language.displayName() + ": give the pool a policy of that language");
            }
            policy = policy.toBuilder().language(language).build();
        }
        this.settings = new AgentSettings(
                new ModelCaller(builder.chat, builder.streaming, builder.spec, builder.endpoint, builder.modelTimeout, tracing),
                builder.modelName,
                ModelParameters.of(builder.spec, builder.endpoint, builder.chat != null
                        ? builder.chat.defaultRequestParameters() : builder.streaming.defaultRequestParameters()),
                policy, builder.maxSteps, builder.mode, builder.expectedFormat, builder.answerSchema, checks,
                builder.maxObservationChars, builder.prompts != null ? builder.prompts : PromptTemplates.defaults(language),
                builder.listeners, builder.tools, builder.toolTimeout, tracing, builder.memory, builder.dataListing,
                toolListing(builder), builder.toolListingBudget, builder.tools.discovery(language, builder.toolSearch));
        this.pool = builder.pool;
        this.sandbox = builder.pool != null ? null : builder.sandbox != null ? builder.sandbox : Sandbox.create();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The listing the builder asked for, settled per session (auto counts the session's Python tools): in simple
     * mode, whose one program cannot look at what a search found before it calls a tool, auto lists them in full.
     */
    private static ToolListing toolListing(Builder builder) {
        return builder.toolListing == ToolListing.AUTO && builder.mode == AgentMode.SIMPLE ? ToolListing.FULL
                : builder.toolListing;
    }

    /**
     * How the model is shown the host tools: {@link ToolListing#FULL} (every signature in the system prompt) or
     * {@link ToolListing#SEARCH} (the groups and names; the code finds the rest with search_tools and help). With
     * Python tool files, auto counts their functions too, once a session has read them: a run may then search
     * where this says full.
     */
    public ToolListing toolListing() {
        return settings.toolListing(List.of());
    }

    /** Works on a task in a fresh session and returns how it ended. Throws a ModelException if the model fails. */
    public AgentResult run(String task) {
        return run(task, null);
    }

    /** Like {@link #run(String)}, with one more listener for this run's events. */
    public AgentResult run(String task, AgentListener listener) {
        try (Session session = openSession()) {
            return new AgentRun(settings, task, listener, true, true, Cancellation.impossible()).execute(session);
        }
    }

    /** Like {@link #start(String, AgentListener)} without a listener of its own. */
    public RunHandle start(String task) {
        return start(task, null);
    }

    /**
     * Starts working on a task in a fresh session, on a thread of its own, and returns at once: the handle gives the
     * run's id, its result when it ends, and {@link RunHandle#cancel()}. Its events go to the agent's listeners and
     * to {@code listener} (null for none), as with {@link #run(String, AgentListener)}. The caller's trace context
     * goes along.
     */
    public RunHandle start(String task, AgentListener listener) {
        Cancellation cancellation = Cancellation.possible();
        AgentRun run = new AgentRun(settings, task, listener, true, true, cancellation);
        CompletableFuture<AgentResult> result = new CompletableFuture<>();
        Runnable work = Context.current().wrap(() -> {
            try (Session session = openSession()) {
                result.complete(run.execute(session));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        Thread.ofPlatform().name("codeact-run-" + run.runId()).start(work);
        return new RunHandle(run.runId(), result, cancellation);
    }

    /**
     * Works on a task in a session the caller owns and keeps open: what earlier runs (or the caller) left in the
     * interpreter is there for this one, and what this run leaves stays for the next.
     */
    public AgentResult run(String task, Session session, AgentListener listener) {
        return new AgentRun(settings, task, listener, false, false, Cancellation.impossible())
                .execute(Objects.requireNonNull(session, "session"));
    }

    /**
     * The seed's StatefulCodeActAgent: each step is a sub-task run in the same session, and each step's answer is
     * left in the interpreter as {@code step_0_result}, {@code step_1_result}, ... for the steps after it.
     */
    public List<AgentResult> executeMultiStep(List<String> steps) {
        return executeMultiStep(steps, null);
    }

    public List<AgentResult> executeMultiStep(List<String> steps, AgentListener listener) {
        List<AgentResult> results = new ArrayList<>();
        try (Session session = openSession()) {
            for (int i = 0; i < steps.size(); i++) {
                List<String> earlier = new ArrayList<>();
                for (int j = 0; j < i; j++) {
                    earlier.add("step_" + j + "_result");
                }
                String task = PromptTemplates.render(settings.prompts().multiStep(), Map.of(
                        "task", steps.get(i), "index", (i + 1) + " of " + steps.size(),
                        "variables", earlier.isEmpty() ? "none yet" : String.join(", ", earlier)));
                // the first step says what the session's setup did, as a run in a fresh session does
                AgentResult result = new AgentRun(settings, task, listener, false, i == 0, Cancellation.impossible())
                        .execute(session);
                results.add(result);
                keepStepResult(session, i, result);
            }
        }
        return results;
    }

    private void keepStepResult(Session session, int index, AgentResult result) {
        String variable = "step_" + index + "_result";
        if (settings.language() == Language.JAVASCRIPT) {
            // the answer as JSON (a JSON value is a JavaScript expression), else its text
            boolean answered = result.success() && result.answer() != null && result.answer().value() != null;
            String value = answered ? result.answer().value().toString()
                    : TextNode.valueOf(result.answerText() == null ? "" : result.answerText()).toString();
            session.executeHostCode("globalThis." + variable + " = " + value + ";");
        } else if (result.success() && result.reason() == StopReason.FINAL_ANSWER && settings.mode() == AgentMode.MULTI_STEP) {
            session.executeHostCode(variable + " = _final_answer");
        } else {
            String text = result.answerText() == null ? "" : result.answerText();
            session.executeHostCode(variable + " = " + TextNode.valueOf(text)); // a JSON string is a Python string literal
        }
    }

    /**
     * The seed's RobustCodeActAgent: a run that fails (no answer, or an answer that does not parse in the
     * expected format) is tried again, up to {@code maxAttempts} runs in all, each in a fresh session with the
     * earlier failure fed back in the task.
     */
    public AgentResult executeWithRetry(String task, int maxAttempts) {
        return executeWithRetry(task, maxAttempts, null);
    }

    public AgentResult executeWithRetry(String task, int maxAttempts, AgentListener listener) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        String current = task;
        AgentResult result = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            result = run(current, listener).withAttempts(attempt);
            String failure = failureOf(result);
            if (failure == null) {
                return result;
            }
            current = PromptTemplates.render(settings.prompts().retry(), Map.of("task", task, "failure", failure));
        }
        return result;
    }

    private String failureOf(AgentResult result) {
        if (!result.success()) {
            Step last = result.steps().isEmpty() ? null : result.steps().get(result.steps().size() - 1);
            String detail = last == null ? "" : last.error() != null ? " The last error was: " + last.error().summary()
                    : last.observation() == null ? "" : " The last observation was: " + Observations.cut(last.observation(), 600);
            return "it ended without an answer (" + result.reason().label() + ")." + detail;
        }
        if (result.answer() != null && result.answer().parseError() != null && settings.expectedFormat() != null) {
            return "its answer was not valid " + settings.expectedFormat().label() + " (" + result.answer().parseError() + ").";
        }
        return null;
    }

    private Session openSession() {
        return pool != null ? pool.acquire() : sandbox.open(settings.policy());
    }

    public static final class Builder {
        private ChatModel chat;
        private StreamingChatModel streaming;
        private ModelSpec spec;
        private String endpoint;
        private String modelName;
        private Sandbox sandbox;
        private SessionPool pool;
        private SandboxPolicy policy = SandboxPolicy.defaults();
        private int maxSteps = 10;
        private AgentMode mode = AgentMode.MULTI_STEP;
        private AnswerFormat expectedFormat;
        private AnswerSchema answerSchema;
        private int maxObservationChars = 20_000;
        /** Null: the defaults of the language. */
        private PromptTemplates prompts;
        private Language language;
        private final List<AgentListener> listeners = new ArrayList<>();
        private Duration modelTimeout = Duration.ofMinutes(10);
        private Tools tools = Tools.none();
        private Duration toolTimeout = Duration.ofSeconds(60);
        private ToolListing toolListing = ToolListing.AUTO;
        private int toolListingBudget = ToolListing.DEFAULT_BUDGET;
        private ToolSearch toolSearch = ToolSearch.keywords();
        private OpenTelemetry openTelemetry;
        private RunMemory memory;
        private final List<AnswerCheck> checks = new ArrayList<>();
        private final List<StartupFile> pythonTools = new ArrayList<>();
        private final List<StartupFile> setup = new ArrayList<>();
        private String dataListing = "";

        private Builder() {
        }

        /**
         * Python tool files, added to the policy's ({@link SandboxPolicy.Builder#pythonTools(Path...)}): each file's
         * public functions, with their signatures, type hints and docstrings, are tools the model is shown beside the
         * host tools, and run inside the sandbox. Read now; a file that cannot be read is an IllegalArgumentException,
         * and one that does not compile or imports what the policy refuses makes {@link CodeActAgent#run} throw a
         * {@link dev.codeact4j.sandbox.StartupFileException} naming its line, before any model call.
         */
        public Builder pythonTools(Path... files) {
            for (Path file : files) {
                pythonTools.add(StartupFile.read(file));
            }
            return this;
        }

        /**
         * Setup files of the language the model writes, added to the policy's
         * ({@link SandboxPolicy.Builder#setup(Path...)}): each session runs them before the first step (loading data,
         * defining helpers), and the model is told so with what they printed.
         */
        public Builder setup(Path... files) {
            for (Path file : files) {
                setup.add(StartupFile.read(file));
            }
            return this;
        }

        /**
         * Caches and past solutions, e.g. in a run store's file ({@code dev.codeact4j.memory.AgentMemory}); none by
         * default. Only runs in a fresh session use it ({@link CodeActAgent#run(String)}), not those in a session with
         * state.
         */
        public Builder memory(RunMemory memory) {
            this.memory = memory;
            return this;
        }

        /**
         * Where the runs' spans go (see {@link AgentTracing}). By default, the OpenTelemetry registered globally
         * when the agent is built (by the OpenTelemetry Java agent, or {@code buildAndRegisterGlobal()}), and
         * when there is none, nowhere, at no cost.
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /**
         * The language the model writes and the sessions run (default: the policy's, Python unless it says
         * otherwise): it sets the session policy's language, and the prompts' defaults unless {@link #prompts}
         * gives others.
         */
        public Builder language(Language language) {
            this.language = Objects.requireNonNull(language, "language");
            return this;
        }

        /**
         * Host tools the code can call as functions of its language (Java lambdas, LangChain4j @Tool classes, MCP
         * servers): in Python {@code name(arg=value)}, in JavaScript {@code await name({arg: value})}.
         */
        public Builder tools(Tools tools) {
            this.tools = Objects.requireNonNull(tools, "tools");
            return this;
        }

        /**
         * How the tools are shown to the model (default {@link ToolListing#AUTO}): every signature in the system
         * prompt, or their groups and names with search_tools and help in the code; auto lists them in full while
         * that takes no more than {@link #toolListingBudget} tokens, and always in simple mode.
         */
        public Builder toolListing(ToolListing toolListing) {
            this.toolListing = Objects.requireNonNull(toolListing, "toolListing");
            return this;
        }

        /**
         * The tokens the tool descriptions may take in the system prompt (default {@link ToolListing#DEFAULT_BUDGET},
         * counted by {@link dev.codeact4j.tools.TokenCount}): beyond it, auto searches rather than lists, and the
         * search listing names only the groups.
         */
        public Builder toolListingBudget(int tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("the tool listing's budget must be 0 tokens or more, got " + tokens);
            }
            this.toolListingBudget = tokens;
            return this;
        }

        /**
         * How search_tools ranks the tools (default {@link ToolSearch#keywords()}); the memory module's
         * {@code ToolEmbeddings} ranks them by meaning.
         */
        public Builder toolSearch(ToolSearch toolSearch) {
            this.toolSearch = Objects.requireNonNull(toolSearch, "toolSearch");
            return this;
        }

        /**
         * What the model is told of the session's data (the policy's {@code data}): its files, their columns and
         * first rows, datasets and how to load them; it fills the system prompt's {@code {{data}}}. codeact-data's
         * {@code DataListing} writes it.
         */
        public Builder dataListing(String dataListing) {
            this.dataListing = Objects.requireNonNull(dataListing, "dataListing");
            return this;
        }

        /** How long one tool call may take before the code gets a ToolError (default 60 s). */
        public Builder toolTimeout(Duration toolTimeout) {
            this.toolTimeout = Objects.requireNonNull(toolTimeout, "toolTimeout");
            return this;
        }

        /** The models built from a spec (blocking and streaming), with the spec kept for error messages. */
        public Builder models(ChatModels models) {
            this.chat = models.chat();
            this.streaming = models.streaming();
            this.spec = models.spec();
            this.endpoint = models.endpoint();
            this.modelName = models.spec().toString();
            return this;
        }

        /** Any LangChain4j chat model. */
        public Builder model(ChatModel chat) {
            this.chat = chat;
            return this;
        }

        /** A streaming model: replies are shown as they come; {@link #model} is then the fallback on retriable errors. */
        public Builder streamingModel(StreamingChatModel streaming) {
            this.streaming = streaming;
            return this;
        }

        /** The model's name in results and reports. */
        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        public Builder sandbox(Sandbox sandbox) {
            this.sandbox = sandbox;
            return this;
        }

        /** Take sessions from a warm pool (its policy then applies). */
        public Builder sessionPool(SessionPool pool) {
            this.pool = pool;
            return this;
        }

        public Builder policy(SandboxPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder maxSteps(int maxSteps) {
            if (maxSteps < 1) {
                throw new IllegalArgumentException("maxSteps must be at least 1, got " + maxSteps);
            }
            this.maxSteps = maxSteps;
            return this;
        }

        public Builder mode(AgentMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Parse the answer as this format instead of detecting it. */
        public Builder expectedFormat(AnswerFormat format) {
            this.expectedFormat = format;
            return this;
        }

        /** A JSON Schema the answer must satisfy; an answer that does not goes back to the model. */
        public Builder answerSchema(AnswerSchema schema) {
            this.answerSchema = schema;
            return this;
        }

        /**
         * One more check a final answer must pass (after the schema's, in the order given); an answer that fails
         * one goes back to the model, told the problem (see {@link AnswerCheck}).
         */
        public Builder answerCheck(AnswerCheck check) {
            this.checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** The longest observation the model is shown; longer ones keep their head and tail. */
        public Builder maxObservationChars(int maxObservationChars) {
            if (maxObservationChars < 200) {
                throw new IllegalArgumentException("maxObservationChars must be at least 200, got " + maxObservationChars);
            }
            this.maxObservationChars = maxObservationChars;
            return this;
        }

        public Builder prompts(PromptTemplates prompts) {
            this.prompts = Objects.requireNonNull(prompts, "prompts");
            return this;
        }

        public Builder listener(AgentListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** How long a streamed reply may take in all. */
        public Builder modelTimeout(Duration modelTimeout) {
            this.modelTimeout = modelTimeout;
            return this;
        }

        public CodeActAgent build() {
            if (chat == null && streaming == null) {
                throw new IllegalStateException("the agent needs a model: call models(...) or model(...)");
            }
            if (modelName == null) {
                modelName = chat != null ? chat.getClass().getSimpleName() : streaming.getClass().getSimpleName();
            }
            return new CodeActAgent(this);
        }
    }
}
