package dev.codeact4j.sandbox;

/**
 * Receives a running execution's output as it is printed. The interpreter's own output arrives on the thread
 * that called {@code execute}; output of child processes arrives on reader threads. Calls never overlap.
 */
@FunctionalInterface
public interface OutputListener {
    OutputListener NONE = (stream, text) -> { };

    /** @param stream "stdout" or "stderr" */
    void onOutput(String stream, String text);
}
