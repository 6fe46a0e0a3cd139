package dev.codeact4j.agent;

import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.ToolCall;

import java.util.List;

/** What a run reports while it goes, so that a CLI or a server can show progress live. */
public sealed interface AgentEvent {

    /** The run this event belongs to. */
    String runId();

    /** {@code model} is the model's name as in {@link AgentResult#model()}; {@code language} the one its code is in. */
    record RunStarted(String runId, String task, String mode, String model, Language language) implements AgentEvent { }

    /**
     * The embedding model is about to be loaded (once per process, about a second), to compare the task with the
     * {@code pastSolutions} kept in the agent's memory: said before the first step, so that a display can say
     * what the wait is for.
     */
    record LoadingEmbeddingModel(String runId, int pastSolutions) implements AgentEvent { }

    record StepStarted(String runId, int step) implements AgentEvent { }

    /** A piece of the model's reply, as it streams in. */
    record ModelText(String runId, int step, String text) implements AgentEvent { }

    /** The model's reply is complete. */
    record ModelReplied(String runId, int step, long durationMs, int inputTokens, int outputTokens) implements AgentEvent { }

    record CodeReady(String runId, int step, String code) implements AgentEvent { }

    /** Output of the running code, as it is printed. */
    record ExecutionOutput(String runId, int step, String stream, String text) implements AgentEvent { }

    /** A figure or a table the running code displayed, as soon as it is shown (also in the step's execution). */
    record ExecutionDisplay(String runId, int step, Display display) implements AgentEvent { }

    /**
     * A host tool the running code called, once the tool has answered or failed (its name, arguments, result or
     * error, and how long it took), before the code goes on.
     */
    record ToolCalled(String runId, int step, ToolCall call) implements AgentEvent { }

    record Observation(String runId, int step, String text, boolean error, long durationMs) implements AgentEvent { }

    /** A step is complete, with everything {@link AgentResult#steps()} will hold of it (a run store writes it now). */
    record StepFinished(String runId, Step step) implements AgentEvent { }

    record FinalAnswer(String runId, int step, ProcessedAnswer answer) implements AgentEvent { }

    /** Something went wrong that the run goes on from (a reply without code, an invalid answer). */
    record Error(String runId, int step, String message) implements AgentEvent { }

    record RunFinished(String runId, AgentResult result) implements AgentEvent { }

    /**
     * The run ended without a result: the model or its provider failed ({@link StopReason#MODEL_ERROR}), or
     * something else did ({@link StopReason#ERROR}). The exception is thrown to the caller right after this event.
     *
     * @param message    what went wrong, as the exception says it (for a model, with the provider's own words)
     * @param steps      the steps completed before the failure
     * @param durationMs wall-clock time from the run's start to the failure
     */
    record RunFailed(String runId, StopReason reason, String message, List<Step> steps, long durationMs,
                     int inputTokens, int outputTokens) implements AgentEvent {
        public RunFailed {
            steps = List.copyOf(steps);
        }
    }
}
