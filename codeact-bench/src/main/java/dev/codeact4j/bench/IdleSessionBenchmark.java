package dev.codeact4j.bench;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * (a) as an agent sees it: the round trip of the trivial snippet in a warm session (numpy, pandas and
 * matplotlib.pyplot preloaded, as the pool hands sessions out) that has been idle for {@value Pause#MILLIS} ms
 * before each execution ({@link Pause}, not measured). The session is the same one throughout and has run
 * the snippet thousands of times in the warm-up; only the pause differs from {@link WarmSessionBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 10, time = 5)
@Fork(1)
@State(Scope.Thread)
public class IdleSessionBenchmark {
    private Session session;

    @Setup
    public void open() {
        session = Sandbox.create().open(SandboxPolicy.builder().preload(SandboxPolicy.DATA_SCIENCE_PRELOAD).build());
        for (int i = 0; i < 5_000; i++) {
            Snippet.check(session.execute(Snippet.TRIVIAL)); // warm the JIT and the interpreter's code paths
        }
    }

    @Benchmark
    public ExecutionResult roundTripAfterIdle(Pause pause) {
        return session.execute(Snippet.TRIVIAL);
    }

    @TearDown
    public void close() {
        Snippet.check(session.execute(Snippet.TRIVIAL));
        session.close();
    }
}
