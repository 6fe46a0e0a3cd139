package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.server.CodeactServer;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How late a run's output reaches a client of {@code codeact serve}: from the code printing a line to the first
 * Server-Sent Event {@code output} carrying it at an HTTP client (the JDK's, on loopback, reading the stream as it
 * comes), against the same line reaching the library's {@code AgentListener} (its {@code ExecutionOutput} event)
 * in the same run. A model that answers at once has the code print {@value #LINES} lines, each its own
 * {@code time.time_ns()}, {@value #PAUSE_MS} ms apart (so that each is an event of its own); both the listener and
 * the client take the wall clock ({@code Instant.now()}, the same CLOCK_REALTIME as Python's) when the line arrives.
 * The first {@value #WARMUP_RUNS} runs warm the JIT and are not counted. The difference of the two arrival times of
 * a line is measured on one clock ({@code System.nanoTime()}), so it holds whatever the clocks do.
 *
 * <p>Usage: {@code RunEventLatency [runs] [output.json]} (default 12 runs: 10 counted, {@value #LINES} lines each).
 */
public final class RunEventLatency {
    static final int LINES = 100;
    static final int PAUSE_MS = 20;
    static final int WARMUP_RUNS = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String CODE = "import time\nfor _ in range(" + LINES + "):\n    print(time.time_ns(), flush=True)\n"
            + "    time.sleep(" + PAUSE_MS / 1000.0 + ")\nfinal_answer('printed')";

    /** When a line reached the listener: its wall-clock delay after the print, and the monotonic instant. */
    private record Arrival(long delayNanos, long monotonicNanos) {
    }

    private RunEventLatency() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        Path output = args.length > 1 ? Path.of(args[1]) : null;
        Sandbox sandbox = Sandbox.create();
        Map<String, Arrival> listened = new ConcurrentHashMap<>();
        CodeActAgent agent = CodeActAgent.builder().model(new InstantModel()).modelName("instant").sandbox(sandbox)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(60)).build())
                .listener(event -> {
                    if (event instanceof AgentEvent.ExecutionOutput printed) {
                        long now = wallNanos();
                        long monotonic = System.nanoTime();
                        for (String line : printed.text().split("\n")) {
                            if (!line.isBlank()) {
                                listened.put(line.strip(), new Arrival(now - Long.parseLong(line.strip()), monotonic));
                            }
                        }
                    }
                })
                .build();
        List<Long> library = new ArrayList<>();
        List<Long> client = new ArrayList<>();
        List<Long> added = new ArrayList<>();
        PrintWriter log = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        try (CodeactServer server = CodeactServer.builder().port(0).sandbox(sandbox).agents(request -> agent)
                .log(log).start()) {
            HttpClient http = HttpClient.newHttpClient();
            for (int run = 0; run < runs; run++) {
                listened.clear();
                Map<String, Long[]> received = readRun(http, server);
                if (received.size() != LINES) {
                    throw new IllegalStateException("run " + run + " sent " + received.size() + " lines, not " + LINES);
                }
                if (run < WARMUP_RUNS) {
                    continue;
                }
                for (Map.Entry<String, Long[]> line : received.entrySet()) {
                    Arrival heard = listened.get(line.getKey());
                    if (heard == null) {
                        throw new IllegalStateException("the listener never heard the line " + line.getKey());
                    }
                    library.add(heard.delayNanos());
                    client.add(line.getValue()[0]);
                    added.add(line.getValue()[1] - heard.monotonicNanos());
                }
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runs", runs - WARMUP_RUNS);
        report.put("linesPerRun", LINES);
        report.put("pauseMs", PAUSE_MS);
        report.put("listener", figures(library));
        report.put("sseClient", figures(client));
        report.put("sseMinusListener", figures(added));
        if (output != null) {
            Files.writeString(output, JSON.writeValueAsString(report));
        }
        System.out.println("| From the code's print to | p50 | p99 | max | samples |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        row("the library's AgentListener (ExecutionOutput)", library);
        row("an SSE client of codeact serve (output event)", client);
        row("SSE client minus listener, same line (one clock)", added);
        System.exit(0); // the JDK's HTTP client keeps threads of its own
    }

    /** Starts a run and reads its events to the end: for each line printed, its wall-clock delay and arrival. */
    private static Map<String, Long[]> readRun(HttpClient http, CodeactServer server) throws Exception {
        HttpResponse<String> started = http.send(HttpRequest.newBuilder(server.url().resolve("/api/runs"))
                .header("Authorization", "Bearer " + server.token())
                .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"Print the time.\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            throw new IllegalStateException("the run was refused: " + started.body());
        }
        String id = JSON.readTree(started.body()).get("id").asText();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(server.url().resolve("/api/runs/" + id
                        + "/events")).header("Authorization", "Bearer " + server.token()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Map<String, Long[]> received = new LinkedHashMap<>();
        try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String kind = null;
            String line;
            while ((line = events.readLine()) != null) {
                if (line.startsWith("event: ")) {
                    kind = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    long now = wallNanos();
                    long monotonic = System.nanoTime();
                    JsonNode data = JSON.readTree(line.substring(6));
                    if ("output".equals(kind)) {
                        for (String printed : data.get("text").asText().split("\n")) {
                            if (!printed.isBlank()) {
                                received.putIfAbsent(printed.strip(),
                                        new Long[]{now - Long.parseLong(printed.strip()), monotonic});
                            }
                        }
                    } else if ("end".equals(kind)) {
                        if (!"succeeded".equals(data.get("status").asText())) {
                            throw new IllegalStateException("the run did not succeed: " + data);
                        }
                        break;
                    }
                }
            }
        }
        return received;
    }

    private static long wallNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static Map<String, Object> figures(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("p50Micros", percentile(sorted, 50) / 1000.0);
        figures.put("p99Micros", percentile(sorted, 99) / 1000.0);
        figures.put("maxMicros", sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0);
        figures.put("samples", sorted.length);
        return figures;
    }

    private static void row(String what, List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %d |%n", what, micros(percentile(sorted, 50)),
                micros(percentile(sorted, 99)), micros(sorted[sorted.length - 1]), sorted.length);
    }

    /** The nearest-rank percentile, as the store's report computes it. */
    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static String micros(long nanos) {
        return nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.2f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
    }

    /** Replies at once with the code that prints the lines and ends the run with its final answer. */
    static final class InstantModel implements ChatModel {
        @Override
        public ChatResponse doChat(ChatRequest request) {
            return ChatResponse.builder()
                    .aiMessage(AiMessage.from("Print the time.\n```python\n" + CODE + "\n```"))
                    .tokenUsage(new TokenUsage(100, 10))
                    .build();
        }
    }
}
