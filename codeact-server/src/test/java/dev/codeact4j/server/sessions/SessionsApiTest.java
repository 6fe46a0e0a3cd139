package dev.codeact4j.server.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.StartupFile;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.InvalidRequestException;
import dev.codeact4j.server.settings.ServerLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions as a service through a real server on loopback and the real sandbox, called as clients call it: the
 * JDK's HTTP client, JSON and server-sent events.
 */
class SessionsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Sandbox SANDBOX = Sandbox.create();
    private static CodeactServer server;

    @BeforeAll
    static void start() {
        server = start(ServerLimits.defaults());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CodeactServer start(ServerLimits limits) {
        return start(limits, SandboxPolicy.builder().timeout(Duration.ofSeconds(30)).allowImports("os", "time").build());
    }

    static CodeactServer start(ServerLimits limits, SandboxPolicy policy) {
        return CodeactServer.builder().port(0).sandbox(SANDBOX)
                .policy(policy)
                .agents(request -> {
                    throw new InvalidRequestException("model", "no model in this test");
                })
                .limits(limits)
                .log(new PrintWriter(new StringWriter()))
                .start();
    }

    @Test
    void aSessionKeepsItsStateAcrossExecutes() throws Exception {
        JsonNode session = open(server, "{}");
        assertThat(session.get("language").asText()).isEqualTo("python");
        assertThat(session.get("timeoutSeconds").asDouble()).isEqualTo(30.0);
        assertThat(session.get("executions").asInt()).isZero();
        assertThat(Instant.parse(session.get("expiresAt").asText()))
                .isAfter(Instant.parse(session.get("lastUsedAt").asText()));
        String id = session.get("id").asText();

        JsonNode first = json(execute(server, id, "x = 41\nprint('set')"), 200);
        assertThat(first.get("index").asInt()).isZero();
        assertThat(first.get("source").asText()).isEqualTo("execute");
        assertThat(first.get("ok").asBoolean()).isTrue();
        assertThat(first.get("stdout").asText()).isEqualTo("set\n");
        JsonNode second = json(execute(server, id, "x + 1"), 200);
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(second.at("/result/json").asInt()).isEqualTo(42);

        JsonNode listed = json(send(server, request(server, "/api/sessions").GET()), 200);
        assertThat(listed.get("sessions")).anySatisfy(one -> {
            assertThat(one.get("id").asText()).isEqualTo(id);
            assertThat(one.get("executions").asInt()).isEqualTo(2);
            assertThat(one.get("running").asBoolean()).isFalse();
        });
        close(server, id);
        assertThat(json(send(server, request(server, "/api/sessions").GET()), 200).get("sessions"))
                .noneSatisfy(one -> assertThat(one.get("id").asText()).isEqualTo(id));
    }

    @Test
    void anErrorAndATimeoutAreTheSandboxsAnsweredIn200() throws Exception {
        String id = open(server, "{}").get("id").asText();
        JsonNode error = json(execute(server, id, "1 / 0"), 200);
        assertThat(error.get("ok").asBoolean()).isFalse();
        assertThat(error.at("/error/type").asText()).isEqualTo("ZeroDivisionError");

        JsonNode late = json(send(server, request(server, "/api/sessions/" + id + "/execute")
                .POST(body("{\"code\": \"while True: pass\", \"timeout\": 1}"))), 200);
        assertThat(late.get("timedOut").asBoolean()).isTrue();
        assertThat(late.at("/error/type").asText()).isEqualTo("TimeoutError");
        assertThat(late.at("/error/message").asText()).contains("time limit of 1 s");
        assertThat(json(execute(server, id, "'still here'"), 200).at("/result/json").asText()).isEqualTo("still here");
        close(server, id);
    }

    @Test
    void outputStreamsAsPrintedThenDisplaysThenTheResult() throws Exception {
        String id = open(server, "{}").get("id").asText();
        // The code waits for a file that the test puts there only once the first line has arrived: the first
        // event can only come while the code runs, never with the result.
        String code = """
                import os, time
                print('first', flush=True)
                for _ in range(600):
                    if os.path.exists('go'):
                        break
                    time.sleep(0.1)
                display('a table')
                print('second')
                'done'
                """;
        HttpResponse<Stream<String>> response = HTTP.send(request(server, "/api/sessions/" + id + "/execute")
                .header("Accept", "text/event-stream").POST(body(JSON.createObjectNode().put("code", code).toString()))
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<Map.Entry<String, JsonNode>> events = new ArrayList<>();
        Iterator<String> lines = response.body().iterator();
        String event = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("event:")) {
                event = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                JsonNode data = JSON.readTree(line.substring(5).strip());
                events.add(Map.entry(event, data));
                if (event.equals("result")) {
                    // The session is free once the result is sent: the next execution may follow at once.
                    assertThat(json(execute(server, id, "2"), 200).at("/result/json").asInt()).isEqualTo(2);
                }
                if (events.size() == 1) {
                    assertThat(event).isEqualTo("output");
                    assertThat(data.get("text").asText()).isEqualTo("first\n");
                    // the session runs: a second execution is refused, the files API is not
                    assertThat(execute(server, id, "1").statusCode()).isEqualTo(409);
                    assertThat(send(server, request(server, "/api/sessions/" + id + "/files/go")
                            .PUT(HttpRequest.BodyPublishers.ofString("now"))).statusCode()).isEqualTo(201);
                }
            }
        }
        assertThat(events).extracting(Map.Entry::getKey).containsExactly("output", "display", "output", "result");
        assertThat(events.get(0).getValue().get("stream").asText()).isEqualTo("stdout");
        assertThat(events.get(1).getValue().get("mime").asText()).isEqualTo("text/plain");
        assertThat(events.get(1).getValue().get("data").asText()).isEqualTo("'a table'");
        assertThat(events.get(2).getValue().get("text").asText()).isEqualTo("second\n");
        JsonNode result = events.get(3).getValue();
        assertThat(result.get("source").asText()).isEqualTo("execute");
        assertThat(result.at("/result/json").asText()).isEqualTo("done");
        assertThat(result.get("stdout").asText()).isEqualTo("first\nsecond\n");
        assertThat(result.get("displays").get(0).get("data").asText()).isEqualTo("'a table'");
        close(server, id);
    }

    @Test
    void aFigureComesInlineAsBase64Png() throws Exception {
        String id = open(server, "{}").get("id").asText();
        JsonNode result = json(execute(server, id, """
                import matplotlib.pyplot as plt
                plt.figure(figsize=(2, 2), dpi=40)
                plt.plot([1, 2, 3], [3, 1, 2])
                plt.show()
                """), 200);
        assertThat(result.get("ok").asBoolean()).isTrue();
        JsonNode display = result.get("displays").get(0);
        assertThat(display.get("mime").asText()).isEqualTo("image/png");
        assertThat(display.has("path")).isFalse();
        byte[] png = Base64.getDecoder().decode(display.get("data").asText());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        close(server, id);
    }

    @Test
    void filesGoUpAndComeDownIntactAndAreListedAndDeleted() throws Exception {
        String id = open(server, "{}").get("id").asText();
        byte[] upload = new byte[200_000];
        new Random(13).nextBytes(upload);
        HttpResponse<String> put = send(server, request(server, "/api/sessions/" + id + "/files/in/data.bin")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(upload)));
        JsonNode written = json(put, 201);
        assertThat(written.get("path").asText()).isEqualTo("in/data.bin");
        assertThat(written.get("size").asLong()).isEqualTo(upload.length);

        JsonNode seen = json(execute(server, id, """
                import hashlib
                data = open('in/data.bin', 'rb').read()
                open('out.bin', 'wb').write(bytes(range(256)) * 3 + data[:10])
                hashlib.sha256(data).hexdigest()
                """), 200);
        assertThat(seen.at("/result/json").asText()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(upload)));

        HttpResponse<byte[]> down = HTTP.send(request(server, "/api/sessions/" + id + "/files/out.bin").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.headers().firstValue("Content-Type").orElse("")).startsWith("application/octet-stream");
        assertThat(down.headers().firstValue("Content-Disposition").orElse("")).contains("attachment");
        assertThat(down.body()).hasSize(768 + 10);
        assertThat(down.body()[255]).isEqualTo((byte) 255);
        assertThat(down.body()[768]).isEqualTo(upload[0]);

        JsonNode listing = json(send(server, request(server, "/api/sessions/" + id + "/files").GET()), 200);
        assertThat(listing.get("truncated").asBoolean()).isFalse();
        assertThat(listing.get("files")).extracting(file -> file.get("path").asText() + ":" + file.get("size").asLong())
                .contains("in/data.bin:200000", "out.bin:778");
        assertThat(listing.get("files").get(0).has("modifiedAt")).isTrue();

        assertThat(send(server, request(server, "/api/sessions/" + id + "/files/in").DELETE()).statusCode())
                .isEqualTo(204);
        assertThat(json(send(server, request(server, "/api/sessions/" + id + "/files/in/data.bin").GET()), 404)
                .at("/error/type").asText()).isEqualTo("not_found");
        assertThat(json(execute(server, id, "import os\nos.path.exists('in')"), 200).at("/result/json").asBoolean())
                .isFalse();
        close(server, id);
    }

    @Test
    void pathsOutOfTheWorkingDirectoryAre400() throws Exception {
        String id = open(server, "{}").get("id").asText();
        assertThat(json(execute(server, id, """
                import os
                os.symlink('/etc/passwd', 'passwd')
                os.symlink('/', 'host')
                """), 200).get("ok").asBoolean()).isTrue();
        String files = "/api/sessions/" + id + "/files/";
        String escape = "codeact-escape-" + System.nanoTime();
        for (String path : List.of("../x", "a/../../x", "%2e%2e/x", "%2E%2E%2Fx", "%2Fetc%2Fpasswd", "host/etc/passwd",
                "host/tmp/" + escape)) {
            HttpResponse<String> read = send(server, request(server, files + path).GET());
            assertThat(read.statusCode()).as("GET " + path).isEqualTo(400);
            assertThat(JSON.readTree(read.body()).at("/error/type").asText()).as("GET " + path).isEqualTo("bad_request");
            HttpResponse<String> write = send(server, request(server, files + path)
                    .PUT(HttpRequest.BodyPublishers.ofString("escaped")));
            assertThat(write.statusCode()).as("PUT " + path).isEqualTo(400);
        }
        HttpResponse<String> link = send(server, request(server, files + "passwd").GET());
        assertThat(json(link, 400).at("/error/message").asText()).contains("passwd is a symbolic link");
        // Writing over a link replaces the link, never what it points at.
        String hostPasswd = Files.readString(Path.of("/etc/passwd"));
        json(send(server, request(server, files + "passwd").PUT(HttpRequest.BodyPublishers.ofString("mine"))), 201);
        assertThat(Files.readString(Path.of("/etc/passwd"))).isEqualTo(hostPasswd);
        assertThat(Path.of("/tmp", escape)).doesNotExist();
        close(server, id);
    }

    @Test
    void anIdleSessionIsClosedAfterTheTtlAndNoLongerListed() throws Exception {
        try (CodeactServer short_ = start(ServerLimits.defaults().withSessionTtl(Duration.ofMillis(700)))) {
            JsonNode session = open(short_, "{}");
            String id = session.get("id").asText();
            assertThat(Duration.between(Instant.parse(session.get("lastUsedAt").asText()),
                    Instant.parse(session.get("expiresAt").asText()))).isEqualTo(Duration.ofMillis(700));
            Instant deadline = Instant.now().plusSeconds(60);
            JsonNode listed;
            do {
                Thread.sleep(100);
                listed = json(send(short_, request(short_, "/api/sessions").GET()), 200).get("sessions");
            } while (!listed.isEmpty() && Instant.now().isBefore(deadline));
            assertThat(listed).isEmpty();
            assertThat(json(execute(short_, id, "1"), 404).at("/error/message").asText()).contains("unused");
        }
    }

    @Test
    void oneSessionOverTheLimitIs429WithRetryAfter() throws Exception {
        try (CodeactServer small = start(ServerLimits.defaults().withMaxSessions(2))) {
            String first = open(small, "{}").get("id").asText();
            open(small, "{}");
            HttpResponse<String> refused = send(small, request(small, "/api/sessions").POST(body("{}")));
            assertThat(json(refused, 429).at("/error/type").asText()).isEqualTo("too_many");
            assertThat(refused.headers().firstValue("Retry-After").map(Long::parseLong).orElse(0L)).isPositive();
            close(small, first);
            open(small, "{}");
        }
    }

    @Test
    void anUnknownSessionIs404() throws Exception {
        for (HttpRequest.Builder call : List.of(
                request(server, "/api/sessions/nope").GET(),
                request(server, "/api/sessions/nope").DELETE(),
                request(server, "/api/sessions/nope/execute").POST(body("{\"code\": \"1\"}")),
                request(server, "/api/sessions/nope/files").GET(),
                request(server, "/api/sessions/nope/files/a.txt").PUT(HttpRequest.BodyPublishers.ofString("x")))) {
            HttpResponse<String> response = send(server, call);
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("No session nope");
        }
    }

    @Test
    void eachBadFieldIs400NamingIt() throws Exception {
        Map<String, String> bodies = Map.of(
                "{\"language\": \"cobol\"}", "language",
                "{\"timeoutSeconds\": -1}", "timeoutSeconds",
                "{\"memoryMb\": 10}", "memoryMb",
                "{\"allowImports\": \"requests\"}", "allowImports",
                "{\"network\": \"yes\"}", "network",
                "{\"allowHosts\": [\"not a host!\"]}", "allowHosts",
                "{\"network\": true, \"allowHosts\": [\"example.com\"]}", "allowHosts",
                "{\"timeout\": 5}", "timeout");
        for (Map.Entry<String, String> bad : bodies.entrySet()) {
            HttpResponse<String> response = send(server, request(server, "/api/sessions").POST(body(bad.getKey())));
            assertThat(json(response, 400).at("/error/field").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
        }
        String id = open(server, "{}").get("id").asText();
        for (Map.Entry<String, String> bad : Map.of("{}", "code", "{\"code\": 1}", "code",
                "{\"code\": \"1\", \"timeout\": \"soon\"}", "timeout").entrySet()) {
            HttpResponse<String> response = send(server, request(server, "/api/sessions/" + id + "/execute")
                    .POST(body(bad.getKey())));
            assertThat(json(response, 400).at("/error/field").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
        }
        close(server, id);
    }

    @Test
    void anUploadOverTheBodyLimitIs413WithALengthOrWithout() throws Exception {
        try (CodeactServer small = start(ServerLimits.defaults().withMaxBodyBytes(64 * 1024))) {
            String id = open(small, "{}").get("id").asText();
            byte[] big = new byte[100 * 1024];
            HttpResponse<String> sized = send(small, request(small, "/api/sessions/" + id + "/files/big.bin")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(big)));
            assertThat(json(sized, 413).at("/error/type").asText()).isEqualTo("too_large");
            // Without a Content-Length (chunked), the limit holds while the body is read.
            HttpResponse<String> chunked = send(small, request(small, "/api/sessions/" + id + "/files/big.bin")
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
            assertThat(chunked.statusCode()).isEqualTo(413);
            assertThat(json(send(small, request(small, "/api/sessions/" + id + "/files").GET()), 200).get("files"))
                    .isEmpty();
        }
    }

    @Test
    void aJavaScriptSession() throws Exception {
        JsonNode session = open(server, "{\"language\": \"javascript\", \"timeoutSeconds\": 10, \"memoryMb\": 512}");
        assertThat(session.get("language").asText()).isEqualTo("javascript");
        assertThat(session.get("memoryMb").asInt()).isEqualTo(512);
        String id = session.get("id").asText();
        assertThat(json(execute(server, id, "const answer = 6 * 7\nconsole.log('js')"), 200).get("stdout").asText())
                .isEqualTo("js\n");
        assertThat(json(execute(server, id, "await Promise.resolve(answer)"), 200).at("/result/json").asInt())
                .isEqualTo(42);
        close(server, id);
    }

    @Test
    void theServersPythonToolAndSetupFilesAreInEverySessionOfItsLanguage() throws Exception {
        SandboxPolicy policy = SandboxPolicy.builder().timeout(Duration.ofSeconds(30)).allowImports("time")
                .pythonTools(List.of(new StartupFile("suite.py", """
                        def max(values: list[float]) -> float:
                            \"""The largest value, plus a half: this suite's own.\"""
                            best = values[0]
                            for value in values:
                                best = value if value > best else best
                            return best + 0.5
                        """)))
                .setup(List.of(new StartupFile("setup.py", "import time\ntime.sleep(0.3)\nreadings = [3, 9, 4]\n")))
                .build();
        try (CodeactServer withFiles = start(ServerLimits.defaults(), policy)) {
            String id = open(withFiles, "{}").get("id").asText();
            assertThat(json(execute(withFiles, id, "max(readings)"), 200).at("/result/json").asDouble()).isEqualTo(9.5);
            close(withFiles, id);

            // a session of the other language starts bare: the files are Python
            String js = open(withFiles, "{\"language\": \"javascript\"}").get("id").asText();
            assertThat(json(execute(withFiles, js, "typeof readings"), 200).at("/result/json").asText())
                    .isEqualTo("undefined");
            close(withFiles, js);

            // the setup runs under the limits the request asks for
            HttpResponse<String> tooShort = send(withFiles, request(withFiles, "/api/sessions")
                    .POST(body("{\"timeoutSeconds\": 0.1}")));
            assertThat(json(tooShort, 400).at("/error/message").asText())
                    .startsWith("The session could not start: the ").contains("TimeoutError");
            assertThat(json(send(withFiles, request(withFiles, "/api/sessions").GET()), 200).get("sessions")).isEmpty();
        }
    }

    @Test
    void closingTheServerClosesItsSessions() throws Exception {
        String marker = "marker-" + System.nanoTime();
        CodeactServer closing = start(ServerLimits.defaults());
        String id = open(closing, "{}").get("id").asText();
        assertThat(json(execute(closing, id, "open('" + marker + "', 'w').write('x')"), 200).get("ok").asBoolean())
                .isTrue();
        List<Path> found = sessionDirectoriesHolding(marker);
        assertThat(found).hasSize(1);
        closing.close();
        assertThat(found.get(0)).doesNotExist();
    }

    @Test
    void aSessionSaysHowItWasStarted() throws Exception {
        JsonNode forked = open(server, "{}");
        assertThat(forked.at("/start/forked").asBoolean()).as(forked.toString()).isTrue();
        assertThat(forked.at("/start/reason").isMissingNode()).isTrue();
        assertThat(forked.at("/start/ms").asDouble()).isPositive();
        JsonNode plain = open(server, "{\"network\": true}");
        assertThat(plain.at("/start/forked").asBoolean()).isFalse();
        assertThat(plain.at("/start/reason").asText()).contains("network");
        close(server, forked.get("id").asText());
        close(server, plain.get("id").asText());
    }

    @Test
    void theOpenApiDocumentDescribesEverySessionRoute() throws Exception {
        JsonNode paths = json(send(server, request(server, "/api/openapi.json").GET()), 200).get("paths");
        Map<String, List<String>> routes = Map.of(
                "/api/sessions", List.of("get", "post"),
                "/api/sessions/{id}", List.of("get", "delete"),
                "/api/sessions/{id}/execute", List.of("post"),
                "/api/sessions/{id}/files", List.of("get"),
                "/api/sessions/{id}/files/{path}", List.of("get", "put", "delete"));
        routes.forEach((path, methods) -> methods.forEach(method ->
                assertThat(paths.path(path).has(method)).as(method + " " + path).isTrue()));
    }

    /**
     * The host directories of sessions whose working directory holds {@code name}: plain sessions' in java.io.tmpdir,
     * forked sessions' in their fork server's directory there.
     */
    private static List<Path> sessionDirectoriesHolding(String name) throws IOException {
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            for (Path dir : dirs.toList()) {
                String fileName = dir.getFileName().toString();
                if (fileName.startsWith("codeact-session-")) {
                    candidates.add(dir);
                } else if (fileName.startsWith("codeact-fork-") && Files.isDirectory(dir.resolve("s"))) {
                    try (Stream<Path> forked = Files.list(dir.resolve("s"))) {
                        candidates.addAll(forked.toList());
                    }
                }
            }
        }
        return candidates.stream().filter(dir -> Files.exists(dir.resolve("disk/work").resolve(name))
                || Files.exists(dir.resolve("work").resolve(name))).toList();
    }

    static JsonNode open(CodeactServer server, String body) throws Exception {
        HttpResponse<String> response = send(server, request(server, "/api/sessions").POST(body(body)));
        JsonNode session = json(response, 201);
        assertThat(response.headers().firstValue("Location")).hasValue("/api/sessions/" + session.get("id").asText());
        return session;
    }

    static void close(CodeactServer server, String id) throws Exception {
        assertThat(send(server, request(server, "/api/sessions/" + id).DELETE()).statusCode()).isEqualTo(204);
    }

    static HttpResponse<String> execute(CodeactServer server, String id, String code) throws Exception {
        return send(server, request(server, "/api/sessions/" + id + "/execute")
                .POST(body(JSON.createObjectNode().put("code", code).toString())));
    }

    static JsonNode json(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    static HttpRequest.BodyPublisher body(String json) {
        return HttpRequest.BodyPublishers.ofString(json);
    }

    static HttpRequest.Builder request(CodeactServer server, String path) {
        return HttpRequest.newBuilder(URI.create(server.url().toString().replaceAll("/$", "") + path))
                .header("Authorization", "Bearer " + server.token())
                .header("Content-Type", "application/json");
    }

    static HttpResponse<String> send(CodeactServer server, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
