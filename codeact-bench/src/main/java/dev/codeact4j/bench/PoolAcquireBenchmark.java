package dev.codeact4j.bench;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.SessionPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * (b) Getting a pre-warmed session from a {@link SessionPool} that is full and idle.
 *
 * <p>Before every invocation, outside the measured part ({@code @Setup(Level.Invocation)}), the session the
 * previous invocation took is closed, the pool is waited for until it holds all its sessions again (each one
 * a cold start with numpy, pandas and matplotlib imported, so this takes about as long as (c)), and then
 * {@value #SETTLE_MILLIS} ms pass so that the new session's start has quietened down. The measured part is
 * {@code acquire()} alone ({@link #acquire}), and, as what a caller waits for before its first result,
 * {@code acquire()} followed by the first execution of the trivial snippet in that session
 * ({@link #acquireAndFirstExecute}). Either way {@code acquire()} includes handing the refill to the pool's
 * background starter, not the refill itself.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 16, time = 3)
@Fork(1)
@State(Scope.Thread)
public class PoolAcquireBenchmark {
    static final int POOL_SIZE = 2;
    static final long SETTLE_MILLIS = 100;

    private SessionPool pool;
    private Session taken;

    @Setup(Level.Trial)
    public void startPool() {
        // A pool of plainly started sessions, as before the fork server (ForkedStartBenchmark compares them).
        pool = new SessionPool(Sandbox.builder().forkServer(false).build(), SandboxPolicy.builder().preload(SandboxPolicy.DATA_SCIENCE_PRELOAD).build(), POOL_SIZE);
        try (Session session = pool.acquire()) {
            Snippet.check(session.execute(Snippet.TRIVIAL));
        }
    }

    @Setup(Level.Invocation)
    public void refill() throws InterruptedException {
        if (taken != null) {
            if (!taken.isAlive()) {
                throw new IllegalStateException("the session taken from the pool was not alive");
            }
            taken.close();
            taken = null;
        }
        if (!pool.awaitReady(Duration.ofMinutes(2))) {
            throw new IllegalStateException("the pool did not refill within 2 minutes");
        }
        Thread.sleep(SETTLE_MILLIS);
    }

    @Benchmark
    public Session acquire() {
        taken = pool.acquire();
        return taken;
    }

    @Benchmark
    public ExecutionResult acquireAndFirstExecute() {
        taken = pool.acquire();
        return Snippet.check(taken.execute(Snippet.TRIVIAL));
    }

    @TearDown(Level.Trial)
    public void closePool() {
        if (taken != null) {
            taken.close();
        }
        pool.close();
    }
}
