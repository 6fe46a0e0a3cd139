package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.node.LongNode;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.server.tools.ToolHttpServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One call from sandboxed code to a trivial Java tool ({@code add(a, b)}), against the seed's pattern: the same
 * tool behind a local HTTP endpoint ({@link ToolHttpServer}), POSTed to once per call from the same sandboxed
 * code (the session has the network, so it shares the host's loopback).
 *
 * <p>The loop benchmarks run a snippet that calls {@value #CALLS} times in a row and count each invocation as
 * {@value #CALLS} operations, so the execute round trip is spread over the calls ({@code emptyLoop} measures
 * what is left of it: the same loop calling a Python function that does nothing). JMH's percentiles of these
 * are percentiles of the per-call average over one invocation, not of single calls; so the loop also times
 * every call inside Python (perf_counter_ns around the call), and the times of the measurement iterations (the
 * first million calls) go to {@code $CODEACT_BENCH_OUT/tool-calls-METHOD.json}: the real per-call p50 and p99.
 * {@link ToolCallSummary} turns a run's results into the tables of BENCHMARKS.md.
 *
 * <ul>
 *   <li>{@code sandboxLoop}: the tool as a Python function, over the session's own channel;</li>
 *   <li>{@code sandboxLoopWithoutTimeLimit}: the same, but the session's tool handler is the tool's body
 *       itself, not {@code Tools.handler}, which runs each call on a new virtual thread to enforce the time
 *       limit: what the channel alone costs (a diagnostic, not an offered configuration);</li>
 *   <li>{@code httpUrllibLoop}: a urllib.request POST per call, as a user of the seed's pattern writes it
 *       with the standard library (a new connection each time);</li>
 *   <li>{@code httpRequestsLoop}: {@code requests.post} per call, as most Python code does it (also a new
 *       connection each time);</li>
 *   <li>{@code httpKeepAliveLoop}: http.client on one kept-alive connection, the best the HTTP pattern can do;</li>
 *   <li>{@code emptyLoop}: the loop and the execute round trip without any call;</li>
 *   <li>{@code sandboxSingle}, {@code httpUrllibSingle}, {@code emptySingle}: one call per execute, so JMH's
 *       percentiles are of single calls, execute round trip included ({@code emptySingle} is that round trip).</li>
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ToolCallBenchmark {
    static final int CALLS = 100;

    /** The helpers the snippets use, defined once per session; filled in with the server's address, token and port. */
    private static final String HELPERS = """
            import json, time, urllib.request, http.client, requests

            _timings = []
            _recording = False

            def noop(a, b):
                return a + b

            def http_add(a, b):
                request = urllib.request.Request(
                    "%1$s/tool", data=json.dumps({"tool": "add", "args": {"a": a, "b": b}}).encode(),
                    headers={"Authorization": "Bearer %2$s", "Content-Type": "application/json"})
                with urllib.request.urlopen(request) as response:
                    return json.loads(response.read())["result"]

            def http_add_requests(a, b):
                response = requests.post("%1$s/tool", json={"tool": "add", "args": {"a": a, "b": b}},
                                         headers={"Authorization": "Bearer %2$s"})
                response.raise_for_status()
                return response.json()["result"]

            _connection = http.client.HTTPConnection("127.0.0.1", %3$d)

            def http_add_kept_alive(a, b):
                _connection.request("POST", "/tool", body=json.dumps({"tool": "add", "args": {"a": a, "b": b}}),
                                    headers={"Authorization": "Bearer %2$s", "Content-Type": "application/json"})
                return json.loads(_connection.getresponse().read())["result"]

            def _loop(call, n):
                clock = time.perf_counter_ns
                times = []
                for i in range(n):
                    start = clock()
                    result = call(i, 1)
                    times.append(clock() - start)
                    if result != i + 1:
                        raise AssertionError(f"{call.__name__}({i}, 1) returned {result!r}")
                if _recording and len(_timings) < 1_000_000:  # enough, and the empty loop would make tens of millions
                    _timings.extend(times)
                return n
            """;

    private Session session;
    private ToolHttpServer server;

    @Setup(Level.Trial)
    public void open(BenchmarkParams params) throws IOException {
        Tools tools = Tools.of(Tool.builder("add").description("Adds two integers.")
                .parameter("a", "integer", "the first")
                .parameter("b", "integer", "the second")
                .function(args -> args.get("a").asLong() + args.get("b").asLong())
                .build());
        server = ToolHttpServer.builder(tools).port(0).start();
        session = Sandbox.create().open(SandboxPolicy.builder().network(true).allowImports("urllib", "http", "requests").build());
        session.toolHandler(params.getBenchmark().endsWith("WithoutTimeLimit")
                ? (name, args) -> LongNode.valueOf(args.get("a").asLong() + args.get("b").asLong())
                : tools.handler(Duration.ofSeconds(10)));
        check(session.execute(tools.pythonDefinitions()));
        check(session.execute(HELPERS.formatted(server.uri(), server.token(), server.port())));
        for (String call : new String[]{"add", "http_add", "http_add_requests", "http_add_kept_alive", "noop"}) {
            check(session.execute("_loop(" + call + ", 10)"));
        }
    }

    /** Records the in-Python per-call times during measurement iterations only. */
    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        check(session.execute("_recording = " + (params.getType() == IterationType.MEASUREMENT ? "True" : "False")));
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public ExecutionResult sandboxLoop() {
        return session.execute("_loop(add, " + CALLS + ")");
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public ExecutionResult httpUrllibLoop() {
        return session.execute("_loop(http_add, " + CALLS + ")");
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public ExecutionResult sandboxLoopWithoutTimeLimit() {
        return session.execute("_loop(add, " + CALLS + ")");
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public ExecutionResult httpRequestsLoop() {
        return session.execute("_loop(http_add_requests, " + CALLS + ")");
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public ExecutionResult httpKeepAliveLoop() {
        return session.execute("_loop(http_add_kept_alive, " + CALLS + ")");
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public ExecutionResult emptyLoop() {
        return session.execute("_loop(noop, " + CALLS + ")");
    }

    @Benchmark
    public ExecutionResult sandboxSingle() {
        return session.execute("add(1, 2)");
    }

    @Benchmark
    public ExecutionResult httpUrllibSingle() {
        return session.execute("http_add(1, 2)");
    }

    @Benchmark
    public ExecutionResult emptySingle() {
        return session.execute("noop(1, 2)");
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) throws IOException {
        try {
            // Every variant runs once more and is checked, so a session or server that broke midway is noticed.
            check(session.execute("_recording = False; _loop(add, 10); _loop(http_add, 10); _loop(http_add_requests, 10); "
                    + "_loop(http_add_kept_alive, 10)"));
            writeTimings(params);
        } finally {
            session.close();
            server.close();
        }
    }

    /** The in-Python per-call times of a loop benchmark (nearest-rank percentiles), as JSON. */
    private void writeTimings(BenchmarkParams params) throws IOException {
        ExecutionResult result = check(session.execute("""
                _sorted = sorted(_timings)
                def _rank(p):
                    return _sorted[max(0, min(len(_sorted) - 1, -(-len(_sorted) * p // 100) - 1))] / 1000
                json.dumps({"samples": len(_sorted), "p50_us": _rank(50), "p90_us": _rank(90), "p99_us": _rank(99),
                            "max_us": _sorted[-1] / 1000, "mean_us": sum(_sorted) / len(_sorted) / 1000} if _sorted else None)
                """));
        String json = result.result().json().asText();
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (json.equals("null")) {
            return; // a single-call benchmark: JMH's own percentiles are the per-call ones
        }
        System.out.println("per-call times inside Python (" + method + "): " + json);
        String out = System.getenv("CODEACT_BENCH_OUT");
        if (out != null && !out.isBlank()) {
            Path dir = Files.createDirectories(Path.of(out));
            Files.writeString(dir.resolve("tool-calls-" + method + ".json"), json + "\n");
        }
    }

    private static ExecutionResult check(ExecutionResult result) {
        if (!result.ok()) {
            throw new IllegalStateException("the benchmark's code failed: " + result.error());
        }
        return result;
    }
}
