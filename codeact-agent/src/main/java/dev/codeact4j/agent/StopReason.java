package dev.codeact4j.agent;

import java.util.Locale;

/** Why a run ended. */
public enum StopReason {
    /** The code called {@code final_answer} (or, in simple mode, ran without error). */
    FINAL_ANSWER,
    /** The step limit was reached; the answer is the model's best guess and the run is unsuccessful. */
    MAX_STEPS,
    /** Simple mode: the one execution failed. */
    EXECUTION_FAILED,
    /**
     * The model or its provider failed (a refused key, an unreachable endpoint, rate limits after the retries):
     * the run threw a {@code ModelException}, reported first as {@link AgentEvent.RunFailed}.
     */
    MODEL_ERROR,
    /** Something else failed that the run could not go on from (the sandbox, the tools), likewise thrown. */
    ERROR,
    /**
     * The run was stopped by whoever started it ({@link RunHandle#cancel()}): the code under way was interrupted,
     * a model call under way abandoned; the result has the steps done so far and no answer.
     */
    CANCELLED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
