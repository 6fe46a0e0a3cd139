package dev.codeact4j.cli;

import dev.codeact4j.agent.AgentListener;
import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.memory.AgentMemory;
import dev.codeact4j.store.RunRecorder;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.StoreException;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * How {@code run} and {@code demo} keep their runs in the run store ({@code $CODEACT_HOME/runs.db}). A store
 * that cannot be opened or written is a warning on standard error, once: the run itself always goes on.
 */
final class RunRecording implements AutoCloseable {
    /** Records nothing, and says nothing. */
    static final RunRecording NONE = new RunRecording(null, null, null);

    private final RunStore store;
    private final RunRecorder recorder;
    private final PrintWriter err;
    private final Colors colors;
    private boolean warned;

    private RunRecording(RunStore store, PrintWriter err, Colors colors) {
        this.store = store;
        this.err = err;
        this.colors = colors;
        this.recorder = store == null ? null : store.recorder(failure -> warn(failure.getMessage() + "; the run goes on."));
    }

    /** Records into {@code file}, or nothing when {@code wanted} is false (--no-store) or the file cannot be opened. */
    static RunRecording open(Path file, boolean wanted, PrintWriter err, Colors colors) {
        if (!wanted) {
            return new RunRecording(null, err, colors);
        }
        try {
            return new RunRecording(RunStore.open(file), err, colors);
        } catch (StoreException e) {
            RunRecording none = new RunRecording(null, err, colors);
            none.warn(e.getMessage() + "; the run goes on without it.");
            return none;
        }
    }

    /** For the agent's builder: records each of its runs, or does nothing. */
    AgentListener listener() {
        return recorder != null ? recorder : event -> { };
    }

    /** The agent's memory in the same file, with its cache on or off (--no-cache); null without a store. */
    AgentMemory memory(boolean cache) {
        return store == null ? null : AgentMemory.in(store).withCache(cache);
    }

    /** The store the runs are recorded in, or null when they are not. */
    RunStore store() {
        return store;
    }

    /** Whether the runs are being recorded (and {@code codeact show} will find them). */
    boolean recording() {
        return recorder != null && recorder.failure().isEmpty();
    }

    // Warnings may come from the agent's thread while progress is printed; one line of their own.
    private synchronized void warn(String message) {
        if (warned) {
            return;
        }
        warned = true;
        err.println();
        err.println(colors.yellow("codeact: warning: " + message));
        err.flush();
    }

    @Override
    public void close() {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (StoreException e) {
            warn(e.getMessage() + ".");
        }
    }
}
