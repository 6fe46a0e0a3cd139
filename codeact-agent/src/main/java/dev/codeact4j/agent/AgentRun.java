package dev.codeact4j.agent;

import dev.codeact4j.model.ModelException;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.result.ResultProcessor;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.StartupFile;
import dev.codeact4j.sandbox.StartupFileException;
import dev.codeact4j.sandbox.ToolHandler;
import dev.codeact4j.tools.ToolDiscovery;
import dev.codeact4j.trace.AgentTracing;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * One run: its messages, steps and events, and what is built around the {@link StepCycle}: the memory (a cached
 * answer, a cached program run again, a past solution to adapt), the multi-step loop with its last word at the
 * step limit, and simple mode's single step.
 */
final class AgentRun {
    private final String runId = UUID.randomUUID().toString();
    private final AgentSettings settings;
    private final String task;
    private final AgentListener extraListener;
    private final long started = System.nanoTime();
    private final List<ChatMessage> messages = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    // The memory only serves runs in a fresh session: in a session with state, the same task may well mean
    // something else.
    private final boolean freshSession;
    /** Whether this run says what the session's setup did: the first in a session the agent opened. */
    private final boolean showSetup;
    private final Cancellation cancellation;
    private Session session;
    /** Whether the session gets search_tools and help ({@link AgentSettings#discovers}), settled once per run. */
    private boolean discovers;
    private RunMemory.RunSetup setup;
    private boolean cached;
    private String reusedFrom;
    private String reuseNote = "";

    AgentRun(AgentSettings settings, String task, AgentListener extraListener, boolean freshSession, boolean showSetup,
             Cancellation cancellation) {
        this.settings = settings;
        this.task = Objects.requireNonNull(task, "task");
        this.extraListener = extraListener;
        this.freshSession = freshSession;
        this.showSetup = showSetup;
        this.cancellation = cancellation;
    }

    String runId() {
        return runId;
    }

    List<ChatMessage> messages() {
        return messages;
    }

    List<Step> steps() {
        return steps;
    }

    Cancellation cancellation() {
        return cancellation;
    }

    AgentResult execute(Session session) {
        emit(new AgentEvent.RunStarted(runId, task, settings.mode().label(), settings.modelName(), settings.language()));
        Span span = settings.tracing().startRun(runId, settings.mode().label());
        AgentResult result;
        cancellation.onRequest(session::interrupt);
        try (Scope ignored = span.makeCurrent()) {
            this.session = session;
            this.discovers = settings.discovers(session.pythonTools());
            ExecutionResult setupResult = session.setupResult();
            if (showSetup && setupResult != null) {
                emit(new AgentEvent.SetupFinished(runId, session.policy().setup().stream().map(StartupFile::name).toList(),
                        setupResult));
            }
            offerTools(session);
            StepCycle cycle = new StepCycle(this, settings, session);
            result = settings.memory() != null && freshSession ? fromMemory(cycle) : null;
            if (result == null) {
                result = settings.mode() == AgentMode.SIMPLE ? simple(cycle) : loop(cycle);
            }
            if (setup != null) {
                settings.memory().remember(setup, result);
            }
        } catch (RuntimeException | Error e) {
            if (!(e instanceof RuntimeException) || !cancellation.requested()) {
                AgentTracing.fail(span, e);
                if (e instanceof RuntimeException failure) {
                    failed(failure);
                }
                throw e;
            }
            // Stopped on request: whatever failed on the way (an interrupted tool definition, say) is its doing.
            result = finish(false, StopReason.CANCELLED, null);
        }
        settings.tracing().endRun(span, result.success(), result.reason().label(), result.steps().size(),
                result.inputTokens(), result.outputTokens());
        emit(new AgentEvent.RunFinished(runId, result));
        return result;
    }

    /**
     * The memory's part at a run's start: the answer cached for this task and program (no model call, no code
     * run), else the cached program run again without the model, else a similar past solution for the model to
     * adapt. Null when the model is to work on the task.
     */
    private AgentResult fromMemory(StepCycle cycle) {
        RunMemory memory = settings.memory();
        setup = new RunMemory.RunSetup(task, settings.modelName(), settings.modelParameters(), settings.language().id(),
                settings.mode().label(), settings.expectedFormat(), settings.answerSchema(), settings.tools(),
                settings.policy());
        Optional<RunMemory.CachedProgram> program = memory.cachedProgram(setup);
        if (program.isPresent()) {
            cached = true;
            Optional<ProcessedAnswer> answer = memory.cachedAnswer(setup, program.get().code())
                    .filter(cachedAnswer -> settings.rejection(cachedAnswer).isEmpty());
            AgentResult result = answer.isPresent() ? finish(true, StopReason.FINAL_ANSWER, answer.get())
                    : replay(cycle, program.get());
            if (result != null) {
                return result;
            }
            cached = false;
            memory.forget(setup);
        }
        memory.similarSolution(task, settings.language(),
                        pastSolutions -> emit(new AgentEvent.LoadingEmbeddingModel(runId, pastSolutions)))
                .ifPresent(solution -> {
                    reusedFrom = solution.runId();
                    reuseNote = "\n\n" + PromptTemplates.render(settings.prompts().reuse(), Map.of(
                            "similar_task", solution.task(), "code", String.join("\n\n", solution.code()),
                            "language", settings.language().id()));
                });
        return null;
    }

    /**
     * Runs a cached program's steps again, without the model. Its answer when its last step reaches one that
     * passes the checks; else null, and the model carries on from there, shown the steps as if it had written them.
     */
    private AgentResult replay(StepCycle cycle, RunMemory.CachedProgram program) {
        String thought = "(the cached program of run " + program.runId() + ", run again without the model)";
        ExecutionResult last = null;
        for (String code : program.code()) {
            last = cycle.given(steps.size(), code, thought).execution();
        }
        ProcessedAnswer answer = last == null ? null : settings.answerOf(last);
        if (answer == null || settings.rejection(answer).isPresent()) {
            return null;
        }
        emit(new AgentEvent.FinalAnswer(runId, steps.size() - 1, answer));
        return finish(true, StopReason.FINAL_ANSWER, answer);
    }

    private AgentResult loop(StepCycle cycle) {
        open(settings.prompts().system());
        for (int index = steps.size(); index < settings.maxSteps(); index++) {
            ProcessedAnswer answer = inStepSpan(index, step -> cycle.fromModel(step, true)).answer();
            if (answer != null) {
                return finish(true, StopReason.FINAL_ANSWER, answer);
            }
        }
        // The step limit is reached: one last call asks for the best answer; the run still counts as failed.
        int index = Math.max(settings.maxSteps(), steps.size());
        ProcessedAnswer best = inStepSpan(index, cycle::lastWord);
        emit(new AgentEvent.Error(runId, index, "the step limit of " + settings.maxSteps() + " was reached"));
        return finish(false, StopReason.MAX_STEPS, best);
    }

    /** The seed's generateCode then execute: one reply, one run; its final answer, result or output is the answer. */
    private AgentResult simple(StepCycle cycle) {
        open(settings.prompts().simple());
        int index = steps.size();
        ExecutionResult execution = inStepSpan(index, step -> cycle.fromModel(step, false)).execution();
        if (execution == null) { // cut off, or no code: simple mode has one reply, so the run ends, saying why
            return finish(false, StopReason.EXECUTION_FAILED, null);
        }
        ProcessedAnswer answer = settings.answerOf(execution);
        if (answer == null) {
            return finish(false, StopReason.EXECUTION_FAILED,
                    ResultProcessor.processText(execution.stdout(), settings.expectedFormat()));
        }
        emit(new AgentEvent.FinalAnswer(runId, index, answer));
        return finish(true, StopReason.FINAL_ANSWER, answer);
    }

    /** The opening messages (the system prompt, the task with a past solution to adapt) before any replayed steps. */
    private void open(String systemTemplate) {
        messages.addAll(0, List.of(SystemMessage.from(settings.systemPrompt(systemTemplate, TaskPattern.classify(task), session)),
                UserMessage.from(task + reuseNote)));
    }

    /** Runs a step inside its span, made current so that the step's model call and execution nest in it. */
    private <T> T inStepSpan(int index, IntFunction<T> work) {
        Span span = settings.tracing().startStep(index);
        try (Scope ignored = span.makeCurrent()) {
            T result = work.apply(index);
            span.end();
            return result;
        } catch (RuntimeException | Error e) {
            AgentTracing.fail(span, e);
            throw e;
        }
    }

    /**
     * Defines the tools as functions in the session, with search_tools and help (in every listing, so that code
     * written in one still runs in the other), and routes their calls to the host, traced.
     */
    private void offerTools(Session session) {
        if (discovers) { // defined after the Python tools, they would replace one of these names
            for (PythonTool tool : session.pythonTools()) {
                if (tool.name().equals(ToolDiscovery.SEARCH_TOOLS) || tool.name().equals("help")) {
                    throw new StartupFileException("the Python tool file " + tool.file() + " defines " + tool.name()
                            + ", which the agent defines itself beside host tools (search_tools and help find "
                            + "them); rename it", tool.file(), 0, "");
                }
            }
        }
        settings.tools().offerTo(session, toolHandler(), discoveryDefinitions());
    }

    /** Where the code's calls of host tools go: search_tools to the discovery, the rest to the tools; each traced. */
    ToolHandler toolHandler() {
        return settings.tracing().traced(!discovers ? settings.tools().handler(settings.toolTimeout())
                : settings.discovery().handler(settings.tools().handler(settings.toolTimeout()), session.pythonTools()));
    }

    /**
     * The code that defines search_tools and help after the tools, whenever they are defined; empty when the
     * session gets neither ({@link AgentSettings#discovers}).
     */
    String discoveryDefinitions() {
        return discovers ? settings.discovery().definitions(session.pythonTools()) : "";
    }

    /** Tells the listeners (a run store, say) how the run ended when it ends by an exception. */
    private void failed(RuntimeException failure) {
        StopReason reason = failure instanceof ModelException ? StopReason.MODEL_ERROR : StopReason.ERROR;
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        emit(new AgentEvent.RunFailed(runId, reason, message, steps, (System.nanoTime() - started) / 1_000_000,
                steps.stream().mapToInt(Step::inputTokens).sum(), steps.stream().mapToInt(Step::outputTokens).sum()));
    }

    private AgentResult finish(boolean success, StopReason reason, ProcessedAnswer answer) {
        int in = steps.stream().mapToInt(Step::inputTokens).sum();
        int out = steps.stream().mapToInt(Step::outputTokens).sum();
        long millis = (System.nanoTime() - started) / 1_000_000;
        return new AgentResult(runId, task, settings.modelName(), success, reason, answer, steps, millis, in, out, 1,
                cached, reusedFrom, settings.language());
    }

    void emit(AgentEvent event) {
        for (AgentListener listener : settings.listeners()) {
            notify(listener, event);
        }
        if (extraListener != null) {
            notify(extraListener, event);
        }
    }

    private static void notify(AgentListener listener, AgentEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException ignored) {
            // a broken listener must not break the run
        }
    }
}
