package dev.codeact4j.sandbox;

/** Receives a running execution's output as it is printed. Called from the executing thread. */
@FunctionalInterface
public interface OutputListener {
    OutputListener NONE = (stream, text) -> { };

    /** @param stream "stdout" or "stderr" */
    void onOutput(String stream, String text);
}
