package dev.codeact4j.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.model.ModelParameters;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.result.ResultProcessor;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.ResultValue;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.SessionPool;
import dev.codeact4j.tools.Tools;
import dev.codeact4j.trace.AgentTracing;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * A CodeAct agent: the model writes Python, the code runs in a sandboxed session that keeps its state, what it
 * printed comes back as the next observation, until the code calls {@code final_answer(...)}.
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
    private static final String CUT_OFF = "the reply was cut off at the output token limit; none of it was run";

    private final ModelCaller caller;
    private final String modelName;
    private final Sandbox sandbox;
    private final SessionPool pool;
    private final SandboxPolicy policy;
    private final int maxSteps;
    private final AgentMode mode;
    private final AnswerFormat expectedFormat;
    private final AnswerSchema answerSchema;
    private final int maxObservationChars;
    private final PromptTemplates prompts;
    private final List<AgentListener> listeners;
    private final Tools tools;
    private final Duration toolTimeout;
    private final AgentTracing tracing;
    private final RunMemory memory;
    private final ModelParameters modelParameters;

    private CodeActAgent(Builder builder) {
        this.tracing = AgentTracing.of(
                builder.openTelemetry != null ? builder.openTelemetry : GlobalOpenTelemetry.getOrNoop(),
                builder.spec, builder.endpoint, builder.chat, builder.streaming, builder.modelName);
        this.caller = new ModelCaller(builder.chat, builder.streaming, builder.spec, builder.endpoint,
                builder.modelTimeout, tracing);
        this.modelName = builder.modelName;
        this.pool = builder.pool;
        this.sandbox = builder.pool != null ? null : builder.sandbox != null ? builder.sandbox : Sandbox.create();
        this.policy = builder.pool != null ? builder.pool.policy() : builder.policy;
        this.maxSteps = builder.maxSteps;
        this.mode = builder.mode;
        this.expectedFormat = builder.expectedFormat;
        this.answerSchema = builder.answerSchema;
        this.maxObservationChars = builder.maxObservationChars;
        this.prompts = builder.prompts;
        this.listeners = List.copyOf(builder.listeners);
        this.tools = builder.tools;
        this.toolTimeout = builder.toolTimeout;
        this.memory = builder.memory;
        this.modelParameters = ModelParameters.of(builder.spec, builder.endpoint, builder.chat != null
                ? builder.chat.defaultRequestParameters() : builder.streaming.defaultRequestParameters());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Works on a task in a fresh session and returns how it ended. Throws a ModelException if the model fails. */
    public AgentResult run(String task) {
        return run(task, null);
    }

    /** Like {@link #run(String)}, with one more listener for this run's events. */
    public AgentResult run(String task, AgentListener listener) {
        try (Session session = openSession()) {
            return new Run(task, listener, true).execute(session);
        }
    }

    /**
     * Works on a task in a session the caller owns and keeps open: what earlier runs (or the caller) left in the
     * interpreter is there for this one, and what this run leaves stays for the next.
     */
    public AgentResult run(String task, Session session, AgentListener listener) {
        return new Run(task, listener, false).execute(Objects.requireNonNull(session, "session"));
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
                String task = PromptTemplates.render(prompts.multiStep(), Map.of(
                        "task", steps.get(i), "index", (i + 1) + " of " + steps.size(),
                        "variables", earlier.isEmpty() ? "none yet" : String.join(", ", earlier)));
                AgentResult result = new Run(task, listener, false).execute(session);
                results.add(result);
                keepStepResult(session, i, result);
            }
        }
        return results;
    }

    private void keepStepResult(Session session, int index, AgentResult result) {
        String variable = "step_" + index + "_result";
        if (result.success() && result.reason() == StopReason.FINAL_ANSWER && mode == AgentMode.MULTI_STEP) {
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
            current = PromptTemplates.render(prompts.retry(), Map.of("task", task, "failure", failure));
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
        if (result.answer() != null && result.answer().parseError() != null && expectedFormat != null) {
            return "its answer was not valid " + expectedFormat.label() + " (" + result.answer().parseError() + ").";
        }
        return null;
    }

    private Session openSession() {
        return pool != null ? pool.acquire() : sandbox.open(policy);
    }

    /** One run: its messages, steps and totals. */
    private final class Run {
        private final String runId = UUID.randomUUID().toString();
        private final String task;
        private final AgentListener extraListener;
        private final long started = System.nanoTime();
        private final List<ChatMessage> messages = new ArrayList<>();
        private final List<Step> steps = new ArrayList<>();
        private final TaskPattern pattern;
        // The memory only serves runs in a fresh session: in a session with state, the same task may well
        // mean something else.
        private final boolean freshSession;
        private RunMemory.RunSetup setup;
        private boolean cached;
        private String reusedFrom;
        private String reuseNote = "";
        private final List<ChatMessage> replayed = new ArrayList<>();

        Run(String task, AgentListener extraListener, boolean freshSession) {
            this.task = Objects.requireNonNull(task, "task");
            this.extraListener = extraListener;
            this.freshSession = freshSession;
            this.pattern = TaskPattern.classify(task);
        }

        AgentResult execute(Session session) {
            emit(new AgentEvent.RunStarted(runId, task, mode.label(), modelName));
            Span span = tracing.startRun(runId, mode.label());
            AgentResult result;
            try (Scope ignored = span.makeCurrent()) {
                offerTools(session);
                result = fromMemory(session);
                if (result == null) {
                    result = mode == AgentMode.SIMPLE ? simple(session) : loop(session);
                }
                if (setup != null) {
                    memory.remember(setup, result);
                }
            } catch (RuntimeException | Error e) {
                AgentTracing.fail(span, e);
                if (e instanceof RuntimeException failure) {
                    failed(failure);
                }
                throw e;
            }
            tracing.endRun(span, result.success(), result.reason().label(), result.steps().size(),
                    result.inputTokens(), result.outputTokens());
            emit(new AgentEvent.RunFinished(runId, result));
            return result;
        }

        /**
         * The memory's part at a run's start: the answer cached for this task and program (no model call, no
         * code run), else the cached program run again without the model, else a similar past solution for the
         * model to adapt. Null when the model is to work on the task.
         */
        private AgentResult fromMemory(Session session) {
            if (memory == null || !freshSession) {
                return null;
            }
            setup = new RunMemory.RunSetup(task, modelName, modelParameters, "python", mode.label(), expectedFormat,
                    answerSchema, tools, policy);
            Optional<RunMemory.CachedProgram> program = memory.cachedProgram(setup);
            if (program.isPresent()) {
                Optional<ProcessedAnswer> answer = memory.cachedAnswer(setup, program.get().code());
                cached = true;
                AgentResult result = answer.isPresent() ? finish(true, StopReason.FINAL_ANSWER, answer.get())
                        : replay(session, program.get());
                if (result != null) {
                    return result;
                }
                cached = false;
                memory.forget(setup);
            }
            memory.similarSolution(task, pastSolutions ->
                    emit(new AgentEvent.LoadingEmbeddingModel(runId, pastSolutions))).ifPresent(solution -> {
                reusedFrom = solution.runId();
                reuseNote = "\n\n" + PromptTemplates.render(prompts.reuse(), Map.of("similar_task", solution.task(),
                        "code", String.join("\n\n", solution.code())));
            });
            return null;
        }

        /**
         * Runs a cached program's steps again, without the model. Its answer when its last step reaches one; else
         * null, and the model carries on from there, shown the steps as if it had written them.
         */
        private AgentResult replay(Session session, RunMemory.CachedProgram program) {
            String thought = "(the cached program of run " + program.runId() + ", run again without the model)";
            ExecutionResult execution = null;
            for (String code : program.code()) {
                int step = steps.size();
                emit(new AgentEvent.StepStarted(runId, step));
                emit(new AgentEvent.CodeReady(runId, step, code));
                execution = runCode(session, step, code);
                String observation = Observations.describe(execution, maxObservationChars);
                emit(new AgentEvent.Observation(runId, step, observation, !execution.ok(), execution.duration().toMillis()));
                steps.add(new Step(step, thought, code, "Observation:\n" + observation, execution.error(), execution,
                        0, execution.duration().toMillis(), 0, 0));
                emit(new AgentEvent.StepFinished(runId, steps.get(steps.size() - 1)));
                replayed.add(AiMessage.from("```python\n" + code + "\n```"));
                replayed.add(UserMessage.from("Observation:\n" + observation));
            }
            ResultValue value = execution == null ? null : execution.finalAnswer() != null ? execution.finalAnswer()
                    : mode == AgentMode.SIMPLE && execution.ok() ? execution.result() : null;
            if (value == null) {
                return null;
            }
            ProcessedAnswer answer = ResultProcessor.process(answerJson(value), expectedFormat);
            if (answerSchema != null && !answerSchema.violations(answer.value()).isEmpty()) {
                return null;
            }
            emit(new AgentEvent.FinalAnswer(runId, steps.size() - 1, answer));
            return finish(true, StopReason.FINAL_ANSWER, answer);
        }

        /** The opening messages: the system prompt, the task (with a past solution to adapt), any replayed steps. */
        private void open(String systemTemplate) {
            messages.add(SystemMessage.from(systemPrompt(systemTemplate, pattern)));
            messages.add(UserMessage.from(task + reuseNote));
            messages.addAll(replayed);
        }

        private AgentResult loop(Session session) {
            open(prompts.system());
            for (int index = steps.size(); index < maxSteps; index++) {
                AgentResult finished = inStepSpan(index, step -> step(session, step));
                if (finished != null) {
                    return finished;
                }
            }
            return inStepSpan(Math.max(maxSteps, steps.size()), this::lastWord);
        }

        /** One step of the loop: the run's result when it ends here, else null. */
        private AgentResult step(Session session, int step) {
            emit(new AgentEvent.StepStarted(runId, step));
            ModelCaller.Reply reply = ask(step);
            if (reply.cutOff()) {
                emit(new AgentEvent.Error(runId, step, CUT_OFF));
                record(step, new CodeExtractor.Extracted(null, reply.text().strip(), List.of()), null, cutOffObservation(), reply);
                return null;
            }
            CodeExtractor.Extracted extracted = CodeExtractor.extract(reply.text(), text -> compiles(session, text));
            if (!extracted.hasCode()) {
                emit(new AgentEvent.Error(runId, step, extracted.onlyShell() ? "the reply had only shell commands" : "the reply had no code"));
                record(step, extracted, null, noCodeObservation(extracted), reply);
                return null;
            }
            emit(new AgentEvent.CodeReady(runId, step, extracted.code()));
            ExecutionResult execution = runCode(session, step, extracted.code());
            if (execution.finalAnswer() != null) {
                ProcessedAnswer answer = ResultProcessor.process(answerJson(execution.finalAnswer()), expectedFormat);
                List<String> violations = answerSchema == null ? List.of() : answerSchema.violations(answer.value());
                if (violations.isEmpty()) {
                    record(step, extracted, execution, "Final answer: " + Observations.cut(answer.text(), maxObservationChars), reply);
                    emit(new AgentEvent.FinalAnswer(runId, step, answer));
                    return finish(true, StopReason.FINAL_ANSWER, answer);
                }
                String observation = PromptTemplates.render(prompts.invalidAnswer(), Map.of("problem",
                        "it does not match the required JSON schema " + answerSchema + ": " + String.join("; ", violations)));
                emit(new AgentEvent.Error(runId, step, "the answer does not match the schema: " + String.join("; ", violations)));
                record(step, extracted, execution, observation, reply);
                return null;
            }
            String observation = Observations.describe(execution, maxObservationChars) + shellNotRun(extracted);
            emit(new AgentEvent.Observation(runId, step, observation, !execution.ok(), execution.duration().toMillis()));
            record(step, extracted, execution, "Observation:\n" + observation, reply);
            return null;
        }

        /** A shell block beside the Python was not run: the model must not believe that it installed or ran anything. */
        private String shellNotRun(CodeExtractor.Extracted extracted) {
            return extracted.shellCommands().isEmpty() ? ""
                    : "\nYour shell commands were not run: this session runs Python only, and packages cannot be installed.";
        }

        /** Runs a step inside its span, made current so that the step's model call and execution nest in it. */
        private AgentResult inStepSpan(int step, IntFunction<AgentResult> work) {
            Span span = tracing.startStep(step);
            try (Scope ignored = span.makeCurrent()) {
                AgentResult result = work.apply(step);
                span.end();
                return result;
            } catch (RuntimeException | Error e) {
                AgentTracing.fail(span, e);
                throw e;
            }
        }

        /** Runs code inside an execution span, made current so that the tool calls the code makes nest in it. */
        private ExecutionResult runCode(Session session, int step, String code) {
            Span span = tracing.startExecution();
            ExecutionResult execution;
            try (Scope ignored = span.makeCurrent()) {
                execution = session.execute(code, (stream, text) -> emit(new AgentEvent.ExecutionOutput(runId, step, stream, text)));
            } catch (RuntimeException | Error e) {
                AgentTracing.fail(span, e);
                throw e;
            }
            tracing.endExecution(span, execution);
            return execution;
        }

        /** The step limit is reached: one last call asks for the best answer; the run still counts as failed. */
        private AgentResult lastWord(int step) {
            messages.add(UserMessage.from(PromptTemplates.render(prompts.maxSteps(), Map.of("max_steps", maxSteps))));
            emit(new AgentEvent.StepStarted(runId, step));
            ModelCaller.Reply reply = ask(step);
            CodeExtractor.Extracted extracted = CodeExtractor.extract(reply.text());
            // the reply without its code and its reasoning; a reply that is only code (or only reasoning) as it is
            String visible = CodeExtractor.visible(reply.text());
            String text = extracted.hasCode() && !extracted.thought().isBlank() ? extracted.thought()
                    : !visible.isBlank() ? visible : reply.text().strip();
            ProcessedAnswer answer = ResultProcessor.processText(text, expectedFormat);
            steps.add(new Step(step, reply.text(), null, "The step limit was reached; this is the model's best answer.",
                    null, null, reply.millis(), 0, reply.inputTokens(), reply.outputTokens()));
            emit(new AgentEvent.StepFinished(runId, steps.get(steps.size() - 1)));
            emit(new AgentEvent.Error(runId, step, "the step limit of " + maxSteps + " was reached"));
            return finish(false, StopReason.MAX_STEPS, answer);
        }

        /** The seed's generateCode then execute: one reply, one run; its final answer, result or output is the answer. */
        private AgentResult simple(Session session) {
            open(prompts.simple());
            return inStepSpan(steps.size(), step -> simpleStep(session, step));
        }

        private AgentResult simpleStep(Session session, int step) {
            emit(new AgentEvent.StepStarted(runId, step));
            ModelCaller.Reply reply = ask(step);
            if (reply.cutOff()) { // simple mode has one reply: a cut-off one ends the run, saying why
                emit(new AgentEvent.Error(runId, step, CUT_OFF));
                record(step, new CodeExtractor.Extracted(null, reply.text().strip(), List.of()), null, cutOffObservation(), reply);
                return finish(false, StopReason.EXECUTION_FAILED, null);
            }
            CodeExtractor.Extracted extracted = CodeExtractor.extract(reply.text(), text -> compiles(session, text));
            if (!extracted.hasCode()) {
                emit(new AgentEvent.Error(runId, step, extracted.onlyShell() ? "the reply had only shell commands" : "the reply had no code"));
                record(step, extracted, null, noCodeObservation(extracted), reply);
                return finish(false, StopReason.EXECUTION_FAILED, null);
            }
            emit(new AgentEvent.CodeReady(runId, step, extracted.code()));
            ExecutionResult execution = runCode(session, step, extracted.code());
            String observation = Observations.describe(execution, maxObservationChars);
            emit(new AgentEvent.Observation(runId, step, observation, !execution.ok(), execution.duration().toMillis()));
            record(step, extracted, execution, "Observation:\n" + observation, reply);
            ProcessedAnswer answer;
            if (execution.finalAnswer() != null) {
                answer = ResultProcessor.process(answerJson(execution.finalAnswer()), expectedFormat);
            } else if (execution.result() != null) {
                answer = ResultProcessor.process(answerJson(execution.result()), expectedFormat);
            } else {
                answer = ResultProcessor.processText(execution.stdout(), expectedFormat);
            }
            boolean success = execution.finalAnswer() != null || execution.ok();
            if (success) {
                emit(new AgentEvent.FinalAnswer(runId, step, answer));
            }
            return finish(success, success ? StopReason.FINAL_ANSWER : StopReason.EXECUTION_FAILED, answer);
        }

        private ModelCaller.Reply ask(int step) {
            ModelCaller.Reply reply = caller.call(messages, text -> emit(new AgentEvent.ModelText(runId, step, text)));
            // the conversation keeps the reply as far as it was acted on: never an observation the model invented
            String actedOn = CodeExtractor.actedOn(reply.text());
            messages.add(AiMessage.from(actedOn.isBlank() ? "(empty reply)" : actedOn));
            emit(new AgentEvent.ModelReplied(runId, step, reply.millis(), reply.inputTokens(), reply.outputTokens()));
            return reply;
        }

        /**
         * Whether text found outside a Python fence is Python, as the interpreter's own parser says (compile only:
         * nothing runs, nothing in the session changes). Prose is never run to fail with a SyntaxError.
         */
        private boolean compiles(Session session, String text) {
            return session.executeHostCode("compile(" + TextNode.valueOf(text) + ", '<reply>', 'exec')\nNone").ok();
        }

        private String cutOffObservation() {
            return PromptTemplates.render(prompts.cutOff(), Map.of("language", "python"));
        }

        /** No Python in the reply: say what it had instead (only shell commands, or nothing), and how to write code. */
        private String noCodeObservation(CodeExtractor.Extracted extracted) {
            String found = extracted.onlyShell()
                    ? "Your reply had only shell commands, and they were not run: this session runs Python only, and "
                    + "packages cannot be installed. Use the modules that can be imported ("
                    + (policy.allowsAllImports() ? "any module" : String.join(", ", new TreeSet<>(policy.allowedImports())))
                    + "), and do in Python what the commands would do."
                    : "No code was found in your reply, so nothing was run.";
            return PromptTemplates.render(prompts.noCode(), Map.of("language", "python", "found", found));
        }

        private void record(int step, CodeExtractor.Extracted extracted, ExecutionResult execution, String observation,
                            ModelCaller.Reply reply) {
            steps.add(new Step(step, extracted.thought(), extracted.code(), observation,
                    execution == null ? null : execution.error(), execution, reply.millis(),
                    execution == null ? 0 : execution.duration().toMillis(), reply.inputTokens(), reply.outputTokens()));
            emit(new AgentEvent.StepFinished(runId, steps.get(steps.size() - 1)));
            messages.add(UserMessage.from(observation));
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
            return new AgentResult(runId, task, modelName, success, reason, answer, steps, millis, in, out, 1, cached,
                    reusedFrom);
        }

        private void emit(AgentEvent event) {
            for (AgentListener listener : listeners) {
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

    /** Defines the tools as functions in the session and routes their calls to the host. */
    private void offerTools(Session session) {
        if (tools.isEmpty()) {
            return;
        }
        session.toolHandler(tracing.traced(tools.handler(toolTimeout)));
        ExecutionResult defined = session.executeHostCode(tools.pythonDefinitions());
        if (!defined.ok()) {
            throw new IllegalStateException("the tools could not be defined in the session: " + defined.error().summary());
        }
    }

    private String toolsSection() {
        if (tools.isEmpty()) {
            return "";
        }
        return """

                Host tools: these functions are already defined in the interpreter. Call them like any Python function, \
                from loops and conditions as you need: they return Python values, and raise ToolError when they fail. \
                Filter and combine their results in code rather than printing them whole.
                ```python
                %s
                ```""".formatted(tools.pythonStubs());
    }

    private static JsonNode answerJson(ResultValue value) {
        return value.json() != null ? value.json() : TextNode.valueOf(value.repr());
    }

    private String systemPrompt(String template, TaskPattern pattern) {
        String imports = policy.allowsAllImports() ? "any module"
                : String.join(", ", new TreeSet<>(policy.allowedImports()));
        String format = "";
        if (answerSchema != null) {
            format = "The answer must be JSON that matches this schema: " + answerSchema + ".";
        } else if (expectedFormat == AnswerFormat.JSON) {
            format = "The task expects JSON: pass a dict or a list to final_answer.";
        } else if (expectedFormat == AnswerFormat.CSV) {
            format = "The task expects CSV: pass CSV text with a header row to final_answer.";
        } else if (expectedFormat == AnswerFormat.TEXT) {
            format = "The task expects text: pass a string to final_answer.";
        }
        return PromptTemplates.render(template, Map.of(
                "language", "python",
                "authorized_imports", imports,
                "answer_format", format,
                "network", networkRule(),
                "tools", toolsSection(),
                "pattern", prompts.pattern(pattern)));
    }

    /** What the model is told of the network, as the policy has it. */
    private String networkRule() {
        if (policy.network()) {
            return "The network can be reached.";
        }
        if (!policy.allowHosts().isEmpty()) {
            return "Only these hosts can be reached, over HTTP and HTTPS (requests, urllib and pandas work as usual): "
                    + String.join(", ", policy.allowHosts()) + ". Any other host answers 403.";
        }
        return "There is no network access.";
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
        private PromptTemplates prompts = PromptTemplates.defaults();
        private final List<AgentListener> listeners = new ArrayList<>();
        private Duration modelTimeout = Duration.ofMinutes(10);
        private Tools tools = Tools.none();
        private Duration toolTimeout = Duration.ofSeconds(60);
        private OpenTelemetry openTelemetry;
        private RunMemory memory;

        private Builder() {
        }

        /**
         * Caches and past solutions, e.g. in a run store's file ({@code dev.codeact4j.memory.AgentMemory}); none by
         * default. Only runs in a fresh session use it ({@link #run(String)}), not those in a session with state.
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

        /** Host tools the code can call as Python functions (Java lambdas, LangChain4j @Tool classes, MCP servers). */
        public Builder tools(Tools tools) {
            this.tools = Objects.requireNonNull(tools, "tools");
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
