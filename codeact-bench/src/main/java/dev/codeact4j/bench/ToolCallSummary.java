package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown tables of BENCHMARKS.md's tool-call section, from one run of {@link ToolCallBenchmark}: JMH's
 * p50 and p99 (from {@code jmh.json}), the per-call times measured inside Python
 * ({@code tool-calls-METHOD.json}), the ratios of the HTTP pattern to the sandbox's own channel, and whether
 * the targets are met (under 0.3 ms a call, at least 3x faster than a POST per call, with urllib and
 * with requests).
 *
 * <p>Usage: {@code ToolCallSummary <dir>}, the directory {@code ./bench} writes (codeact-bench/target/bench).
 */
public final class ToolCallSummary {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BENCHMARK = "dev.codeact4j.bench.ToolCallBenchmark.";
    private static final double TARGET_MICROS = 300;
    private static final double TARGET_RATIO = 3;

    /** p50 and p99 in microseconds and how many samples they come from. */
    record Stats(double p50, double p99, long samples) {
    }

    private ToolCallSummary() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "codeact-bench/target/bench");
        JsonNode jmh = JSON.readTree(dir.resolve("jmh.json").toFile());
        Map<String, Stats> measured = new LinkedHashMap<>();
        for (JsonNode result : jmh) {
            String name = result.path("benchmark").asText();
            if (name.startsWith(BENCHMARK)) {
                measured.put(name.substring(BENCHMARK.length()), jmhStats(result));
            }
        }
        Map<String, Stats> inPython = new LinkedHashMap<>();
        for (String loop : List.of("sandboxLoop", "sandboxLoopWithoutTimeLimit", "httpUrllibLoop", "httpRequestsLoop",
                "httpKeepAliveLoop", "emptyLoop")) {
            Path file = dir.resolve("tool-calls-" + loop + ".json");
            if (Files.exists(file)) {
                JsonNode timings = JSON.readTree(file.toFile());
                inPython.put(loop, new Stats(timings.path("p50_us").asDouble(), timings.path("p99_us").asDouble(),
                        timings.path("samples").asLong()));
            }
        }
        System.out.print(markdown(measured, inPython));
    }

    static String markdown(Map<String, Stats> jmh, Map<String, Stats> inPython) {
        StringBuilder out = new StringBuilder();
        out.append("| One call of `add(a, b)` from sandboxed code | p50 | p99 | samples |\n| --- | ---: | ---: | ---: |\n");
        row(out, "sandbox channel: timed in Python, each call", inPython.get("sandboxLoop"));
        row(out, "HTTP, urllib POST per call: timed in Python, each call", inPython.get("httpUrllibLoop"));
        row(out, "HTTP, requests.post per call: timed in Python, each call", inPython.get("httpRequestsLoop"));
        row(out, "HTTP, http.client kept-alive: timed in Python, each call", inPython.get("httpKeepAliveLoop"));
        row(out, "*diagnostic:* sandbox channel without Tools' time-limit thread: timed in Python",
                inPython.get("sandboxLoopWithoutTimeLimit"));
        row(out, "sandbox channel: JMH, " + ToolCallBenchmark.CALLS + "-call loop / " + ToolCallBenchmark.CALLS, jmh.get("sandboxLoop"));
        row(out, "HTTP, urllib POST per call: JMH, loop / " + ToolCallBenchmark.CALLS, jmh.get("httpUrllibLoop"));
        row(out, "HTTP, requests.post per call: JMH, loop / " + ToolCallBenchmark.CALLS, jmh.get("httpRequestsLoop"));
        row(out, "HTTP, http.client kept-alive: JMH, loop / " + ToolCallBenchmark.CALLS, jmh.get("httpKeepAliveLoop"));
        row(out, "*diagnostic:* sandbox channel without Tools' time-limit thread: JMH, loop / " + ToolCallBenchmark.CALLS,
                jmh.get("sandboxLoopWithoutTimeLimit"));
        row(out, "empty loop (Python function doing nothing): JMH, loop / " + ToolCallBenchmark.CALLS, jmh.get("emptyLoop"));
        row(out, "sandbox channel: JMH, one call per execute", jmh.get("sandboxSingle"));
        row(out, "HTTP, urllib POST: JMH, one call per execute", jmh.get("httpUrllibSingle"));
        row(out, "no call (Python function doing nothing): JMH, one per execute", jmh.get("emptySingle"));
        Stats empty = jmh.get("emptySingle");
        if (empty != null) {
            for (String single : List.of("sandboxSingle", "httpUrllibSingle")) {
                Stats s = jmh.get(single);
                if (s != null) {
                    out.append("| ").append(single.startsWith("sandbox") ? "sandbox channel" : "HTTP, urllib POST")
                            .append(": one call per execute minus the empty execute (difference of the percentiles) | ")
                            .append(time(s.p50() - empty.p50())).append(" | ").append(time(s.p99() - empty.p99()))
                            .append(" | |\n");
                }
            }
        }
        out.append('\n');

        out.append("| Ratio to the sandbox channel | p50 | p99 |\n| --- | ---: | ---: |\n");
        ratio(out, "HTTP urllib / sandbox, timed in Python", inPython.get("httpUrllibLoop"), inPython.get("sandboxLoop"));
        ratio(out, "HTTP requests / sandbox, timed in Python", inPython.get("httpRequestsLoop"), inPython.get("sandboxLoop"));
        ratio(out, "HTTP kept-alive / sandbox, timed in Python", inPython.get("httpKeepAliveLoop"), inPython.get("sandboxLoop"));
        ratio(out, "HTTP urllib / sandbox, JMH loop", jmh.get("httpUrllibLoop"), jmh.get("sandboxLoop"));
        ratio(out, "HTTP requests / sandbox, JMH loop", jmh.get("httpRequestsLoop"), jmh.get("sandboxLoop"));
        ratio(out, "HTTP kept-alive / sandbox, JMH loop", jmh.get("httpKeepAliveLoop"), jmh.get("sandboxLoop"));
        out.append('\n');

        out.append("| Target | Measured | Met |\n| --- | --- | --- |\n");
        underTarget(out, "timed in Python", inPython.get("sandboxLoop"));
        underTarget(out, "JMH loop", jmh.get("sandboxLoop"));
        target(out, "a urllib POST per call, timed in Python", inPython.get("httpUrllibLoop"), inPython.get("sandboxLoop"));
        target(out, "a urllib POST per call, JMH loop", jmh.get("httpUrllibLoop"), jmh.get("sandboxLoop"));
        target(out, "requests.post per call, timed in Python", inPython.get("httpRequestsLoop"), inPython.get("sandboxLoop"));
        target(out, "requests.post per call, JMH loop", jmh.get("httpRequestsLoop"), jmh.get("sandboxLoop"));
        return out.toString();
    }

    private static void underTarget(StringBuilder out, String how, Stats sandbox) {
        if (sandbox != null) {
            out.append("| under 0.3 ms a call (").append(how).append(") | p50 ").append(time(sandbox.p50()))
                    .append(", p99 ").append(time(sandbox.p99())).append(" | ").append(met(sandbox.p50() < TARGET_MICROS))
                    .append(" at p50, ").append(met(sandbox.p99() < TARGET_MICROS)).append(" at p99 |\n");
        }
    }

    private static void row(StringBuilder out, String label, Stats stats) {
        if (stats != null) {
            out.append("| ").append(label).append(" | ").append(time(stats.p50())).append(" | ")
                    .append(time(stats.p99())).append(" | ").append(stats.samples()).append(" |\n");
        }
    }

    private static void ratio(StringBuilder out, String label, Stats http, Stats sandbox) {
        if (http != null && sandbox != null) {
            out.append("| ").append(label).append(" | ").append(ratio(http.p50() / sandbox.p50())).append(" | ")
                    .append(ratio(http.p99() / sandbox.p99())).append(" |\n");
        }
    }

    private static void target(StringBuilder out, String how, Stats http, Stats sandbox) {
        if (http != null && sandbox != null) {
            double p50 = http.p50() / sandbox.p50();
            double p99 = http.p99() / sandbox.p99();
            out.append("| at least 3x faster than the HTTP pattern: ").append(how).append(" | p50 ")
                    .append(ratio(p50)).append(", p99 ").append(ratio(p99)).append(" | ")
                    .append(met(p50 >= TARGET_RATIO)).append(" at p50, ").append(met(p99 >= TARGET_RATIO)).append(" at p99 |\n");
        }
    }

    static Stats jmhStats(JsonNode result) {
        JsonNode metric = result.path("primaryMetric");
        double toMicros = switch (metric.path("scoreUnit").asText()) {
            case "ns/op" -> 1e-3;
            case "us/op" -> 1;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            default -> throw new IllegalArgumentException("unexpected unit " + metric.path("scoreUnit").asText());
        };
        long samples = 0;
        for (JsonNode fork : metric.path("rawDataHistogram")) {
            for (JsonNode iteration : fork) {
                for (JsonNode bucket : iteration) {
                    samples += bucket.get(1).asLong();
                }
            }
        }
        JsonNode percentiles = metric.path("scorePercentiles");
        return new Stats(percentiles.path("50.0").asDouble() * toMicros, percentiles.path("99.0").asDouble() * toMicros, samples);
    }

    static String time(double micros) {
        if (Math.abs(micros) < 1000) {
            return String.format(Locale.ROOT, "%.1f µs", micros);
        }
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000);
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, ratio < 10 ? "%.1fx" : "%.0fx", ratio);
    }

    private static String met(boolean met) {
        return met ? "yes" : "**no**";
    }
}
