package dev.codeact4j.store;

import java.util.Locale;

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
    /** Never finished: the process that ran it ended first (a crash, a kill). */
    INCOMPLETE;

    /** {@code running}, {@code succeeded}, {@code failed} or {@code incomplete}, as stored and shown. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static RunStatus parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
