package dev.codeact4j.sandbox;

/** A {@link SessionFiles} operation was refused or failed; {@link #reason()} says which kind of failure it was. */
public final class SessionFileException extends SandboxException {
    /** What went wrong, for a caller that answers each differently (an HTTP server: 400, 404, 413). */
    public enum Reason {
        /** The path is not a plain relative path, or leads through a symbolic link or a file. */
        INVALID_PATH,
        /** Nothing is at the path. */
        NOT_FOUND,
        /** Something is at the path, but not a regular file (a directory, a pipe) where one is needed. */
        NOT_A_FILE,
        /** The content is over the file size limit, or the session's disk is full. */
        TOO_LARGE
    }

    private final Reason reason;

    public SessionFileException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
