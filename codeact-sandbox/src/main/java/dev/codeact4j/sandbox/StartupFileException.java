package dev.codeact4j.sandbox;

/**
 * A file every session of the policy runs at its start (a Python tool file, a setup file) could not be used: it does
 * not compile, imports a module the policy refuses, raises, runs out of time, or defines a name that is taken. The
 * session does not start. The message names the file and, for a tool file, the line; {@link #traceback()} is Python's.
 */
public final class StartupFileException extends RuntimeException {
    private final String file;
    private final int line;
    private final String traceback;

    /**
     * @param line      the file's line that failed, or 0 when no line is to blame
     * @param traceback the traceback, naming the file, or empty
     */
    public StartupFileException(String message, String file, int line, String traceback) {
        super(message);
        this.file = file;
        this.line = line;
        this.traceback = traceback == null ? "" : traceback;
    }

    /** A Python tool file that failed: its line (0: none) and error. */
    static StartupFileException toolFile(String file, int line, ExecutionError error) {
        return new StartupFileException("the Python tool file " + file + " cannot be used: "
                + (line > 0 ? "line " + line + ": " : "") + error.summary(), file, line, error.traceback());
    }

    /** A setup file that failed: its traceback says where. */
    static StartupFileException setup(String file, ExecutionError error) {
        return new StartupFileException("the setup file " + file + " failed: " + error.summary(), file, 0,
                error.traceback());
    }

    /** The file's name, as its {@link StartupFile#name()}. */
    public String file() {
        return file;
    }

    /** The line of the file that failed, or 0. */
    public int line() {
        return line;
    }

    /** Python's traceback of the failure (naming the file and line), or empty. */
    public String traceback() {
        return traceback;
    }
}
