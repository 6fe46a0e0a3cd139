package dev.codeact4j.store;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.AgentListener;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.Step;
import dev.codeact4j.agent.StopReason;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.network.NetworkRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Runs made up in Java, fed to a listener as the agent would emit them: for tests of the store that need many
 * runs, or exact figures, without a model or a sandbox.
 */
final class SyntheticRuns {
    private SyntheticRuns() {
    }

    /** A step whose code printed {@code stdout}, or failed with {@code errorType} when it is not null. */
    static Step step(int index, String errorType, long executionMs) {
        ExecutionError error = errorType == null ? null
                : new ExecutionError(errorType, errorType + " number " + index, "Traceback (most recent call last):\n"
                + "  File \"<cell-" + (index + 1) + ">\", line 1, in <module>\n" + errorType + ": " + errorType + " number " + index);
        ExecutionResult execution = new ExecutionResult("out " + index + "\n", "", null, null, error, List.of(), List.of(),
                List.of(new NetworkRequest("data.example.org", 443, "CONNECT", true, null, 120 + index, 4096)),
                Duration.ofMillis(executionMs), false, false, false);
        return new Step(index, "thought " + index, "print('out " + index + "')", "Observation:\nOutput:\nout " + index,
                error, execution, 100, executionMs, 10, 2);
    }

    /**
     * Emits a whole run to {@code listener}: RunStarted, one StepFinished per step, RunFinished. The run
     * succeeds with the answer 42 when {@code success}; each of {@code errorTypes} (null for none) is one step.
     */
    static AgentResult emit(AgentListener listener, String model, String task, boolean success, long durationMs,
                            String... errorTypes) {
        String runId = UUID.randomUUID().toString();
        listener.onEvent(new AgentEvent.RunStarted(runId, task, "multi-step", model, Language.PYTHON));
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < errorTypes.length; i++) {
            Step step = step(i, errorTypes[i], 5);
            steps.add(step);
            listener.onEvent(new AgentEvent.StepFinished(runId, step));
        }
        ProcessedAnswer answer = success ? new ProcessedAnswer(IntNode.valueOf(42), "42", AnswerFormat.JSON, null) : null;
        AgentResult result = new AgentResult(runId, task, model, success,
                success ? StopReason.FINAL_ANSWER : StopReason.MAX_STEPS, answer, steps, durationMs,
                steps.stream().mapToInt(Step::inputTokens).sum(), steps.stream().mapToInt(Step::outputTokens).sum(), 1);
        listener.onEvent(new AgentEvent.RunFinished(runId, result));
        return result;
    }

    /** Emits a run that was cancelled during its one step, as the agent does when its handle is cancelled. */
    static AgentResult cancelled(AgentListener listener, String model, String task) {
        String runId = UUID.randomUUID().toString();
        listener.onEvent(new AgentEvent.RunStarted(runId, task, "multi-step", model, Language.PYTHON));
        Step step = step(0, "KeyboardInterrupt", 5);
        listener.onEvent(new AgentEvent.StepFinished(runId, step));
        AgentResult result = new AgentResult(runId, task, model, false, StopReason.CANCELLED, null, List.of(step), 50,
                step.inputTokens(), step.outputTokens(), 1);
        listener.onEvent(new AgentEvent.RunFinished(runId, result));
        return result;
    }
}
