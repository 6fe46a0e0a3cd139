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
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.Socket;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How late a run's output reaches a client of {@code codeact serve}: from the code printing a line to the first
 * Server-Sent Event {@code output} carrying it at an HTTP client on loopback, against the same line reaching the
 * library's {@code AgentListener} (its {@code ExecutionOutput} event) in the same run.
 *
 * <p>A model that answers at once has the code wait half a second (both clients are connected by then), then print
 * {@value #LINES} lines, each its own {@code time.time_ns()}, {@value #PAUSE_MS} ms apart (each an event of its own).
 * Two clients read the run's events at once: the JDK's {@code HttpClient} (a stream read as it comes), and a plain
 * socket reading the HTTP response line by line (no client library: what is left is the server and the loopback).
 * Each takes the wall clock ({@code Instant.now()}, the CLOCK_REALTIME of Python's {@code time.time_ns()}) when a
 * line's {@code data:} arrives; the listener likewise. Each client's delay minus the listener's for the same line is
 * taken on one clock ({@code System.nanoTime()}): the server's and the client's own part, whatever the clocks do.
 * The first {@value #WARMUP_RUNS} runs warm the JIT and are not counted.
 *
 * <p>Usage: {@code RunEventLatency [runs] [output.json]} (default 12 runs: 10 counted, {@value #LINES} lines each).
 */
public final class RunEventLatency {
    static final int LINES = 100;
    static final int PAUSE_MS = 20;
    static final int WARMUP_RUNS = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String CODE = "import time\ntime.sleep(0.5)\nfor _ in range(" + LINES + "):\n"
            + "    print(time.time_ns(), flush=True)\n    time.sleep(" + PAUSE_MS / 1000.0 + ")\nfinal_answer('printed')";

    /** When a printed line arrived somewhere: its wall-clock delay after the print, and the monotonic instant. */
    private record Arrival(long delayNanos, long monotonicNanos) {
        static void record(Map<String, Arrival> arrivals, String text) {
            long wall = wallNanos();
            long monotonic = System.nanoTime();
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    arrivals.putIfAbsent(line.strip(), new Arrival(wall - Long.parseLong(line.strip()), monotonic));
                }
            }
        }
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
                        Arrival.record(listened, printed.text());
                    }
                })
                .build();
        Map<String, List<Long>> samples = new LinkedHashMap<>();
        for (String name : List.of("listener", "jdkClient", "socketClient", "jdkClientMinusListener",
                "socketClientMinusListener")) {
            samples.put(name, new ArrayList<>());
        }
        PrintWriter log = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        try (CodeactServer server = CodeactServer.builder().port(0).sandbox(sandbox).agents(request -> agent)
                .log(log).start()) {
            HttpClient http = HttpClient.newHttpClient();
            for (int run = 0; run < runs; run++) {
                listened.clear();
                String id = start(http, server);
                CompletableFuture<Map<String, Arrival>> bySocket = CompletableFuture.supplyAsync(() -> readBySocket(server, id));
                Map<String, Arrival> byJdk = readByJdkClient(http, server, id);
                Map<String, Arrival> bySocketRead = bySocket.join();
                if (run < WARMUP_RUNS) {
                    continue;
                }
                for (String line : listened.keySet()) {
                    Arrival heard = listened.get(line);
                    Arrival jdk = require(byJdk, line, "the JDK client");
                    Arrival socket = require(bySocketRead, line, "the socket client");
                    samples.get("listener").add(heard.delayNanos());
                    samples.get("jdkClient").add(jdk.delayNanos());
                    samples.get("socketClient").add(socket.delayNanos());
                    samples.get("jdkClientMinusListener").add(jdk.monotonicNanos() - heard.monotonicNanos());
                    samples.get("socketClientMinusListener").add(socket.monotonicNanos() - heard.monotonicNanos());
                }
                if (listened.size() != LINES) {
                    throw new IllegalStateException("run " + run + " printed " + listened.size() + " lines, not " + LINES);
                }
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runs", runs - WARMUP_RUNS);
        report.put("linesPerRun", LINES);
        report.put("pauseMs", PAUSE_MS);
        samples.forEach((name, nanos) -> report.put(name, figures(nanos)));
        if (output != null) {
            Files.writeString(output, JSON.writeValueAsString(report));
        }
        System.out.println("| From the code's print to | p50 | p99 | max | samples |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        row("the library's AgentListener (ExecutionOutput event)", samples.get("listener"));
        row("an SSE client of codeact serve: the JDK's HttpClient (output event)", samples.get("jdkClient"));
        row("an SSE client of codeact serve: a plain socket (output event)", samples.get("socketClient"));
        row("JDK HttpClient minus listener, same line (one clock)", samples.get("jdkClientMinusListener"));
        row("plain socket minus listener, same line (one clock)", samples.get("socketClientMinusListener"));
        System.exit(0); // the JDK's HTTP client keeps threads of its own
    }

    private static String start(HttpClient http, CodeactServer server) throws Exception {
        HttpResponse<String> started = http.send(HttpRequest.newBuilder(server.url().resolve("/api/runs"))
                        .header("Authorization", "Bearer " + server.token())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"Print the time.\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            throw new IllegalStateException("the run was refused: " + started.body());
        }
        return JSON.readTree(started.body()).get("id").asText();
    }

    /** The run's events through the JDK's HTTP client, to the end: when each printed line arrived. */
    private static Map<String, Arrival> readByJdkClient(HttpClient http, CodeactServer server, String id) throws Exception {
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(server.url().resolve("/api/runs/" + id
                        + "/events")).header("Authorization", "Bearer " + server.token()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            return read(events);
        }
    }

    /**
     * The same through a plain socket: the request written by hand, the response read line by line (the chunk sizes
     * of its chunked encoding are lines of their own, skipped with the other lines that are no event field).
     */
    private static Map<String, Arrival> readBySocket(CodeactServer server, String id) {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setTcpNoDelay(true);
            socket.getOutputStream().write(("GET /api/runs/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                    + "\r\nAuthorization: Bearer " + server.token() + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return read(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw e instanceof IOException io ? new UncheckedIOException(io) : new IllegalStateException(e);
        }
    }

    private static Map<String, Arrival> read(BufferedReader events) throws IOException {
        Map<String, Arrival> arrivals = new LinkedHashMap<>();
        String kind = null;
        String line;
        while ((line = events.readLine()) != null) {
            if (line.startsWith("event: ")) {
                kind = line.substring(7);
            } else if (line.startsWith("data: ")) {
                if ("output".equals(kind)) {
                    long wall = wallNanos();
                    long monotonic = System.nanoTime();
                    String text = JSON.readTree(line.substring(6)).get("text").asText();
                    for (String printed : text.split("\n")) {
                        if (!printed.isBlank()) {
                            arrivals.putIfAbsent(printed.strip(),
                                    new Arrival(wall - Long.parseLong(printed.strip()), monotonic));
                        }
                    }
                } else if ("end".equals(kind)) {
                    JsonNode end = JSON.readTree(line.substring(6));
                    if (!"succeeded".equals(end.get("status").asText())) {
                        throw new IllegalStateException("the run did not succeed: " + end);
                    }
                    break;
                }
            }
        }
        return arrivals;
    }

    private static Arrival require(Map<String, Arrival> arrivals, String line, String who) {
        Arrival arrival = arrivals.get(line);
        if (arrival == null) {
            throw new IllegalStateException(who + " never received the line " + line);
        }
        return arrival;
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
