package dev.codeact4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.server.settings.InvalidRequestException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token, Host and Origin checks, and the one error shape, through a real server on loopback. */
class AccessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static CodeactServer server;

    @BeforeAll
    static void start() {
        server = CodeactServer.builder().port(0).sandbox(Sandbox.create())
                .agents(request -> {
                    throw new InvalidRequestException("model", "no model in this test");
                })
                .log(new PrintWriter(new StringWriter()))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theReadyUrlCarriesAGeneratedToken() {
        assertThat(server.token()).hasSize(48);
        assertThat(server.readyUrl().toString())
                .isEqualTo("http://127.0.0.1:" + server.port() + "/?token=" + server.token());
    }

    @Test
    void anApiCallWithoutTheTokenIs401InTheErrorShape() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api("/api/info")).GET());
        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("unauthorized");
        assertThat(error.get("message").asText()).contains("Authorization: Bearer");

        HttpResponse<String> wrong = send(HttpRequest.newBuilder(api("/api/info"))
                .header("Authorization", "Bearer " + "x".repeat(48)).GET());
        assertThat(wrong.statusCode()).isEqualTo(401);
    }

    @Test
    void theTokenOpensTheApiAsAHeaderOrAQueryParameter() throws Exception {
        HttpResponse<String> header = send(authorized("/api/info").GET());
        assertThat(header.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(header.body()).get("language").asText()).isEqualTo("python");
        HttpResponse<String> query = send(HttpRequest.newBuilder(api("/api/info?token=" + server.token())).GET());
        assertThat(query.statusCode()).isEqualTo(200);
    }

    @Test
    void aForeignOriginIs403EvenWithTheToken() throws Exception {
        HttpResponse<String> response = send(authorized("/api/info").header("Origin", "http://evil.example").GET());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(response.body()).at("/error/type").asText()).isEqualTo("forbidden");

        HttpResponse<String> otherPort = send(authorized("/api/info")
                .header("Origin", "http://127.0.0.1:" + (server.port() + 1)).GET());
        assertThat(otherPort.statusCode()).isEqualTo(403);

        HttpResponse<String> own = send(authorized("/api/info")
                .header("Origin", "http://localhost:" + server.port()).GET());
        assertThat(own.statusCode()).isEqualTo(200);
    }

    @Test
    void aForeignHostIs403() throws Exception {
        // The JDK's client will not send another Host header: a raw request, as a rebinding page's would arrive.
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/info HTTP/1.1\r\nHost: attacker.example:" + server.port() + "\r\nAuthorization: Bearer "
                    + server.token() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 403").contains("loopback");
        }
    }

    @Test
    void anUnknownRouteIs404InTheErrorShape() throws Exception {
        HttpResponse<String> response = send(authorized("/api/nothing-here").GET());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("/api/openapi.json");
    }

    @Test
    void aNetworkAddressWithoutAChosenTokenIsRefused() {
        assertThatThrownBy(() -> CodeactServer.builder().host("0.0.0.0").port(0).sandbox(Sandbox.create())
                .agents(request -> null).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--token");
    }

    private static URI api(String path) {
        return server.url().resolve(path);
    }

    private static HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(api(path)).header("Authorization", "Bearer " + server.token());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
