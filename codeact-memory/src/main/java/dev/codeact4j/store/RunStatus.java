package dev.codeact4j.store;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.StopReason;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where a stored run stands. */
public enum RunStatus {
    /** Started and not finished: under way in a live process. */
    RUNNING,
    /** Finished with an answer. */
    SUCCEEDED,
    /**
     * Finished without an answer: the step limit, simple mode's code failed, or the model, its provider or
     * something else failed (then {@link StoredRun#error()} says how).
     */
    FAILED,
    /**
     * Never finished: the process that ran it ended first (a crash, a kill), or stopped it on its way out (a
     * server shutting down, see {@link RunStore#runIncomplete}).
     */
    INCOMPLETE,
    /** Stopped by whoever started it ({@link StopReason#CANCELLED}): without an answer, with the steps done so far. */
    CANCELLED;

    /** {@code running}, {@code succeeded}, {@code failed}, {@code incomplete} or {@code cancelled}, as stored and shown. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Where a run that ended with {@code result} stands. */
    public static RunStatus of(AgentResult result) {
        if (result.reason() == StopReason.CANCELLED) {
            return CANCELLED;
        }
        return result.success() ? SUCCEEDED : FAILED;
    }

    /** The status of this label ({@code cancelled}, say); an IllegalArgumentException lists the labels otherwise. */
    public static RunStatus parse(String label) {
        for (RunStatus status : values()) {
            if (status.label().equalsIgnoreCase(label.strip())) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown status '" + label + "'; use one of " + Arrays.stream(values())
                .map(RunStatus::label).collect(Collectors.joining(", ")));
    }
}
