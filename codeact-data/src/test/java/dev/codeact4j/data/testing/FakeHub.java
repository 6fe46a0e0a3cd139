package dev.codeact4j.data.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Hugging Face Hub on loopback that answers as the Hub does, for the tests of what fetches datasets:
 * <ul>
 * <li>{@code GET /api/datasets/OWNER/NAME/tree/REVISION?recursive=true}: the Hub's JSON list of files
 *     ({@code type}, {@code oid}, {@code size}, {@code path}, and {@code lfs} with the SHA-256 for LFS files), in pages
 *     of {@value #PAGE} linked by a {@code Link: <...>; rel="next"} header;</li>
 * <li>{@code GET /datasets/OWNER/NAME/resolve/REVISION/PATH}: a 302 to a second server (the download host, reached
 *     as {@code localhost} rather than 127.0.0.1, so another origin), with {@code X-Repo-Commit}, {@code ETag} and
 *     {@code X-Linked-Size}; the download host refuses a request that carries the token;</li>
 * <li>errors as the Hub writes them: {@code X-Error-Code} RepoNotFound (401 without a token, 404 with one),
 *     RevisionNotFound, EntryNotFound, GatedRepo (401 without a token, 403 with one not granted), with a JSON
 *     {@code {"error": ...}} body.</li>
 * </ul>
 * Every request is recorded, so that a test can show that a second run asks nothing.
 */
public final class FakeHub implements AutoCloseable {
    public static final String PARQUET_REVISION = "refs/convert/parquet";
    private static final int PAGE = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A dataset's repository: its files per revision, and who may read it. */
    public static final class Repo {
        final Map<String, Map<String, byte[]>> revisions = new LinkedHashMap<>();
        boolean gated;
        boolean privateRepo;
        final Set<String> granted = ConcurrentHashMap.newKeySet();

        /** Adds a file to a revision ({@code main}, or {@value #PARQUET_REVISION} for the Hub's conversion). */
        public Repo file(String revision, String path, byte[] content) {
            revisions.computeIfAbsent(revision, key -> new TreeMap<>()).put(path, content);
            return this;
        }

        /** Files need a token of an account that was granted access (the list of files does not). */
        public Repo gated(String... grantedTokens) {
            gated = true;
            granted.addAll(List.of(grantedTokens));
            return this;
        }

        /** Nothing of it without a token that may read it; to others it does not exist. */
        public Repo privateTo(String... tokens) {
            privateRepo = true;
            granted.addAll(List.of(tokens));
            return this;
        }
    }

    private final HttpServer hub;
    private final HttpServer downloads;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Set<String> knownTokens = ConcurrentHashMap.newKeySet();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        downloads = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::answerHub);
        downloads.createContext("/", this::answerDownload);
        hub.start();
        downloads.start();
    }

    public static FakeHub start() {
        try {
            return new FakeHub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Hub's address, for HF_ENDPOINT. */
    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** A dataset repository, made empty on first use. */
    public Repo repo(String id) {
        return repos.computeIfAbsent(id, key -> new Repo());
    }

    /** Tokens the Hub knows (an unknown one is refused as invalid credentials). */
    public FakeHub tokens(String... tokens) {
        knownTokens.addAll(List.of(tokens));
        return this;
    }

    /** Every request so far, as "METHOD path?query" (downloads as "GET download /cas/..."). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    public void forgetRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        hub.stop(0);
        downloads.stop(0);
    }

    /** An address where nothing listens: a connection there is refused. */
    public static String refusingEndpoint() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Parquet file of what {@code select} returns, written by DuckDB (e.g. "SELECT 1 AS id, 'a' AS text"). */
    public static byte[] parquet(String select) {
        try {
            Path file = Files.createTempFile("fake-hub-", ".parquet");
            try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
                 Statement statement = connection.createStatement()) {
                Files.delete(file);
                statement.execute("COPY (" + select + ") TO '" + file + "' (FORMAT PARQUET)");
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write Parquet for: " + select, e);
        }
    }

    // --- the Hub ----------------------------------------------------------------------------------------------------

    private void answerHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            String token = bearer(exchange);
            if (token != null && !knownTokens.contains(token)) {
                error(exchange, 401, null, "Invalid credentials in Authorization header", "Invalid credentials in Authorization header");
                return;
            }
            String[] parts = path.split("/");
            if (path.startsWith("/api/datasets/") && parts.length >= 7 && parts[5].equals("tree")) {
                tree(exchange, parts[3] + "/" + parts[4], decode(parts[6]), query, token);
            } else if (path.startsWith("/datasets/") && parts.length >= 6 && parts[4].equals("resolve")) {
                resolve(exchange, parts[2] + "/" + parts[3], decode(parts[5]),
                        decode(String.join("/", List.of(parts).subList(6, parts.length))), token);
            } else {
                error(exchange, 404, null, null, "Sorry, we can't find the page you are looking for.");
            }
        }
    }

    /** The repository, or null after answering as the Hub does when the caller may not know it exists. */
    private Repo visible(HttpExchange exchange, String id, String token) throws IOException {
        Repo repo = repos.get(id);
        if (repo == null || (repo.privateRepo && (token == null || !repo.granted.contains(token)))) {
            // The Hub does not tell a missing dataset from a private one: 401 without a token, 404 with one.
            error(exchange, token == null ? 401 : 404, "RepoNotFound", null, "Repository not found");
            return null;
        }
        return repo;
    }

    private void tree(HttpExchange exchange, String id, String revision, String query, String token) throws IOException {
        Repo repo = visible(exchange, id, token);
        if (repo == null) {
            return;
        }
        Map<String, byte[]> files = repo.revisions.get(revision);
        if (files == null) {
            error(exchange, 404, "RevisionNotFound", null, "Invalid rev id: " + revision);
            return;
        }
        List<ObjectNode> entries = new ArrayList<>();
        Set<String> directories = new java.util.TreeSet<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String path = file.getKey();
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                directories.add(path.substring(0, slash));
            }
            ObjectNode entry = JSON.createObjectNode().put("type", "file").put("oid", gitOid(file.getValue()))
                    .put("size", file.getValue().length).put("path", path);
            if (path.endsWith(".parquet") || file.getValue().length > 1000) {
                entry.putObject("lfs").put("oid", sha256(file.getValue())).put("size", file.getValue().length)
                        .put("pointerSize", 134);
            }
            entries.add(entry);
        }
        for (String directory : directories) {
            entries.add(JSON.createObjectNode().put("type", "directory").put("oid", gitOid(directory.getBytes()))
                    .put("size", 0).put("path", directory));
        }
        entries.sort(java.util.Comparator.comparing(entry -> entry.path("path").asText()));
        int cursor = 0;
        if (query != null) {
            for (String parameter : query.split("&")) {
                if (parameter.startsWith("cursor=")) {
                    cursor = Integer.parseInt(parameter.substring("cursor=".length()));
                }
            }
        }
        ArrayNode page = JSON.createArrayNode();
        entries.subList(cursor, Math.min(entries.size(), cursor + PAGE)).forEach(page::add);
        if (cursor + PAGE < entries.size()) {
            exchange.getResponseHeaders().add("Link", "<" + endpoint() + exchange.getRequestURI().getRawPath()
                    + "?recursive=true&expand=false&cursor=" + (cursor + PAGE) + ">; rel=\"next\"");
        }
        send(exchange, 200, "application/json", JSON.writeValueAsBytes(page));
    }

    private void resolve(HttpExchange exchange, String id, String revision, String path, String token) throws IOException {
        Repo repo = visible(exchange, id, token);
        if (repo == null) {
            return;
        }
        if (repo.gated && (token == null || !repo.granted.contains(token))) {
            error(exchange, token == null ? 401 : 403, "GatedRepo", token == null
                    ? "Access to dataset " + id + " is restricted. You must have access to it and be authenticated to access it. Please log in."
                    : "Access to dataset " + id + " is restricted and you are not in the authorized list. Visit https://huggingface.co/datasets/" + id + " to ask for access.",
                    null);
            return;
        }
        Map<String, byte[]> files = repo.revisions.get(revision);
        if (files == null) {
            error(exchange, 404, "RevisionNotFound", null, "Invalid rev id: " + revision);
            return;
        }
        byte[] content = files.get(path);
        if (content == null) {
            error(exchange, 404, "EntryNotFound", null, "Entry not found");
            return;
        }
        String sha = sha256(content);
        blobs.put(sha, content);
        exchange.getResponseHeaders().add("X-Repo-Commit", commit(id, revision));
        exchange.getResponseHeaders().add("ETag", "\"" + sha + "\"");
        exchange.getResponseHeaders().add("X-Linked-Size", Integer.toString(content.length));
        exchange.getResponseHeaders().add("X-Linked-ETag", "\"" + sha + "\"");
        exchange.getResponseHeaders().add("Location", "http://localhost:" + downloads.getAddress().getPort() + "/cas/" + sha
                + "?X-Amz-Expires=3600&X-Amz-Signature=fake");
        send(exchange, 302, "text/plain; charset=utf-8", ("Found. Redirecting to the download host").getBytes(StandardCharsets.UTF_8));
    }

    // --- the download host --------------------------------------------------------------------------------------------

    private void answerDownload(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add("GET download " + path);
            if (exchange.getRequestHeaders().containsKey("Authorization")) {
                send(exchange, 400, "text/plain", "the Hub's token must not reach the download host".getBytes());
                return;
            }
            byte[] content = path.startsWith("/cas/") ? blobs.get(path.substring("/cas/".length())) : null;
            if (content == null) {
                send(exchange, 404, "text/plain", "no such object".getBytes());
                return;
            }
            send(exchange, 200, "application/octet-stream", content);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private static void error(HttpExchange exchange, int status, String code, String message, String body) throws IOException {
        if (code != null) {
            exchange.getResponseHeaders().add("X-Error-Code", code);
        }
        if (message != null) {
            exchange.getResponseHeaders().add("X-Error-Message", message);
        }
        send(exchange, status, "application/json; charset=utf-8",
                JSON.writeValueAsBytes(Collections.singletonMap("error", body != null ? body : message)));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.getResponseHeaders().add("X-Request-Id", "Root=1-fake");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String bearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ") ? header.substring("Bearer ".length()) : null;
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String commit(String id, String revision) {
        return sha256((id + "@" + revision).getBytes(StandardCharsets.UTF_8)).substring(0, 40);
    }

    private static String gitOid(byte[] content) {
        return sha256(content).substring(0, 40);
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
