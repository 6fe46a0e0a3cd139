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
 * {@code preload=forked} is a session forked from the fork server (the default since the fork server issue);
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
    /** none and data-science: started plainly with those preloads; forked: from the fork server (data stack imported). */
    @Param({"none", "data-science", "forked"})
    public String preload;

    private Session session;

    @Setup
    public void open() {
        boolean forked = preload.equals("forked");
        List<String> modules = preload.equals("none") ? List.of() : SandboxPolicy.DATA_SCIENCE_PRELOAD;
        session = Sandbox.builder().forkServer(forked).build().open(SandboxPolicy.builder().preload(modules).build());
        if (session.howStarted().forked() != forked) {
            throw new IllegalStateException("the session was not started as asked: " + session.howStarted());
        }
        Snippet.check(session.execute(Snippet.TRIVIAL));
    }

    @Benchmark
    public ExecutionResult roundTrip() {
        return session.execute(Snippet.TRIVIAL);
    }

    /** {@link Snippet#COMPUTE}: numpy and pure Python at the interpreter's own speed. */
    @Benchmark
    public ExecutionResult compute() {
        ExecutionResult result = session.execute(Snippet.COMPUTE);
        if (!result.ok() || !Snippet.COMPUTE_OUTPUT.equals(result.stdout())) {
            throw new IllegalStateException("the compute snippet did not run as expected: " + result);
        }
        return result;
    }

    @TearDown
    public void close() {
        // The last invocation's result is checked too, so a session that broke midway cannot go unnoticed.
        Snippet.check(session.execute(Snippet.TRIVIAL));
        session.close();
    }
}
