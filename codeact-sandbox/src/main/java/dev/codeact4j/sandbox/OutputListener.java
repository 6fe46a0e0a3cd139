package dev.codeact4j.sandbox;

/**
 * Receives what a running execution shows, as it happens: its output as it is printed, and, when it implements
 * them, each display and each host tool call as it is made (the same values {@link ExecutionResult} lists at
 * the end). The interpreter's own output, displays and tool calls arrive on the thread that called
 * {@code execute}; output of child processes arrives on reader threads. Calls never overlap.
 */
@FunctionalInterface
public interface OutputListener {
    OutputListener NONE = (stream, text) -> { };

    /** @param stream "stdout" or "stderr" */
    void onOutput(String stream, String text);

    /** A figure or a table the code displayed, as soon as the interpreter sends it. */
    default void onDisplay(Display display) {
    }

    /** A host tool call the code made, once the tool has answered (or failed) and before the code goes on. */
    default void onToolCall(ToolCall call) {
    }
}
