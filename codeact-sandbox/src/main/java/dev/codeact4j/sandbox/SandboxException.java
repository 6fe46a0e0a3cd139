package dev.codeact4j.sandbox;

/** A session could not be started or kept alive; the message says what to do. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
