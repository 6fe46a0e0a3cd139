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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * A new session with the data stack (numpy, pandas, matplotlib.pyplot), the pool off: from {@link Sandbox#open} to
 * the first execution's result ({@code print(1 + 1)} and its output). {@code start=forked}: forked from the fork
 * server (started once, in the setup); {@code start=plain}: a bubblewrap and an interpreter of its own that imports
 * the stack, as every session started before the fork server. The session is closed after each invocation, outside
 * the measured part.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 12, time = 4)
@Fork(1)
@State(Scope.Thread)
public class ForkedStartBenchmark {
    @Param({"forked", "plain"})
    public String start;

    private Sandbox sandbox;
    private SandboxPolicy policy;
    private Session session;

    @Setup(Level.Trial)
    public void prepare() {
        boolean forked = start.equals("forked");
        sandbox = Sandbox.builder().forkServer(forked).build();
        policy = SandboxPolicy.builder().preload(SandboxPolicy.DATA_SCIENCE_PRELOAD).build();
        try (Session first = sandbox.open(policy)) {
            if (first.howStarted().forked() != forked) {
                throw new IllegalStateException("the session was not started as asked: " + first.howStarted());
            }
            Snippet.check(first.execute(Snippet.TRIVIAL));
        }
    }

    @Benchmark
    public ExecutionResult openAndFirstResult() {
        session = sandbox.open(policy);
        return Snippet.check(session.execute(Snippet.TRIVIAL));
    }

    @TearDown(Level.Invocation)
    public void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
