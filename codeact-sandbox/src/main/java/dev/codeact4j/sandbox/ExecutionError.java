package dev.codeact4j.sandbox;

/**
 * Why an execution failed: the exception's type and message as Python names them, and a traceback whose
 * line numbers refer to the snippet ({@code <cell-N>}, or the file it was read from) and which, like Python's,
 * ends with the exception's type and message. Limits (time, memory, CPU) are reported here too, some without a traceback.
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
