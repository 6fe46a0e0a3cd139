package dev.codeact4j.egress;

import dev.codeact4j.sandbox.network.NetworkRequest;
import dev.codeact4j.sandbox.network.HostAllowlist;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The egress proxy with real parts: upstream HTTP servers on 127.0.0.1, and a client that speaks HTTP to the
 * proxy's Unix socket as the sandbox's relay would. {@code upstream.codeact.test} resolves to 127.0.0.1 through
 * the test JVM's hosts file (surefire's argLine sets {@code jdk.net.hosts.file}).
 */
@Timeout(60)
class EgressProxyTest {
    private static final String TEST_NAME = "upstream.codeact.test";
    private static final String ALLOWED_BODY = "hello from the allowed server";

    private static HttpServer allowed;
    private static HttpServer secret;
    private static HttpServer redirector;
    private static final AtomicInteger allowedHits = new AtomicInteger();
    private static final AtomicInteger secretHits = new AtomicInteger();

    @TempDir
    Path dir;
    private EgressProxy proxy;

    @BeforeAll
    static void startUpstreams() throws IOException {
        allowed = upstream(exchange -> {
            allowedHits.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            String text = body.length == 0 ? ALLOWED_BODY : ALLOWED_BODY + ", got " + body.length + " bytes";
            respond(exchange, 200, text);
        });
        secret = upstream(exchange -> {
            secretHits.incrementAndGet();
            respond(exchange, 200, "the secret");
        });
        redirector = upstream(exchange -> {
            exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + port(secret) + "/secret");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
    }

    @AfterAll
    static void stopUpstreams() {
        allowed.stop(0);
        secret.stop(0);
        redirector.stop(0);
    }

    @BeforeEach
    void newProxy() {
        proxy = new EgressProxy();
        allowedHits.set(0);
        secretHits.set(0);
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    // --- allowed requests reach the server and are counted

    @Test
    void anAllowedPlainGetReachesTheServerAndIsRecorded() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed));

        Response response = send(route, get("http://127.0.0.1:" + port(allowed) + "/x"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(ALLOWED_BODY);
        assertThat(allowedHits).hasValue(1);
        assertThat(route.takeRequests()).containsExactly(new NetworkRequest("127.0.0.1", port(allowed), "GET", true,
                null, 0, ALLOWED_BODY.length()));
        assertThat(route.takeRequests()).as("taken requests are forgotten").isEmpty();
    }

    @Test
    void anAllowedPostCountsTheBodyEachWay() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed));
        String body = "twelve bytes";

        Response response = send(route, "POST http://127.0.0.1:" + port(allowed) + "/upload HTTP/1.1\r\nHost: 127.0.0.1:"
                + port(allowed) + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(ALLOWED_BODY + ", got 12 bytes");
        assertThat(route.takeRequests()).containsExactly(new NetworkRequest("127.0.0.1", port(allowed), "POST", true,
                null, 12, response.body().length()));
    }

    @Test
    void anAllowedConnectTunnelsToTheServerAndCountsItsBytes() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed));

        Tunnel tunnel = tunnel(route, "127.0.0.1", port(allowed));

        assertThat(tunnel.connectResponse()).startsWith("HTTP/1.1 200");
        assertThat(tunnel.inner().status()).isEqualTo(200);
        assertThat(tunnel.inner().body()).isEqualTo(ALLOWED_BODY);
        assertThat(allowedHits).hasValue(1);
        assertThat(route.takeRequests()).containsExactly(new NetworkRequest("127.0.0.1", port(allowed), "CONNECT",
                true, null, tunnel.sentBytes(), tunnel.receivedBytes()));
    }

    // --- refusals by the allowlist

    @Test
    void aPortNotInTheListIsRefusedWithHowToAllowIt() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed), "*.pypi.org");
        String destination = "127.0.0.1:" + port(secret);

        Response plain = send(route, get("http://" + destination + "/secret"));
        Response connect = send(route, "CONNECT " + destination + " HTTP/1.1\r\nHost: " + destination + "\r\n\r\n");

        for (Response response : List.of(plain, connect)) {
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.head()).containsIgnoringCase("content-type: text/plain");
            assertThat(response.body())
                    .startsWith("codeact: the sandbox may not reach " + destination + ": it is not in the allowlist")
                    .contains("allowed: 127.0.0.1:" + port(allowed) + ", *.pypi.org")
                    .contains("--allow-host " + destination)
                    .contains("allowHosts(\"" + destination + "\")");
        }
        assertThat(secretHits).hasValue(0);
        assertThat(route.takeRequests()).extracting(NetworkRequest::method, NetworkRequest::allowed)
                .containsExactly(tuple("GET", false),
                        tuple("CONNECT", false));
    }

    @Test
    void aRedirectToARefusedHostIsRefusedWhenTheClientFollowsIt() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed), "127.0.0.1:" + port(redirector));

        Response redirect = send(route, get("http://127.0.0.1:" + port(redirector) + "/go"));
        assertThat(redirect.status()).as("the proxy does not follow redirects itself").isEqualTo(302);
        String location = redirect.header("Location");
        assertThat(location).isEqualTo("http://127.0.0.1:" + port(secret) + "/secret");

        Response followed = send(route, get(location));

        assertThat(followed.status()).isEqualTo(403);
        assertThat(followed.body()).contains("127.0.0.1:" + port(secret)).contains("--allow-host");
        assertThat(secretHits).hasValue(0);
        List<NetworkRequest> requests = route.takeRequests();
        assertThat(requests).extracting(NetworkRequest::port, NetworkRequest::allowed)
                .containsExactly(tuple(port(redirector), true),
                        tuple(port(secret), false));
        assertThat(requests.get(1).refusal()).startsWith("it is not in the allowlist");
    }

    // --- the address rule: a wildcard does not reach internal addresses, an exact name does

    @Test
    void aWildcardMatchingANameThatResolvesToLoopbackIsRefused() throws IOException {
        assertTestNameResolvesToLoopback();
        EgressProxy.Route route = open("*.codeact.test:" + port(allowed));
        String destination = TEST_NAME + ":" + port(allowed);

        Response connect = send(route, "CONNECT " + destination + " HTTP/1.1\r\nHost: " + destination + "\r\n\r\n");
        Response plain = send(route, get("http://" + destination + "/x"));

        for (Response response : List.of(connect, plain)) {
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.body()).startsWith("codeact: the sandbox may not reach " + destination + ": "
                    + TEST_NAME + " resolves to 127.0.0.1, a loopback address, which is reached only when the host"
                    + " is named exactly (it matched *.codeact.test:" + port(allowed) + ")")
                    .contains("--allow-host " + destination);
        }
        assertThat(allowedHits).hasValue(0);
        assertThat(route.takeRequests()).allSatisfy(request -> {
            assertThat(request.allowed()).isFalse();
            assertThat(request.refusal()).contains("a loopback address");
        });
    }

    @Test
    void theSameNameNamedExactlyIsAllowed() throws IOException {
        assertTestNameResolvesToLoopback();
        EgressProxy.Route route = open("*.codeact.test", TEST_NAME.toUpperCase() + ".:" + port(allowed));

        Tunnel tunnel = tunnel(route, TEST_NAME, port(allowed));
        Response plain = send(route, get("http://" + TEST_NAME + ":" + port(allowed) + "/x"));

        assertThat(tunnel.inner().body()).isEqualTo(ALLOWED_BODY);
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo(ALLOWED_BODY);
        assertThat(allowedHits).hasValue(2);
        assertThat(route.takeRequests()).extracting(NetworkRequest::host, NetworkRequest::allowed)
                .containsOnly(tuple(TEST_NAME, true));
    }

    // --- everything else

    @Test
    void anOriginFormRequestIsNotAProxyRequest() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed));

        Response response = send(route, "GET /x HTTP/1.1\r\nHost: 127.0.0.1:" + port(allowed) + "\r\nConnection: close\r\n\r\n");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("egress proxy").contains("GET http://host/path").doesNotContain("\n ");
        assertThat(allowedHits).hasValue(0);
    }

    @Test
    void anUnreachableServerIsABadGatewayWithTheCause() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        EgressProxy.Route route = open("127.0.0.1:" + closedPort);
        String destination = "127.0.0.1:" + closedPort;

        Response plain = send(route, get("http://" + destination + "/x"));
        Response connect = send(route, "CONNECT " + destination + " HTTP/1.1\r\nHost: " + destination + "\r\n\r\n");

        for (Response response : List.of(plain, connect)) {
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.body()).startsWith("codeact: could not reach " + destination + ": ")
                    .containsIgnoringCase("refused");
        }
        assertThat(route.takeRequests()).allSatisfy(request -> assertThat(request.allowed()).isTrue()).hasSize(2);
    }

    @Test
    void requestsBelongToTheRouteTheyCameInOn() throws IOException {
        EgressProxy.Route permissive = open("127.0.0.1:" + port(allowed));
        EgressProxy.Route empty = proxy.open(dir.resolve("other.sock"), HostAllowlist.parse(List.of()));

        assertThat(send(permissive, get("http://127.0.0.1:" + port(allowed) + "/x")).status()).isEqualTo(200);
        Response refused = send(empty, get("http://127.0.0.1:" + port(allowed) + "/x"));

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("it is not in the allowlist, which is empty");
        assertThat(permissive.takeRequests()).singleElement().satisfies(request -> assertThat(request.allowed()).isTrue());
        assertThat(empty.takeRequests()).singleElement().satisfies(request -> assertThat(request.allowed()).isFalse());
    }

    @Test
    void theSocketIsOpenToAnyUserAndGoesAwayWithItsRoute() throws IOException {
        EgressProxy.Route route = open("127.0.0.1:" + port(allowed));
        Path socket = route.socket();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw-rw-");
        route.close();

        assertThat(socket).doesNotExist();
        assertThatThrownBy(() -> SocketChannel.open(UnixDomainSocketAddress.of(socket))).isInstanceOf(IOException.class);
        EgressProxy.Route again = proxy.open(socket, HostAllowlist.parse(List.of("127.0.0.1:" + port(allowed))));
        assertThat(send(again, get("http://127.0.0.1:" + port(allowed) + "/x")).status())
                .as("the same path serves again once reopened").isEqualTo(200);
    }

    // --- the allowlist itself

    @Test
    void allowlistEntriesMatchAsDocumented() {
        HostAllowlist list = HostAllowlist.parse(List.of("API.GitHub.com.", "example.org:8443", "*.pypi.org",
                "*.internal.test:8080", "10.1.2.3", "[::1]:8080", "bücher.example"));

        assertThat(list.entries()).containsExactly("api.github.com", "example.org:8443", "*.pypi.org",
                "*.internal.test:8080", "10.1.2.3", "[::1]:8080", "xn--bcher-kva.example");
        assertThat(list.match("api.github.com", 443)).contains(new HostAllowlist.Match("api.github.com", true));
        assertThat(list.match("API.github.COM.", 80)).isPresent();
        assertThat(list.match("api.github.com", 8080)).as("a bare host means 80 and 443 only").isEmpty();
        assertThat(list.match("example.org", 8443)).isPresent();
        assertThat(list.match("example.org", 443)).isEmpty();
        assertThat(list.match("files.pypi.org", 443)).contains(new HostAllowlist.Match("*.pypi.org", false));
        assertThat(list.match("a.b.c.pypi.org", 80)).isPresent();
        assertThat(list.match("pypi.org", 443)).as("not the domain itself").isEmpty();
        assertThat(list.match("evilpypi.org", 443)).isEmpty();
        assertThat(list.match(".pypi.org", 443)).isEmpty();
        assertThat(list.match("db.internal.test", 8080)).isPresent();
        assertThat(list.match("10.1.2.3", 80)).contains(new HostAllowlist.Match("10.1.2.3", true));
        assertThat(list.match("[::1]", 8080)).contains(new HostAllowlist.Match("[::1]:8080", true));
        assertThat(list.match("0:0:0:0:0:0:0:1", 8080)).isPresent();
        assertThat(list.match("[::1]", 443)).isEmpty();
        assertThat(list.match("xn--bcher-kva.example", 443)).isPresent();
        assertThat(HostAllowlist.parse(List.of()).isEmpty()).isTrue();
    }

    @Test
    void anExactEntryWinsOverAWildcard() {
        HostAllowlist list = HostAllowlist.parse(List.of("*.example.com", "db.example.com"));

        assertThat(list.match("db.example.com", 443)).contains(new HostAllowlist.Match("db.example.com", true));
        assertThat(list.match("www.example.com", 443)).contains(new HostAllowlist.Match("*.example.com", false));
    }

    @Test
    void badAllowlistEntriesSayWhatIsWrongAndShowARightOne() {
        assertBad("", "is empty", "api.github.com");
        assertBad("https://api.github.com/repos", "is a URL", "e.g. api.github.com");
        assertBad("http://localhost:8080", "is a URL", "e.g. localhost:8080");
        assertBad("api.github.com:0", "\"0\" is not a port", "api.github.com:443");
        assertBad("api.github.com:99999", "is not a port", "from 1 to 65535");
        assertBad("api.github.com:https", "is not a port", "api.github.com:443");
        assertBad("::1", "must be in brackets", "[::1]:443");
        assertBad("[::1", "no closing bracket", "[2001:db8::1]:8080");
        assertBad("[not-v6]:80", "is not an IPv6 address", "[2001:db8::1]:8080");
        assertBad("*", "a wildcard may only open the entry", "*.example.com");
        assertBad("api.*.com", "a wildcard may only open the entry", "*.example.com");
        assertBad("*.com", "every host under .com", "*.example.com");
        assertBad("*.-bad.com", "is not a domain name", "*.example.com");
        assertBad("1.2.3.256", "is not an IPv4 address", "192.0.2.10");
        assertBad("1.2.3", "is not an IPv4 address", "192.0.2.10");
        assertBad("exa_mple.com", "is not a host name", "api.github.com");
        assertBad("a.com b.com", "one host per entry", "api.github.com");
        assertBad(":443", "the host is missing", "api.github.com:443");
        assertThatThrownBy(() -> HostAllowlist.parse(Arrays.asList("api.github.com", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing");
    }

    @Test
    void internalAddressesAreRecognised() throws IOException {
        assertKind("127.0.0.1", "a loopback address");
        assertKind("10.200.0.1", "a private address");
        assertKind("172.16.0.1", "a private address");
        assertKind("172.31.255.255", "a private address");
        assertKind("192.168.1.1", "a private address");
        assertKind("169.254.169.254", "a link-local address");
        assertKind("100.64.0.1", "a carrier-grade NAT address");
        assertKind("100.127.255.255", "a carrier-grade NAT address");
        assertKind("0.0.0.0", "an unspecified address");
        assertKind("224.0.0.251", "a multicast address");
        assertKind("::1", "a loopback address");
        assertKind("::", "an unspecified address");
        assertKind("fd12:3456::1", "a private address");
        assertKind("fe80::1", "a link-local address");
        assertKind("ff02::1", "a multicast address");
        assertKind("::ffff:10.0.0.1", "a private address"); // the JDK reads a mapped address as IPv4
        assertKind("::10.0.0.1", "an IPv4-compatible form of 10.0.0.1, a private address");
        for (String address : List.of("8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700::1111")) {
            assertThat(DestinationCheck.internalKind(InetAddress.getByName(address))).as(address).isNull();
        }
    }

    // --- helpers

    private EgressProxy.Route open(String... allowed) {
        return proxy.open(dir.resolve("egress.sock"), HostAllowlist.parse(List.of(allowed)));
    }

    private static void assertTestNameResolvesToLoopback() throws IOException {
        assertThat(InetAddress.getByName(TEST_NAME).getHostAddress())
                .as("the test hosts file (run through Maven: surefire's argLine sets jdk.net.hosts.file)")
                .isEqualTo("127.0.0.1");
    }

    private static void assertBad(String entry, String problem, String example) {
        assertThatThrownBy(() -> HostAllowlist.parse(List.of(entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("allowed host \"" + entry + "\": ")
                .hasMessageContaining(problem)
                .hasMessageContaining(example);
    }

    private static void assertKind(String address, String kind) throws IOException {
        assertThat(DestinationCheck.internalKind(InetAddress.getByName(address))).as(address).isEqualTo(kind);
    }

    private static String get(String url) {
        String authority = url.substring("http://".length()).replaceFirst("/.*", "");
        return "GET " + url + " HTTP/1.1\r\nHost: " + authority + "\r\nConnection: close\r\n\r\n";
    }

    /** Sends one request on a new connection and reads until the proxy closes it. */
    private static Response send(EgressProxy.Route route, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(route.socket()))) {
            write(channel, request);
            return Response.of(readToEnd(channel));
        }
    }

    /** CONNECT, then a plain HTTP request through the tunnel. */
    private static Tunnel tunnel(EgressProxy.Route route, String host, int port) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(route.socket()))) {
            write(channel, "CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n");
            String connectResponse = readHead(channel);
            String inner = "GET /through-the-tunnel HTTP/1.1\r\nHost: " + host + ":" + port
                    + "\r\nConnection: close\r\n\r\n";
            write(channel, inner);
            byte[] received = readToEnd(channel);
            return new Tunnel(connectResponse, Response.of(received), inner.length(), received.length);
        }
    }

    private static void write(SocketChannel channel, String text) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The response head, byte by byte, so that nothing of the tunnel behind it is read. */
    private static String readHead(SocketChannel channel) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            one.clear();
            if (channel.read(one) < 0) {
                break;
            }
            head.write(one.get(0));
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readToEnd(SocketChannel channel) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (channel.read(buffer) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return all.toByteArray();
    }

    private static HttpServer upstream(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", handler);
        server.start();
        return server;
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static int port(HttpServer server) {
        return server.getAddress().getPort();
    }

    private record Tunnel(String connectResponse, Response inner, long sentBytes, long receivedBytes) {
    }

    /** A response as read off the wire; the body as sent, which for these small answers is never chunked. */
    private record Response(int status, String head, String body) {
        static Response of(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("a complete response head in: " + text).isPositive();
            String head = text.substring(0, end);
            return new Response(Integer.parseInt(head.split(" ", 3)[1]), head, text.substring(end + 4));
        }

        String header(String name) {
            return head.lines().filter(line -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(line -> line.substring(name.length() + 1).strip()).findFirst().orElse(null);
        }
    }
}
