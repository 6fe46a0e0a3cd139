package dev.codeact4j.server.runs;

import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.server.settings.InvalidRequestException;
import dev.codeact4j.server.settings.RunAgents;
import dev.codeact4j.server.settings.RunRequest;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.Tools;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents of a test server, made as {@code codeact serve} makes them, each run's model a {@link ScriptedModelServer}
 * named {@code openai:NAME} (the request's model; {@code openai:scripted} when it names none): real models over
 * HTTP, real sessions, the request's mode, steps, format, schema and language, and the store's recorder.
 */
final class ScriptedAgents implements RunAgents {
    static final String DEFAULT_MODEL = "openai:scripted";

    private final Sandbox sandbox;
    private final Map<String, ScriptedModelServer> models = new ConcurrentHashMap<>();
    private final Map<String, SandboxPolicy> policies = new ConcurrentHashMap<>();
    private volatile Tools tools = Tools.none();
    private volatile RunStore store;

    ScriptedAgents(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    /** The model server of {@code openai:NAME}, opened on first use. */
    ScriptedModelServer model(String spec) {
        return models.computeIfAbsent(spec, name -> ScriptedModelServer.openAi());
    }

    /** Runs of this model run under this policy (default: a 20 s time limit, 1 s interrupt grace). */
    ScriptedAgents policy(String spec, SandboxPolicy policy) {
        policies.put(spec, policy);
        return this;
    }

    ScriptedAgents tools(Tools tools) {
        this.tools = tools;
        return this;
    }

    ScriptedAgents recordIn(RunStore store) {
        this.store = store;
        return this;
    }

    void close() {
        models.values().forEach(ScriptedModelServer::close);
    }

    @Override
    public CodeActAgent agent(RunRequest request) {
        String spec = request.model() == null ? DEFAULT_MODEL : request.model();
        ScriptedModelServer server = models.get(spec);
        if (server == null) {
            throw new InvalidRequestException("model", "No model " + spec + " in this test.");
        }
        ChatModels chat = ChatModels.create(ModelSpec.parse(spec), ModelSettings.defaults().withBaseUrl(server.baseUrl())
                .withApiKey("test-key").withMaxRetries(1).withTimeout(Duration.ofSeconds(60)), Map.of());
        SandboxPolicy policy = policies.getOrDefault(spec, SandboxPolicy.builder().timeout(Duration.ofSeconds(20))
                .interruptGrace(Duration.ofSeconds(1)).build());
        if (request.language() != null) {
            policy = policy.forLanguage(Language.parse(request.language()));
        }
        CodeActAgent.Builder agent = CodeActAgent.builder().models(chat).sandbox(sandbox).policy(policy).tools(tools);
        if (request.mode() != null) {
            agent.mode(AgentMode.parse(request.mode()));
        }
        if (request.maxSteps() != null) {
            agent.maxSteps(request.maxSteps());
        }
        if (request.format() != null) {
            agent.expectedFormat(AnswerFormat.parse(request.format()));
        }
        if (request.schema() != null) {
            agent.answerSchema(AnswerSchema.of(request.schema()));
        }
        if (store != null) {
            agent.listener(store.recorder());
        }
        return agent.build();
    }
}
