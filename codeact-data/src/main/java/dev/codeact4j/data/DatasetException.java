package dev.codeact4j.data;

/** A dataset that cannot be offered to a session; the message says why and what to do. */
public final class DatasetException extends RuntimeException {

    /** What went wrong, for the caller to choose an exit status or a retry. */
    public enum Kind {
        /** The Hub has no such dataset (404). */
        NOT_FOUND,
        /** The dataset is gated or private and no token, or a token without access, was given (401, 403). */
        NOT_AUTHORIZED,
        /** The Hub cannot be reached: no network, connection refused, a name that does not resolve. */
        UNREACHABLE,
        /** The config or split named does not exist; the message names those that do. */
        NO_SUCH_SPLIT,
        /** The dataset's files are over the size limit. */
        TOO_LARGE,
        /** Anything else: the Hub failed (5xx), a file could not be read or converted, the cache could not be written. */
        FAILED
    }

    private final Kind kind;

    public DatasetException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DatasetException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
