package dev.codeact4j.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One persistent interpreter: variables, functions, imports and files in the working directory survive from one
 * {@link #execute} to the next until {@link #close()}. Executions run one at a time. When the interpreter has to be
 * replaced (it would not stop, ran out of memory, or died), the result says so ({@link ExecutionResult#restarted()})
 * and the next execution runs in a fresh one with the same working directory. {@link Sandbox#open} makes one.
 */
public interface Session extends AutoCloseable {

    /** Runs code with the policy's time limit. */
    default ExecutionResult execute(String code) {
        return execute(code, policy().timeout(), OutputListener.NONE);
    }

    /** Runs code with the policy's time limit, streaming its output to the listener as it is printed. */
    default ExecutionResult execute(String code, OutputListener listener) {
        return execute(code, policy().timeout(), listener);
    }

    /**
     * Runs code in this session. Never throws for anything the code does: errors, time and memory limits
     * come back in the result. Throws {@link SandboxException} only when no interpreter can be started.
     * Tracebacks call the code {@code <cell-N>}, N counting this session's executions from 1.
     */
    default ExecutionResult execute(String code, Duration timeout, OutputListener listener) {
        return execute(code, null, timeout, listener);
    }

    /**
     * Runs code read from a file: as {@link #execute(String, Duration, OutputListener)}, but tracebacks call it
     * by {@code filename} (the name the user knows it by, such as {@code analysis.py}); null means {@code <cell-N>}.
     */
    ExecutionResult execute(String code, String filename, Duration timeout, OutputListener listener);

    /**
     * Runs code the host needs in the interpreter, such as the functions of its tools
     * ({@code Tools.pythonDefinitions()}): it takes no cell number, and its frames are left out of the tracebacks
     * of the user's code that calls what it defined.
     */
    ExecutionResult executeHostCode(String code);

    /**
     * Stops the execution under way, if any, from another thread (its owner cancelled it, say): it ends as at its
     * time limit, with the interpreter's state kept (Python's KeyboardInterrupt, with the traceback of where the
     * code was; JavaScript likewise), except that the result does not count as timed out. Code that does not stop
     * within the policy's interrupt grace (it catches the interrupt, or is stuck in native code) has its
     * interpreter killed, and the result says that it was replaced. Does nothing between executions.
     */
    void interrupt();

    /**
     * Where the code's calls to host tools go (see {@code dev.codeact4j.tools}); null for none. The functions
     * that call them are defined in the interpreter by running the code the tools package generates.
     */
    void toolHandler(ToolHandler handler);

    /**
     * The functions of the policy's Python tool files, as the session defined them when it started (and defines
     * again after a restart), in the files' order and each file's: what the model is shown of them. Empty without
     * tool files.
     */
    List<PythonTool> pythonTools();

    /**
     * What the policy's setup files did when the session started: their output, figures and time, one after the
     * other; null when the policy has none. A restarted interpreter runs them again without a result here.
     */
    ExecutionResult setupResult();

    /** The working directory on the host: files the code writes to its current directory appear here. */
    Path workdir();

    /**
     * The working directory's files, to list, read, write and delete from the host by relative paths, confined to
     * it (no link is followed) and written as the code's own; usable while the code runs.
     */
    SessionFiles files();

    SandboxPolicy policy();

    /** The language of the session's code: its policy's. */
    default Language language() {
        return policy().language();
    }

    /** How many times the interpreter was replaced. */
    int restarts();

    /** How the current interpreter was started: forked from a fork server, or plainly and why. */
    SessionStart howStarted();

    /** Whether the session is open and its interpreter is running. */
    boolean isAlive();

    /**
     * Ends the interpreter and everything it started, and removes the session's files: a private working
     * directory and /tmp are deleted; a named working directory is kept.
     */
    @Override
    void close();
}
