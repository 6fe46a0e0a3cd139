package dev.codeact4j.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.codeact4j.sandbox.ToolHandler;
import dev.langchain4j.exception.ToolArgumentsException;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tools over HTTP, for processes outside the sandbox: {@code POST /tool} with the body
 * {@code {"tool": NAME, "args": {...}}} runs one and answers {@code {"result": ...}}; {@code GET /tools} lists
 * them with their JSON Schemas. Every request needs {@code Authorization: Bearer TOKEN}.
 *
 * <p>Failures answer {@code {"error": {"type": ..., "message": ...}}} with the status saying whose fault it
 * is: 401 no or wrong token, 404 unknown tool or path, 405 wrong method, 400 a body that is not JSON, has no
 * {@code tool}, or arguments the tool's schema rejects (a required one missing, one it does not declare, a
 * value of the wrong JSON type), 413 a body over the limit, 500 a tool that threw, 504 a tool that ran past
 * its time limit.
 *
 * <p>Code inside a session does not need this: it calls the tools as Python functions over the session's own
 * channel, which is several times faster (see BENCHMARKS.md). Bound to 127.0.0.1 unless told otherwise.
 */
public final class ToolHttpServer implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8123;
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer http;
    private final ExecutorService executor;
    private final Map<String, Tool> byName = new LinkedHashMap<>();
    private final ToolHandler handler;
    private final String token;
    private final byte[] tokenDigest;
    private final int maxBodyBytes;
    private final CallListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ToolHttpServer(Builder builder) throws IOException {
        builder.tools.list().forEach(tool -> byName.put(tool.name(), tool));
        this.handler = builder.tools.handler(builder.callTimeout);
        this.token = builder.token != null ? builder.token : newToken();
        this.tokenDigest = sha256(token);
        this.maxBodyBytes = builder.maxBodyBytes;
        this.listener = builder.listener;
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(builder.host), builder.port), 0);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    public static Builder builder(Tools tools) {
        return new Builder(tools);
    }

    /** A fresh random token: 32 bytes from SecureRandom, base64url without padding (43 characters). */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The bearer token requests must carry. */
    public String token() {
        return token;
    }

    /** The port listened on (the one picked when 0 was asked for). */
    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * The base address to call it at from this machine, e.g. {@code http://127.0.0.1:8123} (the loopback one when
     * it listens on every address); the endpoints are {@code /tool} and {@code /tools}.
     */
    public URI uri() {
        InetAddress address = http.getAddress().getAddress();
        String host = address.isAnyLocalAddress() ? "127.0.0.1" : address.getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    public List<String> toolNames() {
        return List.copyOf(byName.keySet());
    }

    /** Stops listening and abandons calls still running; calling it again does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            http.stop(0);
            executor.shutdownNow();
        }
    }

    // --- requests ---------------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) {
        long start = System.nanoTime();
        Answer answer;
        try {
            answer = answer(exchange);
        } catch (RuntimeException e) {
            answer = Answer.failure(500, "internal_error", null, "the server failed: " + e);
        }
        try (exchange) {
            byte[] body = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            answer.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(answer.status(), body.length);
            exchange.getResponseBody().write(body);
            // Before the close that completes the answer, so that a log shows a request before its client goes on.
            served(exchange, answer, start);
        } catch (IOException e) {
            served(exchange, answer, start); // the client went away before reading the answer
        }
    }

    private void served(HttpExchange exchange, Answer answer, long start) {
        try {
            listener.served(new Call(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), answer.tool(),
                    answer.status(), Duration.ofNanos(System.nanoTime() - start), answer.errorMessage()));
        } catch (RuntimeException e) {
            // A failing log must not fail the request.
        }
    }

    private Answer answer(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Answer.failure(401, "unauthorized", null,
                    "no bearer token: send the header 'Authorization: Bearer TOKEN' with the token the server printed")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"codeact-tools\"");
        }
        // Compared as digests with MessageDigest.isEqual: constant time, and the length is not given away either.
        if (!MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).strip()))) {
            return Answer.failure(401, "unauthorized", null, "wrong bearer token")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"codeact-tools\", error=\"invalid_token\"");
        }
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        return switch (path) {
            case "/tool" -> method.equals("POST") ? callTool(exchange) : wrongMethod(method, path, "POST");
            case "/tools" -> method.equals("GET") ? listTools() : wrongMethod(method, path, "GET");
            default -> Answer.failure(404, "not_found", null,
                    "nothing at " + path + ": the endpoints are POST /tool and GET /tools");
        };
    }

    private static Answer wrongMethod(String method, String path, String allowed) {
        return Answer.failure(405, "method_not_allowed", null, method + " " + path + " is not supported; use "
                + allowed + " " + path).withHeader("Allow", allowed);
    }

    private Answer listTools() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("tools");
        for (Tool tool : byName.values()) {
            list.addObject().put("name", tool.name()).put("description", tool.description())
                    .set("parameters", tool.parameters());
        }
        return new Answer(200, body, null, null, Map.of());
    }

    private Answer callTool(HttpExchange exchange) {
        JsonNode request;
        try {
            byte[] bytes = readBody(exchange);
            if (bytes == null) {
                return Answer.failure(413, "body_too_large", null,
                        "the request body is larger than the limit of " + maxBodyBytes + " bytes");
            }
            request = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            return Answer.failure(400, "invalid_json", null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return Answer.failure(400, "invalid_request", null, "the body could not be read: " + e.getMessage());
        }
        if (request == null || !request.isObject()) {
            return Answer.failure(400, "invalid_request", null,
                    "the body must be a JSON object like {\"tool\": \"NAME\", \"args\": {...}}");
        }
        JsonNode name = request.get("tool");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            return Answer.failure(400, "invalid_request", null,
                    "the body needs \"tool\": the name of the tool to call, as a string (GET /tools lists them)");
        }
        Tool tool = byName.get(name.asText());
        if (tool == null) {
            return Answer.failure(404, "unknown_tool", name.asText(), "there is no tool named '" + name.asText()
                    + "'; the tools are: " + String.join(", ", byName.keySet()));
        }
        JsonNode arguments = request.get("args");
        if (arguments == null || arguments.isNull()) {
            arguments = JSON.createObjectNode();
        } else if (!arguments.isObject()) {
            return Answer.failure(400, "invalid_arguments", tool.name(), "\"args\" must be a JSON object of "
                    + "argument names to values, not " + kind(arguments));
        }
        List<String> problems = ArgumentCheck.problems(tool.parameters(), (ObjectNode) arguments);
        if (!problems.isEmpty()) {
            return Answer.failure(400, "invalid_arguments", tool.name(), "bad arguments for the tool " + tool.name()
                    + ": " + String.join("; ", problems));
        }
        try {
            ObjectNode body = JSON.createObjectNode();
            body.set("result", handler.call(tool.name(), arguments));
            return new Answer(200, body, tool.name(), null, Map.of());
        } catch (Tools.ToolTimeoutException e) {
            return Answer.failure(504, "tool_timeout", tool.name(), e.getMessage());
        } catch (ToolArgumentsException e) {
            return Answer.failure(400, "invalid_arguments", tool.name(), "bad arguments for the tool " + tool.name()
                    + ": " + e.getMessage());
        } catch (Exception e) {
            String message = e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getName();
            Answer failure = Answer.failure(500, "tool_error", tool.name(), message);
            ((ObjectNode) failure.body().get("error")).put("exception", e.getClass().getName());
            return failure;
        }
    }

    /** The body, or null when it is over the limit (read no further than one byte past it). */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // The server itself rejects a malformed Content-Length; read what comes.
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(maxBodyBytes + 1);
            return bytes.length > maxBodyBytes ? null : bytes;
        }
    }

    static String kind(JsonNode value) {
        return switch (value.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> value.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> value.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** What one request gets: the status, the JSON body, and for the call log the tool and the error message. */
    private record Answer(int status, ObjectNode body, String tool, String errorMessage, Map<String, String> headers) {
        static Answer failure(int status, String type, String tool, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.putObject("error").put("type", type).put("message", message);
            return new Answer(status, body, tool, message, Map.of());
        }

        Answer withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Answer(status, body, tool, errorMessage, more);
        }
    }

    /**
     * One request served, for a log.
     *
     * @param tool  the tool named in the request when there was one, else null
     * @param error the error message when the status is not 200, else null
     */
    public record Call(String method, String path, String tool, int status, Duration duration, String error) {
    }

    /** Told about every request once it has been answered, on the thread that served it. */
    @FunctionalInterface
    public interface CallListener {
        CallListener NONE = call -> { };

        void served(Call call);
    }

    /** Where to listen, the token, and the limits. */
    public static final class Builder {
        private final Tools tools;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String token;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private CallListener listener = CallListener.NONE;

        private Builder(Tools tools) {
            this.tools = Objects.requireNonNull(tools, "tools");
        }

        /** The address to listen on; 127.0.0.1 by default, so that only this machine can call. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; 0 picks a free one ({@link #port()} tells which). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("the port must be between 0 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** The bearer token; null makes a random one ({@link #token()} tells which). */
        public Builder token(String token) {
            if (token != null && (token.isBlank() || !token.chars().allMatch(c -> c > 32 && c < 127))) {
                throw new IllegalArgumentException("the token must be printable ASCII characters without spaces");
            }
            this.token = token;
            return this;
        }

        /** How long one tool call may take before it is abandoned and answered with 504. */
        public Builder callTimeout(Duration callTimeout) {
            if (callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("the call time limit must be positive, got " + callTimeout);
            }
            this.callTimeout = callTimeout;
            return this;
        }

        /** The largest request body accepted; larger ones get 413. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("the body limit must be positive, got " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder listener(CallListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Binds and starts serving; throws when the address cannot be listened on (e.g. the port is taken). */
        public ToolHttpServer start() throws IOException {
            return new ToolHttpServer(this);
        }
    }

    /**
     * What the tool's JSON Schema says about the arguments at the top level: the required ones are there (and
     * not null), each one is declared (unless the schema allows others), and each value has the declared JSON
     * type. Deeper checks are the tool's own.
     */
    static final class ArgumentCheck {
        private ArgumentCheck() {
        }

        static List<String> problems(JsonNode schema, ObjectNode arguments) {
            List<String> problems = new ArrayList<>();
            JsonNode properties = schema.path("properties");
            List<String> required = new ArrayList<>();
            schema.path("required").forEach(node -> required.add(node.asText()));
            for (String name : required) {
                JsonNode value = arguments.get(name);
                if (value == null || value.isNull()) {
                    problems.add("the required argument '" + name + "'" + typeHint(properties.path(name))
                            + (value == null ? " is missing" : " is null"));
                }
            }
            JsonNode additional = schema.path("additionalProperties");
            boolean othersAllowed = additional.isObject() || additional.asBoolean(false);
            List<String> unknown = new ArrayList<>();
            arguments.fieldNames().forEachRemaining(name -> {
                JsonNode property = properties.get(name);
                if (property == null) {
                    if (!othersAllowed) {
                        unknown.add(name);
                    }
                    return;
                }
                JsonNode value = arguments.get(name);
                if (!value.isNull() && !hasType(value, property.path("type"))) {
                    problems.add("the argument '" + name + "' must be " + typeNames(property.path("type")) + ", not "
                            + kind(value));
                }
            });
            if (!unknown.isEmpty()) {
                List<String> known = new ArrayList<>();
                properties.fieldNames().forEachRemaining(known::add);
                problems.add((unknown.size() == 1 ? "unknown argument '" : "unknown arguments '")
                        + String.join("', '", unknown) + "' (" + (known.isEmpty() ? "it takes no arguments"
                        : "its arguments are: " + String.join(", ", known)) + ")");
            }
            return problems;
        }

        private static String typeHint(JsonNode property) {
            JsonNode type = property.path("type");
            return type.isMissingNode() ? "" : " (" + typeNames(type) + ")";
        }

        /** Whether the value is of the schema's type (or one of its types); no type means anything goes. */
        private static boolean hasType(JsonNode value, JsonNode type) {
            if (type.isTextual()) {
                return hasType(value, type.asText());
            }
            if (type.isArray() && !type.isEmpty()) {
                for (JsonNode one : type) {
                    if (hasType(value, one.asText())) {
                        return true;
                    }
                }
                return false;
            }
            return true;
        }

        private static boolean hasType(JsonNode value, String type) {
            return switch (type) {
                case "string" -> value.isTextual();
                // 3.0 is an integer to JSON Schema, and what Python's json module sends for a float of whole value
                case "integer" -> value.isIntegralNumber() || value.isNumber() && value.asDouble() == Math.rint(value.asDouble());
                case "number" -> value.isNumber();
                case "boolean" -> value.isBoolean();
                case "array" -> value.isArray();
                case "object" -> value.isObject();
                case "null" -> value.isNull();
                default -> true;
            };
        }

        private static String typeNames(JsonNode type) {
            if (type.isArray()) {
                List<String> names = new ArrayList<>();
                type.forEach(one -> names.add(typeName(one.asText())));
                return String.join(" or ", names);
            }
            return typeName(type.asText());
        }

        private static String typeName(String type) {
            return switch (type) {
                case "string" -> "a string";
                case "integer" -> "an integer";
                case "number" -> "a number";
                case "boolean" -> "a boolean";
                case "array" -> "an array";
                case "object" -> "an object";
                case "null" -> "null";
                default -> type;
            };
        }
    }
}
