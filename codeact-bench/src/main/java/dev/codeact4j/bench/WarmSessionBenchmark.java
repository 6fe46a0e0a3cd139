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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * (a) The round trip of the trivial snippet in a warm session: {@link Session#execute} from the call to the
 * returned result, output included. The session is started once per fork and used for every invocation.
 * {@code preload=data-science} is a session as the pool hands it out (numpy, pandas and matplotlib.pyplot
 * imported: the kernel then also looks for open figures after each execution); {@code none} is a bare one.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class WarmSessionBenchmark {
    @Param({"none", "data-science"})
    public String preload;

    private Session session;

    @Setup
    public void open() {
        List<String> modules = preload.equals("none") ? List.of() : SandboxPolicy.DATA_SCIENCE_PRELOAD;
        session = Sandbox.create().open(SandboxPolicy.builder().preload(modules).build());
        Snippet.check(session.execute(Snippet.TRIVIAL));
    }

    @Benchmark
    public ExecutionResult roundTrip() {
        return session.execute(Snippet.TRIVIAL);
    }

    @TearDown
    public void close() {
        // The last invocation's result is checked too, so a session that broke midway cannot go unnoticed.
        Snippet.check(session.execute(Snippet.TRIVIAL));
        session.close();
    }
}
