package dev.codeact4j.agent;

import java.util.concurrent.CompletableFuture;

/**
 * A run started by {@link CodeActAgent#start}, working on a thread of its own: its id at once, its result when it
 * ends, and a way to stop it.
 * <pre>{@code
 * RunHandle run = agent.start("Summarise sales.csv", event -> System.err.println(event));
 * ...
 * run.cancel();                                // the code under way is interrupted, a model call abandoned
 * AgentResult result = run.result().join();    // reason CANCELLED, with the steps done so far
 * }</pre>
 */
public final class RunHandle {
    private final String runId;
    private final CompletableFuture<AgentResult> result;
    private final Cancellation cancellation;

    RunHandle(String runId, CompletableFuture<AgentResult> result, Cancellation cancellation) {
        this.runId = runId;
        this.result = result;
        this.cancellation = cancellation;
    }

    /** The run's id, as in its events and its {@link AgentResult#runId()}. */
    public String runId() {
        return runId;
    }

    /**
     * The run's result when it ends: a cancelled run's says {@link StopReason#CANCELLED}; a run that fails ends
     * exceptionally with what {@link CodeActAgent#run} would have thrown (a {@code ModelException}, say).
     * Cancelling this future does not stop the run; {@link #cancel()} does.
     */
    public CompletableFuture<AgentResult> result() {
        return result.copy();
    }

    /** Whether the run has ended, however it did. */
    public boolean isDone() {
        return result.isDone();
    }

    /**
     * Stops the run at once: the code under way is interrupted (killed if it does not stop within the policy's
     * interrupt grace), a model call under way is abandoned, and no further step starts. A tool call under way
     * runs to its end (at most the agent's tool timeout) before the code sees the interrupt. The run then ends
     * with {@link StopReason#CANCELLED} and the steps done so far. False when it had already ended, or was
     * already cancelled.
     */
    public boolean cancel() {
        return !result.isDone() && cancellation.request();
    }
}
