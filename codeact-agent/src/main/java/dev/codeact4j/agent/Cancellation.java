package dev.codeact4j.agent;

import io.opentelemetry.context.Context;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Whether a run has been asked to stop ({@link RunHandle#cancel()}), and the waits it cuts short: a model call
 * under way is abandoned, the code under way interrupted (by the action given to {@link #onRequest}). A run
 * started with {@link CodeActAgent#run} cannot be cancelled: its model calls then run on its own thread, as always.
 */
final class Cancellation {
    private final boolean possible;
    private final CompletableFuture<Void> requested = new CompletableFuture<>();

    private Cancellation(boolean possible) {
        this.possible = possible;
    }

    /** For a run that nobody can cancel. */
    static Cancellation impossible() {
        return new Cancellation(false);
    }

    /** For a run started with a handle. */
    static Cancellation possible() {
        return new Cancellation(true);
    }

    /** Asks the run to stop; false when it was asked before (or cannot be cancelled). */
    boolean request() {
        return possible && requested.complete(null);
    }

    boolean requested() {
        return requested.isDone();
    }

    /** Throws {@link Cancelled} when the run has been asked to stop: called before each model call and each code. */
    void check() {
        if (requested()) {
            throw new Cancelled();
        }
    }

    /** Runs {@code action} when the run is asked to stop, on the asking thread (at once if it was already asked). */
    void onRequest(Runnable action) {
        requested.thenRun(action);
    }

    /**
     * Waits for {@code work}, at most {@code timeout}, unless the run is asked to stop meanwhile: then the wait
     * ends at once with {@link Cancelled}, and {@code work} is left to finish unheard.
     */
    <T> T await(CompletableFuture<T> work, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        try {
            CompletableFuture.anyOf(work, requested).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            // work failed: work.get() below throws it
        }
        check();
        return work.get();
    }

    /**
     * A blocking call (a model's reply) that stopping the run abandons: on this thread when the run cannot be
     * cancelled, else on a thread of its own (with this thread's trace context), interrupted when abandoned.
     */
    <T> T call(Supplier<T> work) {
        if (!possible) {
            return work.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread worker = Thread.ofVirtual().name("codeact-model-call").start(Context.current().wrap(() -> {
            try {
                result.complete(work.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }));
        try {
            return await(result, Duration.ofMillis(Long.MAX_VALUE));
        } catch (Cancelled e) {
            worker.interrupt();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e); // no timeout was set
        } catch (InterruptedException e) {
            worker.interrupt();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the model", e);
        }
    }

    /** Ends the run's work where it stands; the run then ends with {@link StopReason#CANCELLED}. */
    static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("the run was cancelled", null, false, false);
        }
    }
}
