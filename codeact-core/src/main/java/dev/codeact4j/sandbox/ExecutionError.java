package dev.codeact4j.sandbox;

/**
 * Why an execution failed: the exception's type and message as Python names them, and a traceback whose
 * line numbers refer to the snippet ({@code <cell-N>}). Limits (time, memory, CPU) are reported here too.
 */
public record ExecutionError(String type, String message, String traceback) {
    public ExecutionError {
        type = type == null ? "Error" : type;
        message = message == null ? "" : message;
        traceback = traceback == null ? "" : traceback;
    }

    /** "Type: message", the way Python prints the last line of a traceback. */
    public String summary() {
        return message.isEmpty() ? type : type + ": " + message;
    }
}
