package dev.codeact4j.cli;

import com.sun.net.httpserver.HttpServer;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code codeact run} with the OTEL_* variables: spans reach an OTLP/HTTP receiver on loopback when they ask for
 * it, and nothing is sent (and nothing breaks) when they do not or when they ask for what codeact cannot do.
 */
class TraceExportTest {
    /** One request the receiver got. */
    record Received(String method, String path, String contentType, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.ISO_8859_1); // protobuf: the strings are in it as they are
        }
    }

    @TempDir
    Path home;

    private HttpServer receiver;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private ScriptedModelServer model;

    @BeforeEach
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            try (exchange) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
                exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            }
        });
        receiver.start();
        model = ScriptedModelServer.openAi().reply("```python\nfinal_answer(6 * 7)\n```", 100, 10);
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
        model.close();
    }

    private String endpoint() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort();
    }

    private CodeactRun run(Map<String, String> otel) {
        Map<String, String> environment = new HashMap<>(otel);
        environment.put("CODEACT_HOME", home.toString());
        return CodeactRun.of(environment, "run", "--model", "openai:scripted-model", "--base-url", model.baseUrl(),
                "--api-key", "k", "--json", "What is 6 * 7?");
    }

    @Test
    void anOtlpEndpointGetsTheRunsSpansWhenTheCommandEnds() {
        CodeactRun run = run(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(), "OTEL_SERVICE_NAME", "codeact-test"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"answer\":42");
        assertThat(received).isNotEmpty().allSatisfy(request -> {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo("/v1/traces"); // traces only: no metrics, no logs
            assertThat(request.contentType()).isEqualTo("application/x-protobuf");
        });
        String spans = String.join("", received.stream().map(Received::text).toList());
        assertThat(spans).contains("codeact-test", "dev.codeact4j", "invoke_agent codeact", "step",
                "chat scripted-model", "execute_code", "gen_ai.operation.name", "gen_ai.usage.input_tokens");
    }

    @Test
    void noVariablesOrTheNoneExporterSendNothing() {
        assertThat(TraceExport.wanted(Map.of())).isFalse();
        assertThat(TraceExport.wanted(Map.of("OTEL_SERVICE_NAME", "x"))).isFalse();
        assertThat(TraceExport.wanted(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"))).isTrue();
        assertThat(TraceExport.wanted(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
        assertThat(TraceExport.wanted(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(), "OTEL_SDK_DISABLED", "true"))).isFalse();

        CodeactRun run = run(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(), "OTEL_TRACES_EXPORTER", "none"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("tracing");
        assertThat(received).isEmpty();
    }

    @Test
    void aConfigurationCodeactCannotServeTurnsTracingOffWithAWarning() {
        CodeactRun run = run(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"answer\":42");
        assertThat(run.err()).contains("codeact: tracing is off");
        assertThat(received).isEmpty();
    }
}
