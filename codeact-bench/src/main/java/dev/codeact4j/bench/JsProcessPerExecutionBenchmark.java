package dev.codeact4j.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Baseline for {@link JavaScriptBenchmark}: one new Node per execution, {@code node -e "console.log(1 + 1)"} with
 * no sandbox at all (the fastest a process-per-execution executor can be), its output read and its exit waited for.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class JsProcessPerExecutionBenchmark {
    private final List<String> command = List.of("/usr/bin/node", "-e", JavaScriptBenchmark.TRIVIAL);

    @Setup
    public void prepare() throws IOException, InterruptedException {
        Snippet.checkOutput(execute(), String.join(" ", command));
    }

    @Benchmark
    public String execute() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("node -e exited with " + exit + ": " + output);
        }
        return output;
    }
}
