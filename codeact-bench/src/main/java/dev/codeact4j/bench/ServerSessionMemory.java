package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.InvalidRequestException;
import dev.codeact4j.server.settings.ServerLimits;

import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;

/**
 * The memory of idle sessions opened through {@code codeact serve}: a server in this JVM opens {@value #DEFAULT_SESSIONS}
 * sessions ({@code POST /api/sessions}, the server's default policy) and runs the trivial
 * snippet once in each ({@code POST .../execute}); after {@link IdleSessionMemory#SETTLE} of quiet it sums PSS, USS
 * and RSS from {@code /proc/<pid>/smaps_rollup} over each session's processes (forked from the fork server since
 * the fork server issue, see {@link IdleSessionMemory#sessionTrees}), and measures what the JVM itself grew by: its heap after a full collection and its own
 * PSS (heap, thread stacks, buffers), from before the first session to after the last.
 *
 * <p>Usage: {@code ServerSessionMemory [output.json] [sessions]}; the report is printed too.
 */
public final class ServerSessionMemory {
    static final int DEFAULT_SESSIONS = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServerSessionMemory() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_SESSIONS;
        Sandbox sandbox = Sandbox.create();
        Map<String, Object> report = new LinkedHashMap<>();
        try (CodeactServer server = CodeactServer.builder().port(0).sandbox(sandbox)
                .agents(request -> {
                    throw new InvalidRequestException("model", "this server runs no agents");
                })
                .limits(ServerLimits.defaults().withMaxSessions(count))
                .log(new PrintWriter(Writer.nullWriter()))
                .start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // The server and the client have served a request before the baseline, so that neither's first-use
            // classes and buffers count as a session's.
            send(http, server, "/api/sessions", "GET", null, 200);
            long heapBefore = settledHeap();
            long jvmPssBefore = IdleSessionMemory.smapsRollup(ProcessHandle.current().pid()).get("Pss");
            String execute = JSON.createObjectNode().put("code", Snippet.TRIVIAL).toString();
            for (int i = 0; i < count; i++) {
                String id = send(http, server, "/api/sessions", "POST", "{}", 201).get("id").asText();
                JsonNode result = send(http, server, "/api/sessions/" + id + "/execute", "POST", execute, 200);
                if (!Snippet.EXPECTED_OUTPUT.equals(result.path("stdout").asText())) {
                    throw new IllegalStateException("the trivial snippet did not run in session " + i + ": " + result);
                }
            }
            Thread.sleep(IdleSessionMemory.SETTLE);

            IdleSessionMemory.SessionTrees trees = IdleSessionMemory.sessionTrees();
            List<Map<String, Object>> sessions = trees.sessions();
            if (sessions.size() != count) {
                throw new IllegalStateException("expected " + count + " session processes, found " + sessions.size());
            }
            long heapAfter = settledHeap();
            long jvmPssAfter = IdleSessionMemory.smapsRollup(ProcessHandle.current().pid()).get("Pss");

            report.put("sessions", count);
            for (String field : List.of("pssKb", "ussKb", "rssKb")) {
                LongSummaryStatistics stats = sessions.stream().mapToLong(s -> (Long) s.get(field)).summaryStatistics();
                report.put(field, Map.of("mean", Math.round(stats.getAverage()), "min", stats.getMin(),
                        "max", stats.getMax(), "sum", stats.getSum()));
            }
            // Sessions forked from the fork server share its pages: its processes' PSS is theirs to share too.
            report.put("forkServerPssKb", trees.serversPssKb());
            report.put("pssKbPerSessionWithForkServerShare",
                    (sessions.stream().mapToLong(s -> (Long) s.get("pssKb")).sum() + trees.serversPssKb()) / count);
            report.put("jvmHeapKbBefore", heapBefore / 1024);
            report.put("jvmHeapKbAfter", heapAfter / 1024);
            report.put("jvmHeapKbPerSession", (heapAfter - heapBefore) / 1024.0 / count);
            report.put("jvmPssKbBefore", jvmPssBefore);
            report.put("jvmPssKbAfter", jvmPssAfter);
            report.put("jvmPssKbPerSession", (jvmPssAfter - jvmPssBefore) / (double) count);
            report.put("jvmThreads", ManagementFactory.getThreadMXBean().getThreadCount());
            report.put("firstSession", sessions.get(0));
        }
        String text = JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), text + "\n");
        }
        System.out.println(text);
        // The MCP SDK's session sweeper (a non-daemon thread it never stops; README, "codeact serve") would keep
        // this JVM alive after the server is closed.
        System.exit(0);
    }

    private static JsonNode send(HttpClient http, CodeactServer server, String path, String method, String body,
                                 int expected) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + server.token())
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** The heap in use after full collections: what is live, as near as the JVM tells. */
    private static long settledHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
