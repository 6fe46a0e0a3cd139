package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.bench.ToolCallSummary.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static dev.codeact4j.bench.ToolCallSummary.ratio;
import static dev.codeact4j.bench.ToolCallSummary.time;

/**
 * The Markdown tables of BENCHMARKS.md's {@code codeact serve} section: the execute round trip through the server
 * and through the library from one run of {@link ServerExecuteBenchmark} ({@code jmh.json}), their difference and
 * ratio, and the memory of idle sessions opened through the server ({@code server-memory.json}, written by
 * {@link ServerSessionMemory}).
 *
 * <p>Usage: {@code ServerSummary <dir>}, the directory {@code ./bench} writes (codeact-bench/target/bench).
 */
public final class ServerSummary {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BENCHMARK = "dev.codeact4j.bench.ServerExecuteBenchmark.";

    private ServerSummary() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "codeact-bench/target/bench");
        StringBuilder out = new StringBuilder();
        Path jmhFile = dir.resolve("jmh.json");
        if (Files.exists(jmhFile)) {
            Map<String, Stats> measured = new LinkedHashMap<>();
            for (JsonNode result : JSON.readTree(jmhFile.toFile())) {
                String name = result.path("benchmark").asText();
                if (name.startsWith(BENCHMARK)) {
                    measured.put(name.substring(BENCHMARK.length()), ToolCallSummary.jmhStats(result));
                }
            }
            execute(out, measured);
        }
        Path memoryFile = dir.resolve("server-memory.json");
        if (Files.exists(memoryFile)) {
            memory(out, JSON.readTree(memoryFile.toFile()));
        }
        System.out.print(out);
    }

    private static void execute(StringBuilder out, Map<String, Stats> measured) {
        out.append("| `print(1 + 1)` in a warm session | p50 | p99 | samples |\n| --- | ---: | ---: | ---: |\n");
        row(out, "library: `session.execute`", measured.get("library"));
        row(out, "server: `POST /api/sessions/{id}/execute`, JSON answer", measured.get("http"));
        row(out, "server: the same JSON answer, with a minimal client (one socket, the bytes as they are)",
                measured.get("httpMinimalClient"));
        row(out, "server: the same, as server-sent events to the `result` event", measured.get("httpStreamed"));
        out.append('\n');
        Stats library = measured.get("library");
        if (library == null) {
            return;
        }
        out.append("| The server's own cost (difference of the percentiles) | p50 | p99 | ratio to the library, p50 | p99 |\n")
                .append("| --- | ---: | ---: | ---: | ---: |\n");
        cost(out, "JSON answer, the JDK's HTTP client", measured.get("http"), library);
        cost(out, "JSON answer, a minimal client", measured.get("httpMinimalClient"), library);
        cost(out, "server-sent events, the JDK's HTTP client", measured.get("httpStreamed"), library);
        out.append('\n');
    }

    private static void memory(StringBuilder out, JsonNode memory) {
        int sessions = memory.path("sessions").asInt();
        out.append("| ").append(sessions).append(" idle sessions opened through the server, per session | mean | min | max |\n")
                .append("| --- | ---: | ---: | ---: |\n");
        for (String field : new String[] {"pssKb", "ussKb", "rssKb"}) {
            JsonNode stats = memory.path(field);
            out.append("| session processes (bwrap, bwrap, python3): ").append(field.replace("Kb", "").toUpperCase(Locale.ROOT))
                    .append(" | ").append(mib(stats.path("mean").asDouble())).append(" | ").append(mib(stats.path("min").asDouble()))
                    .append(" | ").append(mib(stats.path("max").asDouble())).append(" |\n");
        }
        out.append("| the JVM's heap after a full GC, growth | ").append(mib(memory.path("jvmHeapKbPerSession").asDouble()))
                .append(" | | |\n");
        out.append("| the JVM's own PSS (heap, thread stacks, buffers), growth | ")
                .append(mib(memory.path("jvmPssKbPerSession").asDouble())).append(" | | |\n");
        out.append("| **in all: session PSS + the JVM's PSS growth** | **")
                .append(mib(memory.path("pssKb").path("mean").asDouble() + memory.path("jvmPssKbPerSession").asDouble()))
                .append("** | | |\n\n");
        out.append("The ").append(sessions).append(" sessions' PSS sums to ").append(mib(memory.path("pssKb").path("sum").asDouble()))
                .append("; the JVM went from ").append(mib(memory.path("jvmPssKbBefore").asDouble())).append(" to ")
                .append(mib(memory.path("jvmPssKbAfter").asDouble())).append(" PSS (heap after GC ")
                .append(mib(memory.path("jvmHeapKbBefore").asDouble())).append(" to ")
                .append(mib(memory.path("jvmHeapKbAfter").asDouble())).append("), with ")
                .append(memory.path("jvmThreads").asInt()).append(" threads.\n");
    }

    private static void row(StringBuilder out, String label, Stats stats) {
        if (stats != null) {
            out.append("| ").append(label).append(" | ").append(time(stats.p50())).append(" | ")
                    .append(time(stats.p99())).append(" | ").append(stats.samples()).append(" |\n");
        }
    }

    private static void cost(StringBuilder out, String label, Stats server, Stats library) {
        if (server != null) {
            out.append("| ").append(label).append(" | ").append(time(server.p50() - library.p50())).append(" | ")
                    .append(time(server.p99() - library.p99())).append(" | ").append(ratio(server.p50() / library.p50()))
                    .append(" | ").append(ratio(server.p99() / library.p99())).append(" |\n");
        }
    }

    private static String mib(double kb) {
        return kb < 1024 ? String.format(Locale.ROOT, "%.0f KiB", kb) : String.format(Locale.ROOT, "%.1f MiB", kb / 1024);
    }
}
