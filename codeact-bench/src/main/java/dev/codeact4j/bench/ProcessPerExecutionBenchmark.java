package dev.codeact4j.bench;

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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Baseline: what a naive executor does, one new interpreter per execution. {@code /usr/bin/python3 -c
 * "print(1 + 1)"} is started with {@link ProcessBuilder}, its output read to the end and its exit waited for.
 *
 * <p>{@code isolation=none} runs it directly, with no sandbox at all, which flatters the baseline: it is the
 * fastest a process-per-execution executor can be. {@code isolation=bubblewrap} wraps the same command in a
 * bubblewrap sandbox close to a session's (the same namespaces, read-only /usr, a small /etc, private /proc,
 * /dev and /tmp, a cleared environment), so it is what a sandboxed process-per-execution executor pays.
 * {@link #executeAfterIdle} leaves the machine idle for {@value Pause#MILLIS} ms before each execution, to
 * compare like with like against {@link IdleSessionBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ProcessPerExecutionBenchmark {
    static final String PYTHON = "/usr/bin/python3";

    @Param({"none", "bubblewrap"})
    public String isolation;

    private List<String> command;

    @Setup
    public void prepare() throws IOException, InterruptedException {
        command = new ArrayList<>();
        if (isolation.equals("bubblewrap")) {
            command.addAll(bubblewrapPrefix());
        }
        command.addAll(List.of(PYTHON, "-c", Snippet.TRIVIAL));
        Snippet.checkOutput(execute(), String.join(" ", command));
    }

    @Benchmark
    public String execute() throws IOException, InterruptedException {
        return run(command);
    }

    /** Starts the command, reads its output to the end and waits for its exit, as a one-shot executor would. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + ": " + output);
        }
        return output;
    }

    @Benchmark
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 5, time = 4)
    public String executeAfterIdle(Pause pause) throws IOException, InterruptedException {
        return execute();
    }

    /** The sandbox of a session, reduced to what a one-shot command needs. */
    static List<String> bubblewrapPrefix() throws IOException {
        List<String> args = new ArrayList<>(List.of("bwrap",
                "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", "1000", "--gid", "1000", "--hostname", "sandbox",
                "--ro-bind", "/usr", "/usr"));
        for (String top : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
            Path path = Path.of(top);
            if (Files.isSymbolicLink(path)) {
                args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
            } else if (Files.isDirectory(path)) {
                args.addAll(List.of("--ro-bind", top, top));
            }
        }
        for (String etc : List.of("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime", "/etc/python3")) {
            args.addAll(List.of("--ro-bind-try", etc, etc));
        }
        args.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp",
                "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8"));
        return args;
    }
}
