package dev.codeact4j.agent;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.result.ResultProcessor;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.OutputListener;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.ToolCall;
import dev.codeact4j.trace.AgentTracing;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import java.util.List;
import java.util.Optional;

/**
 * One step, written once: ask the model (or take the code given), extract the code, run it, observe, record.
 * The multi-step loop, simple mode, a cached program run again and the model's last word at the step limit are
 * all steps of this cycle; what ends a run (an accepted answer, the mode, the step limit) is decided around it,
 * by {@link AgentRun}.
 */
final class StepCycle {
    private static final String CUT_OFF = "the reply was cut off at the output token limit; none of it was run";
    /** A step that no model call made: a cached program's. */
    private static final ModelCaller.Reply NO_REPLY = new ModelCaller.Reply("", 0, 0, 0, false);

    /**
     * How a step ended.
     *
     * @param execution what its code did, or null when no code ran
     * @param answer    the final answer it reached and the checks accepted, or null
     */
    record Outcome(ExecutionResult execution, ProcessedAnswer answer) {
        static final Outcome NOTHING_RAN = new Outcome(null, null);
    }

    private final AgentRun run;
    private final AgentSettings settings;
    private final Session session;

    StepCycle(AgentRun run, AgentSettings settings, Session session) {
        this.run = run;
        this.settings = settings;
        this.session = session;
    }

    /**
     * A step whose code the model writes. With {@code answerEnds} (the loop), a final answer is checked here:
     * accepted, it is the outcome's answer; refused, the model is told why.
     */
    Outcome fromModel(int index, boolean answerEnds) {
        run.emit(new AgentEvent.StepStarted(run.runId(), index));
        ModelCaller.Reply reply = ask(index);
        if (reply.cutOff()) {
            run.emit(new AgentEvent.Error(run.runId(), index, CUT_OFF));
            record(index, new CodeExtractor.Extracted(null, reply.text().strip(), List.of()), null,
                    settings.cutOffObservation(), reply);
            return Outcome.NOTHING_RAN;
        }
        CodeExtractor.Extracted extracted = CodeExtractor.extract(reply.text(), settings.language(), this::compiles);
        if (!extracted.hasCode()) {
            run.emit(new AgentEvent.Error(run.runId(), index,
                    extracted.onlyShell() ? "the reply had only shell commands" : "the reply had no code"));
            record(index, extracted, null, settings.noCodeObservation(extracted), reply);
            return Outcome.NOTHING_RAN;
        }
        return execute(index, extracted, reply, answerEnds);
    }

    /** A step whose code is given (a cached program's, run again without the model), shown as if the model wrote it. */
    Outcome given(int index, String code, String thought) {
        run.emit(new AgentEvent.StepStarted(run.runId(), index));
        run.messages().add(AiMessage.from("```" + settings.language().id() + "\n" + code + "\n```"));
        return execute(index, new CodeExtractor.Extracted(code, thought, List.of()), NO_REPLY, false);
    }

    /** The model's last word at the step limit: its best answer, taken from the reply's text; nothing runs. */
    ProcessedAnswer lastWord(int index) {
        run.messages().add(UserMessage.from(settings.maxStepsMessage()));
        run.emit(new AgentEvent.StepStarted(run.runId(), index));
        ModelCaller.Reply reply = ask(index);
        CodeExtractor.Extracted extracted = CodeExtractor.extract(reply.text(), settings.language());
        // the reply without its code and its reasoning; a reply that is only code (or only reasoning) as it is
        String visible = CodeExtractor.visible(reply.text());
        String text = extracted.hasCode() && !extracted.thought().isBlank() ? extracted.thought()
                : !visible.isBlank() ? visible : reply.text().strip();
        record(index, new CodeExtractor.Extracted(null, reply.text(), List.of()), null,
                "The step limit was reached; this is the model's best answer.", reply);
        return ResultProcessor.processText(text, settings.expectedFormat());
    }

    private Outcome execute(int index, CodeExtractor.Extracted extracted, ModelCaller.Reply reply, boolean answerEnds) {
        run.cancellation().check();
        run.emit(new AgentEvent.CodeReady(run.runId(), index, extracted.code()));
        ExecutionResult execution = runCode(index, extracted.code());
        if (run.cancellation().requested()) { // the code was interrupted: the step is kept as far as it went
            record(index, extracted, execution, "The run was cancelled while this code ran.", reply);
            throw new Cancellation.Cancelled();
        }
        ProcessedAnswer answer = answerEnds && execution.finalAnswer() != null ? settings.answerOf(execution) : null;
        if (answer != null) {
            Optional<AgentSettings.Rejection> rejection = settings.rejection(answer);
            if (rejection.isEmpty()) {
                record(index, extracted, execution,
                        "Final answer: " + Observations.cut(answer.text(), settings.maxObservationChars()), reply);
                run.emit(new AgentEvent.FinalAnswer(run.runId(), index, answer));
                return new Outcome(execution, answer);
            }
            run.emit(new AgentEvent.Error(run.runId(), index, rejection.get().summary()));
            record(index, extracted, execution, settings.invalidAnswerObservation(rejection.get().problem()), reply);
            return new Outcome(execution, null);
        }
        String observation = Observations.describe(execution, settings.maxObservationChars())
                + (extracted.shellCommands().isEmpty() ? "" : "\n" + settings.shellNotRun());
        run.emit(new AgentEvent.Observation(run.runId(), index, observation, !execution.ok(),
                execution.duration().toMillis()));
        record(index, extracted, execution, "Observation:\n" + observation, reply);
        return new Outcome(execution, null);
    }

    private ModelCaller.Reply ask(int index) {
        run.cancellation().check();
        ModelCaller.Reply reply = settings.caller().call(run.messages(),
                text -> run.emit(new AgentEvent.ModelText(run.runId(), index, text)), run.cancellation());
        // the conversation keeps the reply as far as it was acted on: never an observation the model invented
        String actedOn = CodeExtractor.actedOn(reply.text());
        run.messages().add(AiMessage.from(actedOn.isBlank() ? "(empty reply)" : actedOn));
        run.emit(new AgentEvent.ModelReplied(run.runId(), index, reply.millis(), reply.inputTokens(), reply.outputTokens()));
        return reply;
    }

    /** Runs code inside an execution span, made current so that the tool calls the code makes nest in it. */
    private ExecutionResult runCode(int index, String code) {
        Span span = settings.tracing().startExecution();
        ExecutionResult execution;
        try (Scope ignored = span.makeCurrent()) {
            // through the tools, which define themselves again in an interpreter that was replaced (out of memory)
            execution = settings.tools().execute(session, code, null, session.policy().timeout(), new OutputListener() {
                @Override
                public void onOutput(String stream, String text) {
                    run.emit(new AgentEvent.ExecutionOutput(run.runId(), index, stream, text));
                }

                @Override
                public void onDisplay(Display display) {
                    run.emit(new AgentEvent.ExecutionDisplay(run.runId(), index, display));
                }

                @Override
                public void onToolCall(ToolCall call) {
                    run.emit(new AgentEvent.ToolCalled(run.runId(), index, call));
                }
            }, run.toolHandler(), run.discoveryDefinitions());
        } catch (RuntimeException | Error e) {
            AgentTracing.fail(span, e);
            throw e;
        }
        settings.tracing().endExecution(span, execution);
        return execution;
    }

    /** The step as the run keeps it, told to the listeners; its observation is what the model reads next. */
    private void record(int index, CodeExtractor.Extracted extracted, ExecutionResult execution, String observation,
                        ModelCaller.Reply reply) {
        Step step = new Step(index, extracted.thought(), extracted.code(), observation,
                execution == null ? null : execution.error(), execution, reply.millis(),
                execution == null ? 0 : execution.duration().toMillis(), reply.inputTokens(), reply.outputTokens());
        run.steps().add(step);
        run.emit(new AgentEvent.StepFinished(run.runId(), step));
        run.messages().add(UserMessage.from(observation));
    }

    /**
     * Whether text found outside a fence of the language is code of it, as the interpreter's own parser says
     * (compile only: nothing runs, nothing in the session changes). Prose is never run to fail with a SyntaxError.
     */
    private boolean compiles(String text) {
        String source = TextNode.valueOf(text).toString(); // a JSON string is a Python and a JavaScript literal
        return session.executeHostCode(switch (settings.language()) {
            case PYTHON -> "compile(" + source + ", '<reply>', 'exec')\nNone";
            // an async function's body, as the kernel runs a cell: top-level await compiles
            case JAVASCRIPT -> "void new (Object.getPrototypeOf(async function () {}).constructor)(" + source + ");";
        }).ok();
    }
}
