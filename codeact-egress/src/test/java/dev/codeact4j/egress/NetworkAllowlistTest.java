package dev.codeact4j.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.codeact4j.sandbox.network.NetworkRequest;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.ExecutionResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Network by allowlist, end to end: code in the real sandbox, with every module allowed, uses requests, urllib,
 * pandas and a CONNECT tunnel through the relay and the host's egress proxy to reach servers on the host's
 * loopback. {@code upstream.codeact.test} resolves to 127.0.0.1 through the test JVM's hosts file.
 */
class NetworkAllowlistTest {
    /** The sandbox as a user takes it: it finds this module's gateway on the class path. */
    private static final Sandbox SANDBOX = Sandbox.create();

    private static HttpServer allowed;
    private static HttpServer other;
    private static final AtomicInteger otherHits = new AtomicInteger();

    @BeforeAll
    static void startServers() throws IOException {
        other = server(exchange -> {
            otherHits.incrementAndGet();
            respond(exchange, 200, "text/plain", "the other server's secret");
        });
        allowed = server(exchange -> {
            switch (exchange.getRequestURI().getPath()) {
                case "/data.csv" -> respond(exchange, 200, "text/csv", "city,people\nOslo,709000\nBergen,291000\n");
                case "/redirect" -> {
                    exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + port(other) + "/secret");
                    exchange.sendResponseHeaders(302, -1);
                    exchange.close();
                }
                default -> respond(exchange, 200, "text/plain", "hello from the allowed server");
            }
        });
    }

    @AfterAll
    static void stopServers() {
        allowed.stop(0);
        other.stop(0);
    }

    @Test
    void javascriptsFetchGoesThroughTheEgressProxy() {
        int a = port(allowed);
        int b = port(other);
        SandboxPolicy policy = quickPolicy().language(Language.JAVASCRIPT).allowedImports(Set.of("*"))
                .allowHosts("127.0.0.1:" + a).build();
        try (Session session = SANDBOX.open(policy)) {
            ExecutionResult result = session.execute("""
                    const allowed = await fetch('http://127.0.0.1:%d/data.csv');
                    [allowed.status, await allowed.text()]
                    """.formatted(a));
            assertThat(result.error()).isNull();
            assertThat(result.result().json().toString())
                    .isEqualTo("[200,\"city,people\\nOslo,709000\\nBergen,291000\\n\"]");
            // fetch tunnels through the proxy (CONNECT) even for http://, so a refusal is an error (undici says only
            // that the request was cancelled); the execution's network requests say why.
            ExecutionResult refused = session.execute("await fetch('http://127.0.0.1:%d/secret')".formatted(b));
            assertThat(refused.error().message()).contains("fetch failed");
            assertThat(refused.networkRequests().getFirst().refusal()).contains("not in the allowlist");
            assertThat(otherHits.get()).as("the other server was never reached").isZero();
            assertThat(result.networkRequests()).extracting(r -> r.host() + ":" + r.port() + " " + r.allowed())
                    .containsExactly("127.0.0.1:" + a + " true");
            assertThat(refused.networkRequests()).extracting(r -> r.host() + ":" + r.port() + " " + r.allowed())
                    .containsExactly("127.0.0.1:" + b + " false");
        }
    }

    @Test
    void onlyAllowedHostsAreReachedAndEveryRequestIsRecorded() {
        int a = port(allowed);
        int b = port(other);
        SandboxPolicy policy = quickPolicy().allowedImports(Set.of("*"))
                .allowHosts("127.0.0.1:" + a, "*.codeact.test:" + a).build();
        try (Session session = SANDBOX.open(policy)) {
            ExecutionResult result = session.execute("""
                    import os, http.client, urllib.request, urllib.error, requests, pandas as pd
                    A, B = %d, %d
                    out = {}
                    r = requests.get(f'http://127.0.0.1:{A}/hello', timeout=10)
                    out['allowed'] = [r.status_code, r.text]
                    r = requests.get(f'http://127.0.0.1:{B}/secret', timeout=10)
                    out['other'] = [r.status_code, r.text]
                    r = requests.get(f'http://127.0.0.1:{A}/redirect', timeout=10)
                    out['redirect'] = [[h.status_code for h in r.history], r.status_code]
                    r = requests.get(f'http://upstream.codeact.test:{A}/hello', timeout=10)
                    out['wildcard to loopback'] = [r.status_code, r.text]
                    out['pandas'] = int(pd.read_csv(f'http://127.0.0.1:{A}/data.csv').people.sum())
                    try:
                        urllib.request.urlopen(f'http://127.0.0.1:{B}/secret', timeout=10)
                    except urllib.error.HTTPError as error:
                        out['urllib'] = error.code
                    proxy = os.environ['HTTPS_PROXY'].rsplit(':', 1)
                    tunnel = http.client.HTTPConnection(proxy[0].split('//')[1], int(proxy[1]), timeout=10)
                    tunnel.set_tunnel('127.0.0.1', A)
                    tunnel.request('GET', '/through-the-tunnel')
                    response = tunnel.getresponse()
                    out['tunnel'] = [response.status, response.read().decode()]
                    refused = http.client.HTTPConnection(proxy[0].split('//')[1], int(proxy[1]), timeout=10)
                    refused.set_tunnel('127.0.0.1', B)
                    try:
                        refused.request('GET', '/')
                    except OSError as error:
                        out['refused tunnel'] = str(error)
                    out
                    """.formatted(a, b));

            assertThat(result.error()).isNull();
            JsonNode out = result.result().json();
            assertThat(out.get("allowed").toString()).isEqualTo("[200,\"hello from the allowed server\"]");
            assertThat(out.get("other").get(0).asInt()).isEqualTo(403);
            assertThat(out.get("other").get(1).asText()).contains("127.0.0.1:" + b).contains("--allow-host 127.0.0.1:" + b);
            assertThat(out.get("redirect").toString()).isEqualTo("[[302],403]");
            assertThat(out.get("wildcard to loopback").get(0).asInt()).isEqualTo(403);
            assertThat(out.get("wildcard to loopback").get(1).asText()).contains("upstream.codeact.test").contains("loopback");
            assertThat(out.get("pandas").asInt()).isEqualTo(1_000_000);
            assertThat(out.get("urllib").asInt()).isEqualTo(403);
            assertThat(out.get("tunnel").toString()).isEqualTo("[200,\"hello from the allowed server\"]");
            assertThat(out.get("refused tunnel").asText()).contains("403");
            assertThat(otherHits.get()).as("the other server was never reached").isZero();

            assertThat(result.networkRequests()).extracting(r -> r.method() + " " + r.host() + ":" + r.port() + " " + r.allowed())
                    .containsExactly(
                            "GET 127.0.0.1:" + a + " true",
                            "GET 127.0.0.1:" + b + " false",
                            "GET 127.0.0.1:" + a + " true",
                            "GET 127.0.0.1:" + b + " false",
                            "GET upstream.codeact.test:" + a + " false",
                            "GET 127.0.0.1:" + a + " true",
                            "GET 127.0.0.1:" + b + " false",
                            "CONNECT 127.0.0.1:" + a + " true",
                            "CONNECT 127.0.0.1:" + b + " false");
            NetworkRequest first = result.networkRequests().get(0);
            assertThat(first.bytesReceived()).isEqualTo("hello from the allowed server".length());
            NetworkRequest tunnel = result.networkRequests().get(7);
            assertThat(tunnel.bytesSent()).isPositive();
            assertThat(tunnel.bytesReceived()).isGreaterThan("hello from the allowed server".length());
            assertThat(result.networkRequests().get(1).refusal()).contains("not in the allowlist");

            ExecutionResult next = session.execute("1 + 1");
            assertThat(next.networkRequests()).as("each execution reports its own requests").isEmpty();
        }
    }

    @Test
    void withoutAnAllowlistThereIsNoProxyAndNoRoute() {
        try (Session session = SANDBOX.open(quickPolicy().allowedImports(Set.of("*")).build())) {
            ExecutionResult result = session.execute("""
                    import os, socket
                    tried = []
                    for port in (3128, %d):
                        try:
                            socket.create_connection(('127.0.0.1', port), timeout=2)
                            tried.append('connected')
                        except OSError as error:
                            tried.append(type(error).__name__)
                    [sorted(k for k in os.environ if 'proxy' in k.lower()), tried]
                    """.formatted(port(allowed)));
            assertThat(result.result().json().toString()).isEqualTo("[[],[\"ConnectionRefusedError\",\"ConnectionRefusedError\"]]");
        }
    }

    @Test
    void theNetworkSwitchAndAnAllowlistCannotBeCombined() {
        assertThatThrownBy(() -> SandboxPolicy.builder().network(true).allowHosts("example.org").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--network or --allow-host");
        assertThatThrownBy(() -> SandboxPolicy.builder().allowHosts("exa mple.org").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exa mple.org");
    }

    private static HttpServer server(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", handler);
        server.start();
        return server;
    }

    private static int port(HttpServer server) {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static SandboxPolicy.Builder quickPolicy() {
        return SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).interruptGrace(Duration.ofSeconds(1));
    }
}
