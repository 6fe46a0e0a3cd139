package dev.codeact4j.cli;

import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.agent.PromptTemplates;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.model.ReplayedChatModel;
import dev.codeact4j.model.RetryListener;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.SessionPool;
import dev.codeact4j.server.settings.InvalidRequestException;
import dev.codeact4j.server.settings.RunAgents;
import dev.codeact4j.memory.ToolEmbeddings;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.Tools;
import io.opentelemetry.api.OpenTelemetry;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Builds the agents of {@code run}, {@code demo}, {@code serve} and {@code mcp}'s {@code run_agent} alike, from the options and
 * the config file: the same sandbox, policy (and with it the language), tools and their listing (searched by meaning,
 * {@link ToolEmbeddings}), prompts ($CODEACT_HOME/prompts, for JavaScript $CODEACT_HOME/prompts/javascript), tracing,
 * and the same
 * memory: each run recorded in the run store, and answered from its caches or helped by past solutions unless
 * that is switched off. Immutable; {@link #newBuilder()} derives a factory that differs in a setting or two
 * (a call's step limit, an example's working directory) and shares the rest, as OkHttp's clients do.
 */
final class AgentFactory {
    /** One for the process: it keeps the tools' vectors, which every agent (one per run under serve) then shares. */
    private static final ToolEmbeddings TOOL_SEARCH = new ToolEmbeddings();

    private final Map<String, String> environment;
    private final ModelSettings modelSettings;
    private final int maxSteps;
    private final AgentMode mode;
    private final AnswerFormat format;
    private final AnswerSchema schema;
    /** Where the user's prompt files are (those of JavaScript in its {@code javascript} directory), or null. */
    private final Path promptsDirectory;
    private final Sandbox sandbox;
    private final SandboxPolicy policy;
    private final Tools tools;
    private final ToolListing toolListing;
    private final int toolListingBudget;
    /** What the model is told of the policy's data (empty: none). */
    private final String dataListing;
    private final OpenTelemetry openTelemetry;
    private final RunRecording recording;
    private final boolean memory;
    private final boolean cache;
    private final int poolSize;
    /** The sessions kept ready for runs of the base policy (config {@code poolSize}), shared by derived factories. */
    private final ReadySessions ready;

    /** A pool and what it was made for: only a run of that sandbox and policy takes its sessions. */
    private record ReadySessions(SessionPool pool, Sandbox sandbox, SandboxPolicy policy) {
        boolean serves(Sandbox sandbox, SandboxPolicy policy) {
            return this.sandbox == sandbox && this.policy.equals(policy);
        }
    }

    private AgentFactory(Builder builder) {
        environment = builder.environment;
        modelSettings = builder.modelSettings;
        maxSteps = builder.maxSteps;
        mode = builder.mode;
        format = builder.format;
        schema = builder.schema;
        promptsDirectory = builder.promptsDirectory;
        sandbox = builder.sandbox;
        policy = builder.policy;
        tools = builder.tools;
        toolListing = builder.toolListing;
        toolListingBudget = builder.toolListingBudget;
        dataListing = builder.dataListing;
        openTelemetry = builder.openTelemetry;
        recording = builder.recording;
        memory = builder.memory;
        cache = builder.cache;
        poolSize = builder.poolSize;
        ready = builder.ready != null || poolSize == 0 || sandbox == null ? builder.ready
                : new ReadySessions(new SessionPool(sandbox, policy, poolSize), sandbox, policy);
    }

    /** A factory of the built-in settings (and prompts), without the config file: {@code demo}'s. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * A factory of the config file in {@code home} (its mode; the prompts in its {@code prompts} directory),
     * calling models with the keys of {@code environment}; {@link Builder#models} adds the model options.
     */
    static Builder builder(CliConfig config, Path home, Map<String, String> environment) {
        Builder builder = builder();
        builder.environment = Map.copyOf(environment);
        builder.mode = config.mode() != null ? config.mode() : AgentMode.MULTI_STEP;
        builder.promptsDirectory = home.resolve("prompts");
        builder.poolSize = config.poolSize() != null ? config.poolSize() : 0;
        return builder;
    }

    /** A builder holding this factory's settings, to derive another from it. */
    Builder newBuilder() {
        return new Builder(this);
    }

    int maxSteps() {
        return maxSteps;
    }

    AgentMode mode() {
        return mode;
    }

    Sandbox sandbox() {
        return sandbox;
    }

    SandboxPolicy policy() {
        return policy;
    }

    /**
     * The model named by {@code spec}, with this factory's endpoint and key (else the provider's variable); a
     * model that cannot be made (no key) throws a {@link dev.codeact4j.model.ModelException}.
     */
    ChatModels models(ModelSpec spec) {
        return ChatModels.create(spec, modelSettings, environment);
    }

    /** An agent of a model made by {@link #models}. */
    CodeActAgent agent(ChatModels models) {
        return common().models(models).build();
    }

    /** An agent of a model whose replies were recorded ({@code demo}), shown as if streamed. */
    CodeActAgent agent(ReplayedChatModel model) {
        return common().model(model).streamingModel(new ReplayedStream(model)).modelName(model.name()).build();
    }

    /**
     * The agent of each run a client asks for ({@code codeact serve}'s runs, both MCP transports' run_agent), made
     * as {@code codeact run} makes it (memory, recording, tools, prompts) from this factory and what the request
     * asks; what it asks wrong is an {@link InvalidRequestException} naming the field. {@code command} and
     * {@code configFile} say where a default model is set, for the message when there is none.
     */
    RunAgents runAgents(ModelSpec defaultModel, String command, Path configFile) {
        return request -> {
            ModelSpec model = request.model() == null ? defaultModel
                    : parsed("model", request.model(), ModelSpec::parse);
            if (model == null) {
                throw new InvalidRequestException("model", "No model named, and the server has none by default: "
                        + "send \"model\": \"PROVIDER:MODEL\" (e.g. openrouter:google/gemini-2.5-flash), or start "
                        + command + " with --model, or set \"model\" in " + configFile + ".");
            }
            Builder run = newBuilder();
            if (request.mode() != null) {
                run.mode(parsed("mode", request.mode(), AgentMode::parse));
            }
            if (request.maxSteps() != null) {
                run.maxSteps(request.maxSteps());
            }
            if (request.format() != null) {
                run.format(parsed("format", request.format(), AnswerFormat::parse));
            }
            if (request.schema() != null) {
                run.schema(parsed("schema", request.schema(), AnswerSchema::of));
            }
            if (request.language() != null) {
                Language language = parsed("language", request.language(), Language::parse);
                run.policy(policy.forLanguage(language)); // the other language's run has no tool or setup files
            }
            AgentFactory factory = run.build();
            try {
                return factory.agent(factory.models(model));
            } catch (ModelException e) {
                throw new InvalidRequestException("model", e.getMessage());
            }
        };
    }

    private static <T, R> R parsed(String field, T value, Function<T, R> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, field + ": " + e.getMessage());
        }
    }

    private CodeActAgent.Builder common() {
        Objects.requireNonNull(sandbox, "the agents need a sandbox");
        Language language = policy.language();
        PromptTemplates prompts = PromptTemplates.defaults(language);
        if (promptsDirectory != null) {
            prompts = prompts.overriddenBy(language == Language.PYTHON ? promptsDirectory
                    : promptsDirectory.resolve(language.id()));
        }
        CodeActAgent.Builder agent = CodeActAgent.builder();
        if (ready != null && ready.serves(sandbox, policy)) {
            agent.sessionPool(ready.pool());
        } else {
            agent.sandbox(sandbox).policy(policy);
        }
        return agent
                .language(language)
                .maxSteps(maxSteps)
                .mode(mode)
                .expectedFormat(format)
                .answerSchema(schema)
                .prompts(prompts)
                .tools(tools)
                .toolListing(toolListing)
                .toolListingBudget(toolListingBudget)
                .toolSearch(TOOL_SEARCH)
                .dataListing(dataListing)
                .toolTimeout(HostTools.CALL_LIMIT)
                .openTelemetry(openTelemetry)
                .listener(recording.listener())
                .memory(memory ? recording.memory(cache) : null);
    }

    static final class Builder {
        private Map<String, String> environment = Map.of();
        private ModelSettings modelSettings = ModelSettings.defaults();
        private int maxSteps = CliConfig.DEFAULT_MAX_STEPS;
        private AgentMode mode = AgentMode.MULTI_STEP;
        private AnswerFormat format;
        private AnswerSchema schema;
        private Path promptsDirectory;
        private Sandbox sandbox;
        private SandboxPolicy policy = SandboxPolicy.defaults();
        private Tools tools = Tools.none();
        private ToolListing toolListing = ToolListing.AUTO;
        private int toolListingBudget = ToolListing.DEFAULT_BUDGET;
        private String dataListing = "";
        private OpenTelemetry openTelemetry = OpenTelemetry.noop();
        private RunRecording recording = RunRecording.NONE;
        private boolean memory = true;
        private boolean cache = true;
        private int poolSize;
        private ReadySessions ready;

        private Builder() {
        }

        private Builder(AgentFactory factory) {
            environment = factory.environment;
            modelSettings = factory.modelSettings;
            maxSteps = factory.maxSteps;
            mode = factory.mode;
            format = factory.format;
            schema = factory.schema;
            promptsDirectory = factory.promptsDirectory;
            sandbox = factory.sandbox;
            policy = factory.policy;
            tools = factory.tools;
            toolListing = factory.toolListing;
            toolListingBudget = factory.toolListingBudget;
            dataListing = factory.dataListing;
            openTelemetry = factory.openTelemetry;
            recording = factory.recording;
            memory = factory.memory;
            cache = factory.cache;
            poolSize = factory.poolSize;
            ready = factory.ready;
        }

        /** The model options: endpoint and key (each over the config file's), and the step limit. */
        Builder models(ModelOptions options, CliConfig config) {
            modelSettings = options.settings(config);
            maxSteps = options.maxSteps(config);
            return this;
        }

        /** Told when a model call is retried (rate limited, provider busy). */
        Builder retryListener(RetryListener listener) {
            modelSettings = modelSettings.withRetryListener(listener);
            return this;
        }

        Builder maxSteps(int maxSteps) {
            this.maxSteps = maxSteps;
            return this;
        }

        /** The mode, when given (null keeps the config file's, else multi-step). */
        Builder mode(AgentMode mode) {
            if (mode != null) {
                this.mode = mode;
            }
            return this;
        }

        Builder format(AnswerFormat format) {
            this.format = format;
            return this;
        }

        Builder schema(AnswerSchema schema) {
            this.schema = schema;
            return this;
        }

        Builder sandbox(Sandbox sandbox, SandboxPolicy policy) {
            this.sandbox = sandbox;
            this.policy = policy;
            return this;
        }

        Builder policy(SandboxPolicy policy) {
            this.policy = policy;
            return this;
        }

        Builder tools(Tools tools) {
            this.tools = tools;
            return this;
        }

        /** How the tools are shown to the model: the options over the config file ({@link ToolListingOptions}). */
        Builder toolListing(ToolListingOptions options, CliConfig config) {
            this.toolListing = options.listing(config);
            this.toolListingBudget = options.budget(config);
            return this;
        }

        /** The policy's data as the model is told of it ({@link DataOptions.Offer#listing()}). */
        Builder dataListing(String dataListing) {
            this.dataListing = dataListing;
            return this;
        }

        Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
            return this;
        }

        /** Records the runs there, and takes the memory (caches, past solutions) from the same store. */
        Builder recording(RunRecording recording) {
            this.recording = recording;
            return this;
        }

        /** Whether answers may come from the cache (--no-cache: no), when the memory is used at all. */
        Builder cache(boolean cache) {
            this.cache = cache;
            return this;
        }

        /** Whether the agents use the memory at all: caches and past solutions (recording goes on without it). */
        Builder memory(boolean memory) {
            this.memory = memory;
            return this;
        }

        AgentFactory build() {
            return new AgentFactory(this);
        }
    }
}
