package dev.codeact4j.bench;

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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Baseline: the trivial snippet through a Jupyter kernel (Debian's python3-ipykernel, driven with
 * python3-jupyter-client's KernelManager and BlockingKernelClient.execute_interactive), kept warm like a
 * session. Measured from Java: a line to the driver, the execution in the kernel (execute_request, the output
 * on iopub until the kernel is idle, the execute_reply), a line back. That is one pipe hop more than a Python
 * program using jupyter_client itself would pay, so the driver also times each execution itself; those times,
 * for the measurement iterations only, are written to {@code $CODEACT_BENCH_OUT/jupyter-driver-<method>.json}.
 * {@link #roundTripAfterIdle} leaves everything idle for {@value Pause#MILLIS} ms before each execution, like
 * {@link IdleSessionBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class JupyterKernelBenchmark {
    private JupyterDriver driver;
    private boolean measuring;
    private long[] driverNanos = new long[4096];
    private int driverSamples;

    @Setup(Level.Trial)
    public void startKernel() throws IOException {
        driver = JupyterDriver.start(Snippet.TRIVIAL, "");
        Snippet.checkOutput(driver.execute(), "the Jupyter kernel");
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @Benchmark
    public String roundTrip() throws IOException {
        return measured(driver.execute());
    }

    @Benchmark
    @Warmup(iterations = 1, time = 3)
    @Measurement(iterations = 6, time = 5)
    public String roundTripAfterIdle(Pause pause) throws IOException {
        return measured(driver.execute());
    }

    private String measured(String output) {
        if (measuring) {
            if (driverSamples == driverNanos.length) {
                driverNanos = Arrays.copyOf(driverNanos, driverNanos.length * 2);
            }
            driverNanos[driverSamples++] = driver.lastDriverNanos();
        }
        return output;
    }

    @TearDown(Level.Trial)
    public void stopKernel(BenchmarkParams params) throws IOException {
        Snippet.checkOutput(driver.execute(), "the Jupyter kernel");
        driver.close();
        String benchmark = params.getBenchmark();
        writeDriverTimings(benchmark.substring(benchmark.lastIndexOf('.') + 1));
    }

    /** The driver's own timings (nearest-rank percentiles), for BENCHMARKS.md to show what the pipe hop costs. */
    private void writeDriverTimings(String method) throws IOException {
        long[] sorted = Arrays.copyOf(driverNanos, driverSamples);
        Arrays.sort(sorted);
        String json = String.format(java.util.Locale.ROOT,
                "{\"samples\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f}%n", sorted.length,
                percentile(sorted, 50) / 1e3, percentile(sorted, 99) / 1e3, sorted.length == 0 ? 0.0 : sorted[sorted.length - 1] / 1e3);
        System.out.print("driver's own timing of the kernel round trip (" + method + "): " + json);
        String out = System.getenv("CODEACT_BENCH_OUT");
        if (out != null && !out.isBlank()) {
            Path dir = Path.of(out);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("jupyter-driver-" + method + ".json"), json);
        }
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
