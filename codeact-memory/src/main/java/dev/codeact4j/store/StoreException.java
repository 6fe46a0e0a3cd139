package dev.codeact4j.store;

/**
 * The run store could not be opened, read or written. The message names the file and what went wrong, e.g.
 * "the run store at /home/me/.codeact/runs.db could not be written: database is locked".
 */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
