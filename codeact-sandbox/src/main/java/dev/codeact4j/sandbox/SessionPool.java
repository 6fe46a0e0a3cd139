package dev.codeact4j.sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sessions started ahead of time, with the policy's preloads (by default the sandbox's: numpy, pandas and matplotlib)
 * already imported, so that {@link #acquire()} takes milliseconds instead of a cold start's second.
 * A session is used once: the caller closes it, and the pool starts a fresh one in the background.
 */
public final class SessionPool implements AutoCloseable {
    private final Sandbox sandbox;
    private final SandboxPolicy policy;
    private final int size;
    private final LinkedBlockingQueue<Session> ready = new LinkedBlockingQueue<>();
    private final AtomicInteger starting = new AtomicInteger();
    private final ExecutorService starter;
    private volatile RuntimeException lastFailure;
    private volatile boolean closed;

    /**
     * @param policy the sessions' policy; when it preloads nothing, the sandbox's {@link Sandbox#poolPreload()} is
     * @param size   how many sessions to keep ready
     */
    public SessionPool(Sandbox sandbox, SandboxPolicy policy, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a pool needs at least one session, got " + size);
        }
        if (policy.workdir() != null) {
            throw new IllegalArgumentException("pooled sessions have private working directories; remove the workdir from the policy");
        }
        this.sandbox = sandbox;
        // The sandbox's preloads are Python modules: a JavaScript pool preloads only what its policy names.
        this.policy = policy.preload().isEmpty() && policy.language() == Language.PYTHON
                ? policy.toBuilder().preload(sandbox.poolPreload()).build() : policy;
        this.size = size;
        this.starter = Executors.newFixedThreadPool(Math.min(size, 2), runnable -> {
            Thread thread = new Thread(runnable, "codeact-pool-starter");
            thread.setDaemon(true);
            return thread;
        });
        refill();
    }

    /** A ready session, or a freshly started one when none is ready yet. The caller closes it. */
    public Session acquire() {
        if (closed) {
            throw new IllegalStateException("the session pool is closed");
        }
        Session session;
        while ((session = ready.poll()) != null) {
            if (session.isAlive()) {
                refill();
                return session;
            }
            session.close();
        }
        refill();
        return sandbox.open(policy);
    }

    /** Waits until the pool holds {@code size} ready sessions, or the timeout passes; true when full. */
    public boolean awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ready.size() < size && System.nanoTime() < deadline) {
            if (lastFailure != null && starting.get() == 0 && ready.size() < size) {
                throw lastFailure;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ready.size() >= size;
    }

    public int readyCount() {
        return ready.size();
    }

    public SandboxPolicy policy() {
        return policy;
    }

    private void refill() {
        while (!closed) {
            int inFlight = starting.get();
            if (ready.size() + inFlight >= size) {
                return;
            }
            if (starting.compareAndSet(inFlight, inFlight + 1)) {
                starter.execute(this::startOne);
            }
        }
    }

    private void startOne() {
        try {
            Session session = sandbox.open(policy);
            if (closed) {
                session.close();
            } else {
                ready.add(session);
                lastFailure = null;
            }
        } catch (RuntimeException e) {
            lastFailure = e;
        } finally {
            starting.decrementAndGet();
        }
    }

    /** Closes the sessions that are ready; sessions already handed out belong to their callers. */
    @Override
    public void close() {
        closed = true;
        starter.shutdown();
        try {
            starter.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Session> idle = new ArrayList<>();
        ready.drainTo(idle);
        idle.forEach(Session::close);
    }
}
