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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * (c) A cold session start, plain (no fork server): {@link Sandbox#open} from the call until the session is ready to execute, that is
 * until bubblewrap has started, the interpreter has imported its preloads and said hello over the socket.
 * {@code preload=data-science} imports numpy, pandas and matplotlib.pyplot (what the pool does for every
 * session); {@code none} shows what the sandbox and the bare interpreter cost by themselves; {@code javascript} is a
 * bare JavaScript session (the Node kernel). The session is closed after each invocation, outside the measured part.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 12, time = 4)
@Fork(1)
@State(Scope.Thread)
public class ColdStartBenchmark {
    @Param({"data-science", "none", "javascript"})
    public String preload;

    private Sandbox sandbox;
    private SandboxPolicy policy;
    private Session session;

    @Setup(Level.Trial)
    public void prepare() {
        sandbox = Sandbox.builder().forkServer(false).build(); // a plain start: ForkedStartBenchmark has the other
        boolean javascript = preload.equals("javascript");
        List<String> modules = preload.equals("data-science") ? SandboxPolicy.DATA_SCIENCE_PRELOAD : List.of();
        policy = SandboxPolicy.builder().preload(modules)
                .language(javascript ? Language.JAVASCRIPT : Language.PYTHON).build();
        try (Session first = sandbox.open(policy)) {
            Snippet.check(first.execute(javascript ? JavaScriptBenchmark.TRIVIAL : Snippet.TRIVIAL));
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
