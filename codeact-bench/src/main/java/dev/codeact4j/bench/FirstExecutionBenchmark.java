package dev.codeact4j.bench;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
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

import java.util.concurrent.TimeUnit;

/**
 * A diagnostic beside (b): the first execution of the trivial snippet in a session that has just started
 * (numpy, pandas and matplotlib.pyplot preloaded), on an otherwise quiet machine. Before each invocation, not
 * measured, a session is opened and left alone for {@value PoolAcquireBenchmark#SETTLE_MILLIS} ms; after it,
 * it is closed. Compared with {@link PoolAcquireBenchmark#acquireAndFirstExecute}, where the pool's refill
 * starts a new interpreter at the same moment, this tells the first execution's own cost from the competition
 * for the 2 cores; compared with (a), it is what a session's first execution costs more than the later ones.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 10, time = 3)
@Fork(1)
@State(Scope.Thread)
public class FirstExecutionBenchmark {
    private Sandbox sandbox;
    private SandboxPolicy policy;
    private Session session;

    @Setup(Level.Trial)
    public void prepare() {
        sandbox = Sandbox.builder().forkServer(false).build(); // as PoolAcquireBenchmark's sessions
        policy = SandboxPolicy.builder().preload(SandboxPolicy.DATA_SCIENCE_PRELOAD).build();
    }

    @Setup(Level.Invocation)
    public void open() throws InterruptedException {
        session = sandbox.open(policy);
        Thread.sleep(PoolAcquireBenchmark.SETTLE_MILLIS);
    }

    @Benchmark
    public ExecutionResult firstExecute() {
        return Snippet.check(session.execute(Snippet.TRIVIAL));
    }

    @TearDown(Level.Invocation)
    public void close() {
        session.close();
    }
}
