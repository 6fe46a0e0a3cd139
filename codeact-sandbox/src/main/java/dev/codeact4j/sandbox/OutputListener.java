package dev.codeact4j.sandbox;

/**
 * Receives a running execution's output as it is printed, and its displays as they are shown. The interpreter's
 * own output and displays arrive on the thread that called {@code execute}; output of child processes arrives on
 * reader threads. Calls never overlap.
 */
@FunctionalInterface
public interface OutputListener {
    OutputListener NONE = (stream, text) -> { };

    /** @param stream "stdout" or "stderr" */
    void onOutput(String stream, String text);

    /** A figure or table as the code shows it (the result lists it too, in the same order). */
    default void onDisplay(Display display) {
    }
}
