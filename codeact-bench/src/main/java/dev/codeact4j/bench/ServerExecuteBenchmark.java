package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.InvalidRequestException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The server's own cost per execution: the trivial snippet through {@code POST /api/sessions/{id}/execute} of a
 * {@code codeact serve} on loopback (the JDK's HTTP client, HTTP/1.1 kept alive, the JSON answer read whole),
 * answered as JSON ({@code http}; {@code httpMinimalClient} the same with a client that costs next to nothing) or
 * as server-sent events read to the {@code result} event ({@code httpStreamed}),
 * beside the same snippet through the library ({@code library}: {@link Session#execute} in a session of the same
 * policy). All run in one fork, one after another, on sessions opened once.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ServerExecuteBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = JSON.createObjectNode().put("code", Snippet.TRIVIAL).toString();

    private Sandbox sandbox;
    private Session session;
    private CodeactServer server;
    private HttpClient http;
    private HttpRequest execute;
    private HttpRequest executeStreamed;
    private MinimalClient minimal;

    @Setup
    public void start() throws Exception {
        sandbox = Sandbox.create();
        session = sandbox.open(SandboxPolicy.defaults());
        Snippet.check(session.execute(Snippet.TRIVIAL));
        server = CodeactServer.builder().port(0).sandbox(sandbox)
                .agents(request -> {
                    throw new InvalidRequestException("model", "this server runs no agents");
                })
                .log(new PrintWriter(Writer.nullWriter()))
                .start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> opened = http.send(request("/api/sessions").POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (opened.statusCode() != 201) {
            throw new IllegalStateException("the server did not open a session: " + opened.body());
        }
        String id = JSON.readTree(opened.body()).get("id").asText();
        execute = request("/api/sessions/" + id + "/execute").POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
        executeStreamed = request("/api/sessions/" + id + "/execute").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
        check(http());
        checkStreamed(httpStreamed());
        minimal = new MinimalClient(server.port(), "POST /api/sessions/" + id + "/execute HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + server.port() + "\r\nAuthorization: Bearer " + server.token()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY);
        checkExecution(JSON.readTree(httpMinimalClient()));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + server.token())
                .header("Content-Type", "application/json");
    }

    @Benchmark
    public ExecutionResult library() {
        return session.execute(Snippet.TRIVIAL);
    }

    @Benchmark
    public HttpResponse<String> http() throws IOException, InterruptedException {
        return http.send(execute, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The JSON answer with a client that does next to nothing (one kept-alive socket, the request's bytes written
     * as they are, the answer read by its length): the JDK's client is not free, and this row shows how much of
     * the difference is the server's.
     */
    @Benchmark
    public String httpMinimalClient() throws IOException {
        return minimal.exchange();
    }

    /** Reads the event stream up to the result's data line, the last the server sends. */
    @Benchmark
    public String httpStreamed() throws IOException, InterruptedException {
        HttpResponse<Stream<String>> response = http.send(executeStreamed, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            Iterator<String> iterator = lines.iterator();
            boolean result = false;
            while (iterator.hasNext()) {
                String line = iterator.next();
                if (line.startsWith("event:") && line.substring(6).strip().equals("result")) {
                    result = true;
                } else if (result && line.startsWith("data:")) {
                    return line;
                }
            }
        }
        throw new IllegalStateException("the event stream ended without a result");
    }

    @TearDown
    public void stop() throws Exception {
        // The last answers are checked too, so a session that broke midway cannot go unnoticed.
        Snippet.check(session.execute(Snippet.TRIVIAL));
        check(http());
        checkStreamed(httpStreamed());
        checkExecution(JSON.readTree(httpMinimalClient()));
        minimal.close();
        server.close();
        session.close();
    }

    /** HTTP/1.1 on one socket: the same request every time, an answer with a Content-Length (as Jetty sends it). */
    private static final class MinimalClient implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;
        private final byte[] request;

        MinimalClient(int port, String request) throws IOException {
            this.socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            this.request = request.getBytes(StandardCharsets.UTF_8);
        }

        String exchange() throws IOException {
            out.write(request);
            out.flush();
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the server closed the connection");
                }
                head.append((char) b);
            }
            String headers = head.toString().toLowerCase(Locale.ROOT);
            if (!headers.startsWith("http/1.1 200")) {
                throw new IllegalStateException("the server answered " + head);
            }
            int at = headers.indexOf("content-length:");
            if (at < 0) {
                throw new IllegalStateException("no Content-Length in " + head);
            }
            int length = Integer.parseInt(headers.substring(at + 15, headers.indexOf("\r\n", at)).strip());
            byte[] body = new byte[length];
            in.readFully(body);
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void check(HttpResponse<String> response) throws IOException {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the server answered " + response.statusCode() + ": " + response.body());
        }
        checkExecution(JSON.readTree(response.body()));
    }

    private static void checkStreamed(String dataLine) throws IOException {
        checkExecution(JSON.readTree(dataLine.substring("data:".length())));
    }

    private static void checkExecution(JsonNode execution) {
        if (!execution.path("ok").asBoolean() || !Snippet.EXPECTED_OUTPUT.equals(execution.path("stdout").asText())) {
            throw new IllegalStateException("the trivial snippet did not run as expected through the server: " + execution);
        }
    }
}
