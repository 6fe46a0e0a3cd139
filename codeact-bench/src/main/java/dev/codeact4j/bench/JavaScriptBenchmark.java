package dev.codeact4j.bench;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
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

import java.util.concurrent.TimeUnit;

/**
 * The trivial snippet's round trip in a warm, bare session of each language, in the same run: JavaScript
 * ({@code console.log(1 + 1)} in the Node kernel) against Python ({@code print(1 + 1)}), as
 * {@link WarmSessionBenchmark} measures Python's. {@link JsProcessPerExecutionBenchmark} is the baseline.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class JavaScriptBenchmark {
    static final String TRIVIAL = "console.log(1 + 1)";

    @Param({"javascript", "python"})
    public String language;

    private Session session;
    private String snippet;

    @Setup
    public void open() {
        Language parsed = Language.parse(language);
        snippet = parsed == Language.JAVASCRIPT ? TRIVIAL : Snippet.TRIVIAL;
        session = Sandbox.create().open(SandboxPolicy.builder().language(parsed).build());
        Snippet.check(session.execute(snippet));
    }

    @Benchmark
    public ExecutionResult roundTrip() {
        return session.execute(snippet);
    }

    @TearDown
    public void close() {
        Snippet.check(session.execute(snippet));
        session.close();
    }
}
