package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns one run's results into the Markdown of BENCHMARKS.md: p50 and p99 of every benchmark (from JMH's JSON
 * results), the ratios to the baselines, whether the targets are met, and the idle memory.
 *
 * <p>Usage: {@code Summary <dir>} where the directory holds {@code jmh.json} and, when they were measured,
 * {@code jupyter-driver-<method>.json} and {@code memory.json}.
 */
public final class Summary {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PACKAGE = "dev.codeact4j.bench.";

    /** One row of the table: a JMH benchmark with one parameter value (or none). */
    record Row(String key, String label, String benchmark, String param, String value) {
    }

    static final List<Row> ROWS = List.of(
            new Row("a", "(a) trivial snippet, warm session (bare), back to back", "WarmSessionBenchmark.roundTrip", "preload", "none"),
            new Row("a-pooled", "(a) trivial snippet, warm session (numpy, pandas, matplotlib preloaded), back to back", "WarmSessionBenchmark.roundTrip", "preload", "data-science"),
            new Row("a-idle", "(a) trivial snippet, warm session (preloaded), idle " + Pause.MILLIS + " ms before each execution", "IdleSessionBenchmark.roundTripAfterIdle", null, null),
            new Row("b", "(b) `acquire()` from a full, idle pool", "PoolAcquireBenchmark.acquire", null, null),
            new Row("b-first", "(b) `acquire()` + first execution of the snippet", "PoolAcquireBenchmark.acquireAndFirstExecute", null, null),
            new Row("first", "first execution in a just-started preloaded session, no refill running", "FirstExecutionBenchmark.firstExecute", null, null),
            new Row("a-forked", "(a) trivial snippet, warm session forked from the fork server, back to back", "WarmSessionBenchmark.roundTrip", "preload", "forked"),
            new Row("compute-plain", "compute snippet (numpy + pure Python), warm session started plainly (preloaded)", "WarmSessionBenchmark.compute", "preload", "data-science"),
            new Row("compute-forked", "compute snippet (numpy + pure Python), warm session forked from the fork server", "WarmSessionBenchmark.compute", "preload", "forked"),
            new Row("fork", "new session with the data stack, pool off, request to first result: forked", "ForkedStartBenchmark.openAndFirstResult", "start", "forked"),
            new Row("fork-plain", "new session with the data stack, pool off, request to first result: started plainly", "ForkedStartBenchmark.openAndFirstResult", "start", "plain"),
            new Row("c", "(c) cold session start, numpy + pandas + matplotlib imported", "ColdStartBenchmark.open", "preload", "data-science"),
            new Row("c-bare", "(c) cold session start, nothing preloaded", "ColdStartBenchmark.open", "preload", "none"),
            new Row("process", "baseline: `python3 -c` per execution, no sandbox", "ProcessPerExecutionBenchmark.execute", "isolation", "none"),
            new Row("process-bwrap", "baseline: `python3 -c` per execution, in bubblewrap", "ProcessPerExecutionBenchmark.execute", "isolation", "bubblewrap"),
            new Row("process-idle", "baseline: `python3 -c` per execution, no sandbox, idle " + Pause.MILLIS + " ms before each", "ProcessPerExecutionBenchmark.executeAfterIdle", "isolation", "none"),
            new Row("process-bwrap-idle", "baseline: `python3 -c` per execution, in bubblewrap, idle " + Pause.MILLIS + " ms before each", "ProcessPerExecutionBenchmark.executeAfterIdle", "isolation", "bubblewrap"),
            new Row("jupyter", "baseline: Jupyter kernel, back to back, from Java (one pipe hop included)", "JupyterKernelBenchmark.roundTrip", null, null),
            new Row("jupyter-idle", "baseline: Jupyter kernel, idle " + Pause.MILLIS + " ms before each execution, from Java", "JupyterKernelBenchmark.roundTripAfterIdle", null, null),
            new Row("js", "JavaScript: `console.log(1 + 1)`, warm Node session (bare), back to back", "JavaScriptBenchmark.roundTrip", "language", "javascript"),
            new Row("js-python", "JavaScript's comparison: `print(1 + 1)`, warm Python session (bare), same run", "JavaScriptBenchmark.roundTrip", "language", "python"),
            new Row("js-c", "JavaScript: cold session start (bare)", "ColdStartBenchmark.open", "preload", "javascript"),
            new Row("js-process", "baseline: `node -e` per execution, no sandbox", "JsProcessPerExecutionBenchmark.execute", null, null));

    /** Which session rows are compared with which baselines. */
    static final Map<String, List<String>> COMPARISONS = Map.of(
            "a", List.of("process", "process-bwrap", "jupyter", "jupyter-driver"),
            "a-pooled", List.of("process", "process-bwrap", "jupyter", "jupyter-driver"),
            "a-idle", List.of("process-idle", "process-bwrap-idle", "jupyter-idle", "jupyter-idle-driver"));

    /** The process-per-execution baseline each session row is held to the 20x target against: like with like. */
    static final Map<String, String> PROCESS_BASELINE = Map.of("a", "process", "a-pooled", "process", "a-idle", "process-idle");

    /** p50, p99 and the slowest sample in microseconds, and how many samples they come from. */
    record Stats(double p50, double p99, double max, long samples) {
    }

    private Summary() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "codeact-bench/target/bench");
        JsonNode jmh = JSON.readTree(dir.resolve("jmh.json").toFile());
        Map<String, Stats> stats = new LinkedHashMap<>();
        for (Row row : ROWS) {
            find(jmh, row).ifPresent(result -> stats.put(row.key(), stats(result)));
        }
        // The Jupyter driver's own timings: the same executions without the pipe hop to Java.
        read(dir.resolve("jupyter-driver-roundTrip.json")).ifPresent(d -> stats.put("jupyter-driver", driverStats(d)));
        read(dir.resolve("jupyter-driver-roundTripAfterIdle.json")).ifPresent(d -> stats.put("jupyter-idle-driver", driverStats(d)));
        Optional<JsonNode> memory = read(dir.resolve("memory.json"));
        StringBuilder out = new StringBuilder();
        table(out, stats);
        ratios(out, stats);
        targets(out, stats, memory);
        memory.ifPresent(m -> memory(out, m));
        others(out, jmh);
        System.out.print(out);
    }

    /** Benchmarks of the same run that the tables above do not name (other modules' benchmarks). */
    private static void others(StringBuilder out, JsonNode jmh) {
        StringBuilder rows = new StringBuilder();
        for (JsonNode result : jmh) {
            boolean named = ROWS.stream().anyMatch(row -> find(jmh, row).filter(found -> found == result).isPresent());
            if (named) {
                continue;
            }
            Stats s = stats(result);
            String params = result.path("params").isObject() ? " " + result.path("params").toString() : "";
            tableRow(rows, "`" + result.path("benchmark").asText().replace(PACKAGE, "") + "`" + params, s);
        }
        if (!rows.isEmpty()) {
            out.append("| Other benchmarks of this run | p50 | p99 | max | samples |\n| --- | ---: | ---: | ---: | ---: |\n")
                    .append(rows).append('\n');
        }
    }

    private static void table(StringBuilder out, Map<String, Stats> stats) {
        out.append("| What | p50 | p99 | max | samples |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (Row row : ROWS) {
            tableRow(out, row.label(), stats.get(row.key()));
            if (row.key().startsWith("jupyter")) {
                tableRow(out, "… the same, timed inside the driver (no pipe hop)", stats.get(row.key() + "-driver"));
            }
        }
        out.append('\n');
    }

    private static void tableRow(StringBuilder out, String label, Stats s) {
        if (s != null) {
            out.append("| ").append(label).append(" | ").append(time(s.p50())).append(" | ").append(time(s.p99()))
                    .append(" | ").append(time(s.max())).append(" | ").append(s.samples()).append(" |\n");
        }
    }

    private static void ratios(StringBuilder out, Map<String, Stats> stats) {
        if (List.of("a", "a-pooled", "a-idle").stream().noneMatch(stats::containsKey)) {
            return; // a run of other benchmarks only (./bench Js, say)
        }
        out.append("| Baseline / codeact4j | p50 | p99 |\n| --- | ---: | ---: |\n");
        for (String session : List.of("a", "a-pooled", "a-idle")) {
            Stats ours = stats.get(session);
            if (ours == null) {
                continue;
            }
            for (String baseline : COMPARISONS.get(session)) {
                Stats base = stats.get(baseline);
                if (base != null) {
                    out.append("| ").append(label(baseline)).append(" / (a) ").append(which(session)).append(" | ")
                            .append(ratio(base.p50() / ours.p50())).append(" | ")
                            .append(ratio(base.p99() / ours.p99())).append(" |\n");
                }
            }
        }
        out.append('\n');
    }

    private static void targets(StringBuilder out, Map<String, Stats> stats, Optional<JsonNode> memory) {
        out.append("| Target | Measured | Met |\n| --- | --- | --- |\n");
        for (String a : List.of("a", "a-pooled", "a-idle")) {
            Stats s = stats.get(a);
            Stats process = stats.get(PROCESS_BASELINE.get(a));
            if (s == null) {
                continue;
            }
            out.append("| (a) under 1 ms (").append(which(a)).append(") | p50 ").append(time(s.p50())).append(", p99 ")
                    .append(time(s.p99())).append(" | ").append(met(s.p50() < 1000)).append(" at p50, ")
                    .append(met(s.p99() < 1000)).append(" at p99 |\n");
            if (process != null) {
                out.append("| (a) at least 20x faster than `python3 -c` per execution (").append(which(a))
                        .append(a.equals("a-idle") ? "; `python3 -c` also after idle" : "").append(") | p50 ")
                        .append(ratio(process.p50() / s.p50())).append(", p99 ").append(ratio(process.p99() / s.p99()))
                        .append(" | ").append(met(process.p50() / s.p50() >= 20)).append(" at p50, ")
                        .append(met(process.p99() / s.p99() >= 20)).append(" at p99 |\n");
            }
        }
        Stats js = stats.get("js");
        if (js != null) {
            out.append("| JavaScript under 1 ms | p50 ").append(time(js.p50())).append(", p99 ").append(time(js.p99()))
                    .append(" | ").append(met(js.p50() < 1000)).append(" at p50, ").append(met(js.p99() < 1000)).append(" at p99 |\n");
            Stats node = stats.get("js-process");
            if (node != null) {
                out.append("| JavaScript at least 20x faster than `node -e` per execution | p50 ")
                        .append(ratio(node.p50() / js.p50())).append(", p99 ").append(ratio(node.p99() / js.p99()))
                        .append(" | ").append(met(node.p50() / js.p50() >= 20)).append(" at p50, ")
                        .append(met(node.p99() / js.p99() >= 20)).append(" at p99 |\n");
            }
            Stats python = stats.get("js-python");
            if (python != null) {
                out.append("| JavaScript against Python, warm, same run (Python / JavaScript) | p50 ")
                        .append(ratio(python.p50() / js.p50())).append(", p99 ").append(ratio(python.p99() / js.p99()))
                        .append(" | recorded |\n");
            }
        }
        Stats fork = stats.get("fork");
        if (fork != null) {
            out.append("| forked session with the data stack, request to first result, pool off: p50 <= 25 ms, p99 <= 50 ms | p50 ")
                    .append(time(fork.p50())).append(", p99 ").append(time(fork.p99())).append(" | ")
                    .append(met(fork.p50() <= 25_000)).append(" at p50, ").append(met(fork.p99() <= 50_000)).append(" at p99 |\n");
            Stats plain = stats.get("fork-plain");
            if (plain != null) {
                out.append("| the same started plainly / forked | p50 ").append(ratio(plain.p50() / fork.p50())).append(", p99 ")
                        .append(ratio(plain.p99() / fork.p99())).append(" | recorded |\n");
            }
            Stats pool = stats.get("b-first");
            if (pool != null) {
                out.append("| forked / a plain pool's `acquire()` + first execution | p50 ").append(ratio(fork.p50() / pool.p50()))
                        .append(", p99 ").append(ratio(fork.p99() / pool.p99())).append(" | recorded |\n");
            }
        }
        for (String[] pair : List.of(new String[] {"a-forked", "a-pooled", "warm round trip"},
                new String[] {"compute-forked", "compute-plain", "compute snippet"})) {
            Stats forked = stats.get(pair[0]);
            Stats plain = stats.get(pair[1]);
            if (forked != null && plain != null) {
                out.append("| ").append(pair[2]).append(" unchanged: forked / started plainly (preloaded) | p50 ")
                        .append(ratio(forked.p50() / plain.p50())).append(", p99 ").append(ratio(forked.p99() / plain.p99()))
                        .append(" | ").append(met(forked.p50() / plain.p50() <= 1.1)).append(" at p50 (within 10%) |\n");
            }
        }
        memory.map(m -> m.path("forked")).filter(f -> !f.isMissingNode()).ifPresent(f -> {
            long perSession = f.path("pssKbPerSessionWithServerShare").asLong();
            out.append("| idle forked session with ").append(f.path("sessions").asInt()).append(" open, PSS with the server's share: <= 20 MiB | ")
                    .append(megabytes(perSession)).append(" (sessions alone ").append(megabytes(f.path("sessionPssKbMean").asLong()))
                    .append(", server ").append(megabytes(f.path("serverPssKb").asLong())).append(" in all) | ")
                    .append(met(perSession <= 20 * 1024)).append(" |\n");
        });
        Stats b = stats.get("b");
        if (b != null) {
            out.append("| (b) under 5 ms | p50 ").append(time(b.p50())).append(", p99 ").append(time(b.p99()))
                    .append(" | ").append(met(b.p50() < 5000)).append(" at p50, ").append(met(b.p99() < 5000)).append(" at p99 |\n");
        }
        memory.ifPresent(m -> out.append("| record the PSS of an idle pooled session | ")
                .append(megabytes(m.path("pooledSessionPssKbMean").asLong())).append(" | recorded |\n"));
        out.append('\n');
    }

    private static String which(String session) {
        return switch (session) {
            case "a" -> "bare, back to back";
            case "a-pooled" -> "preloaded, back to back";
            default -> "preloaded, after " + Pause.MILLIS + " ms idle";
        };
    }

    private static void memory(StringBuilder out, JsonNode memory) {
        out.append("| Idle memory (sum over the processes) | PSS | USS (private) | RSS |\n| --- | ---: | ---: | ---: |\n");
        int i = 1;
        for (JsonNode session : memory.path("pooledSessions")) {
            memoryRow(out, "pooled session " + i++ + " of " + IdleSessionMemory.POOL_SIZE
                    + " (numpy, pandas, matplotlib): " + commands(session), session);
        }
        memoryRow(out, "bare session: " + commands(memory.path("bareSession")), memory.path("bareSession"));
        JsonNode forked = memory.path("forked");
        if (!forked.isMissingNode()) {
            memoryRow(out, "forked session, 1 of " + forked.path("sessions").asInt() + " open: "
                    + commands(forked.path("firstSession")), forked.path("firstSession"));
            out.append("| forked sessions' mean (").append(forked.path("sessions").asInt()).append(" open) | ")
                    .append(megabytes(forked.path("sessionPssKbMean").asLong())).append(" | ")
                    .append(megabytes(forked.path("sessionUssKbMean").asLong())).append(" | ")
                    .append(megabytes(forked.path("sessionRssKbMean").asLong())).append(" |\n");
            out.append("| the fork server itself (bwrap, its init, sh, python3) | ")
                    .append(megabytes(forked.path("serverPssKb").asLong())).append(" | | |\n");
        }
        memoryRow(out, "Jupyter kernel with numpy, pandas, matplotlib imported", memory.path("jupyterKernelDataScience"));
        memoryRow(out, "Jupyter kernel, bare", memory.path("jupyterKernelBare"));
        out.append('\n');
    }

    private static void memoryRow(StringBuilder out, String label, JsonNode tree) {
        if (tree.isMissingNode()) {
            return;
        }
        out.append("| ").append(label).append(" | ").append(megabytes(tree.path("pssKb").asLong())).append(" | ")
                .append(megabytes(tree.path("ussKb").asLong())).append(" | ")
                .append(megabytes(tree.path("rssKb").asLong())).append(" |\n");
    }

    private static String commands(JsonNode tree) {
        List<String> parts = new ArrayList<>();
        for (JsonNode process : tree.path("processes")) {
            parts.add(process.path("command").asText() + " " + megabytes(process.path("pssKb").asLong()));
        }
        return String.join(" + ", parts);
    }

    private static Optional<JsonNode> find(JsonNode jmh, Row row) {
        for (JsonNode result : jmh) {
            if (!result.path("benchmark").asText().equals(PACKAGE + row.benchmark())) {
                continue;
            }
            if (row.param() == null || row.value().equals(result.path("params").path(row.param()).asText())) {
                return Optional.of(result);
            }
        }
        return Optional.empty();
    }

    private static Stats stats(JsonNode result) {
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
        return new Stats(percentiles.path("50.0").asDouble() * toMicros, percentiles.path("99.0").asDouble() * toMicros,
                percentiles.path("100.0").asDouble() * toMicros, samples);
    }

    private static Optional<JsonNode> read(Path file) throws IOException {
        return Files.exists(file) ? Optional.of(JSON.readTree(file.toFile())) : Optional.empty();
    }

    private static String label(String key) {
        return switch (key) {
            case "process", "process-idle" -> "`python3 -c`";
            case "process-bwrap", "process-bwrap-idle" -> "`python3 -c` in bubblewrap";
            case "jupyter", "jupyter-idle" -> "Jupyter from Java";
            case "jupyter-driver", "jupyter-idle-driver" -> "Jupyter inside the driver";
            default -> key;
        };
    }

    private static Stats driverStats(JsonNode driver) {
        return new Stats(driver.path("p50_us").asDouble(), driver.path("p99_us").asDouble(), driver.path("max_us").asDouble(),
                driver.path("samples").asLong());
    }

    static String time(double micros) {
        if (micros < 1000) {
            return String.format(Locale.ROOT, "%.1f µs", micros);
        }
        if (micros < 100_000) {
            return String.format(Locale.ROOT, "%.2f ms", micros / 1000);
        }
        return String.format(Locale.ROOT, "%.1f ms", micros / 1000);
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, ratio < 10 ? "%.1fx" : "%.0fx", ratio);
    }

    static String megabytes(long kilobytes) {
        return String.format(Locale.ROOT, "%.1f MiB", kilobytes / 1024.0);
    }

    private static String met(boolean met) {
        return met ? "yes" : "**no**";
    }
}
