package dev.codeact4j.bench;

import dev.codeact4j.sandbox.Language;
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
 * A cold JavaScript session start, as {@link ColdStartBenchmark} measures Python's: {@link Sandbox#open} until the
 * Node kernel has said hello. The session is closed after each invocation, outside the measured part.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 8, time = 4)
@Fork(1)
@State(Scope.Thread)
public class JsColdStartBenchmark {
    private Sandbox sandbox;
    private SandboxPolicy policy;
    private Session session;

    @Setup(Level.Trial)
    public void prepare() {
        sandbox = Sandbox.create();
        policy = SandboxPolicy.builder().language(Language.JAVASCRIPT).build();
        try (Session first = sandbox.open(policy)) {
            Snippet.check(first.execute(JavaScriptBenchmark.TRIVIAL));
        }
    }

    @Benchmark
    public Session open() {
        session = sandbox.open(policy);
        return session;
    }

    @TearDown(Level.Invocation)
    public void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
