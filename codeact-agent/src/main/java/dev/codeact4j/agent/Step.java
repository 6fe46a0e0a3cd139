package dev.codeact4j.agent;

import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.ExecutionResult;

/**
 * One step of a run: the model's reply, the code taken from it, and what running the code showed.
 *
 * @param index           counting from 0
 * @param thought         the reply's text outside the code
 * @param code            the code that ran, or null when the reply had none
 * @param observation     what the model was shown next
 * @param error           the execution's error, or null
 * @param execution       the full execution result, or null when nothing ran
 * @param modelMillis     how long the model took
 * @param executionMillis how long the code took
 */
public record Step(
        int index,
        String thought,
        String code,
        String observation,
        ExecutionError error,
        ExecutionResult execution,
        long modelMillis,
        long executionMillis,
        int inputTokens,
        int outputTokens) {

    /** The host tools the step's code called, in order. */
    public java.util.List<dev.codeact4j.sandbox.ToolCall> toolCalls() {
        return execution == null ? java.util.List.of() : execution.toolCalls();
    }

    /**
     * Whether code ran in this step. A reply without code, and the model's last word when the step limit is
     * reached, are model calls but not steps that ran code: the history, the report and {@code show} count
     * only the steps that did, so that {@code --max-steps 3} is never listed as 4.
     */
    public boolean ranCode() {
        return code != null;
    }

    public long durationMillis() {
        return modelMillis + executionMillis;
    }
}
