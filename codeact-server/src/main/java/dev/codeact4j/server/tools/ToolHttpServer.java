package dev.codeact4j.server.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.ToolHandler;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import dev.langchain4j.exception.ToolArgumentsException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tools over HTTP, for processes outside the sandbox: {@code POST /tool} with the body
 * {@code {"tool": NAME, "args": {...}}} runs one and answers {@code {"result": ...}}; {@code GET /tools} lists
 * them with their JSON Schemas. Every request needs {@code Authorization: Bearer TOKEN}. Served by Javalin, as
 * {@code codeact serve} is.
 *
 * <p>Failures answer {@code {"error": {"type": ..., "message": ...}}} with the status saying whose fault it
 * is: 401 no or wrong token, 404 unknown tool or path, 405 wrong method, 400 a body that is not JSON, has no
 * {@code tool}, or arguments the tool's schema rejects (checked by the JSON Schema validator: a required one
 * missing, one it does not declare, a value of the wrong type, a value out of range...), 413 a body over the
 * limit, 500 a tool that threw, 504 a tool that ran past its time limit.
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
    private static final String CONTENT_TYPE = "application/json; charset=utf-8";
    /** The methods each path takes, for 405's Allow. */
    private static final Map<String, String> METHODS = Map.of("/tool", "POST", "/tools", "GET");

    private final Javalin app;
    private final Map<String, Tool> byName = new LinkedHashMap<>();
    private final ToolArguments arguments;
    private final ToolHandler handler;
    private final String token;
    private final byte[] tokenDigest;
    private final int maxBodyBytes;
    private final CallListener listener;
    private final InetAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ToolHttpServer(Builder builder) throws IOException {
        builder.tools.list().forEach(tool -> byName.put(tool.name(), tool));
        this.arguments = new ToolArguments(builder.tools.list());
        this.handler = builder.tools.handler(builder.callTimeout);
        this.token = builder.token != null ? builder.token : newToken();
        this.tokenDigest = sha256(token);
        this.maxBodyBytes = builder.maxBodyBytes;
        this.listener = builder.listener;
        this.address = InetAddress.getByName(builder.host);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.host = builder.host;
            config.jetty.port = builder.port;
            config.http.maxRequestSize = maxBodyBytes;
            config.http.prefer405over404 = true;
            config.routes.before(this::authorize);
            config.routes.post("/tool", this::callTool);
            config.routes.get("/tools", this::listTools);
            config.routes.exception(Failure.class, (failure, ctx) -> answer(ctx, failure));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, switch (e.getStatus()) {
                case 404 -> notFound(ctx);
                case 405 -> new Failure(405, "method_not_allowed", null, ctx.method() + " " + ctx.path()
                        + " is not supported; use " + METHODS.get(ctx.path()) + " " + ctx.path())
                        .withHeader("Allow", METHODS.get(ctx.path()));
                case 413 -> tooLarge();
                default -> new Failure(e.getStatus(), "invalid_request", null, e.getMessage());
            }));
            config.routes.exception(Exception.class, (e, ctx) ->
                    answer(ctx, new Failure(500, "internal_error", null, "the server failed: " + e)));
            config.routes.error(404, ctx -> {
                if (ctx.attribute(Served.KEY) == null) { // no route: nothing has answered yet
                    answer(ctx, notFound(ctx));
                }
            });
            // Before the answer goes out, so that a log shows a request before its client goes on.
            config.routes.after(this::served);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            throw bindFailure(e);
        }
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
        return app.port();
    }

    /**
     * The base address to call it at from this machine, e.g. {@code http://127.0.0.1:8123} (the loopback one when
     * it listens on every address); the endpoints are {@code /tool} and {@code /tools}.
     */
    public URI uri() {
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
            // Jetty's stop waits for its threads, which an interrupted caller (stopped itself) would cut short.
            boolean interrupted = Thread.interrupted();
            try {
                app.stop();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    // --- requests ---------------------------------------------------------------------------------------------------

    private void authorize(Context ctx) {
        ctx.attribute(Served.START, System.nanoTime());
        String authorization = ctx.header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Failure(401, "unauthorized", null,
                    "no bearer token: send the header 'Authorization: Bearer TOKEN' with the token the server printed")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"codeact-tools\"");
        }
        // Compared as digests with MessageDigest.isEqual: constant time, and the length is not given away either.
        if (!MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).strip()))) {
            throw new Failure(401, "unauthorized", null, "wrong bearer token")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"codeact-tools\", error=\"invalid_token\"");
        }
    }

    private void listTools(Context ctx) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("tools");
        for (Tool tool : byName.values()) {
            list.addObject().put("name", tool.name()).put("description", tool.description())
                    .set("parameters", tool.parameters());
        }
        answer(ctx, 200, body, null, null);
    }

    private void callTool(Context ctx) {
        if (ctx.contentLength() > maxBodyBytes) {
            throw tooLarge();
        }
        JsonNode request;
        try {
            request = JSON.readTree(ctx.bodyAsBytes());
        } catch (JsonProcessingException e) {
            throw new Failure(400, "invalid_json", null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Failure(400, "invalid_request", null, "the body could not be read: " + e.getMessage());
        }
        if (request == null || !request.isObject()) {
            throw new Failure(400, "invalid_request", null,
                    "the body must be a JSON object like {\"tool\": \"NAME\", \"args\": {...}}");
        }
        JsonNode name = request.get("tool");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new Failure(400, "invalid_request", null,
                    "the body needs \"tool\": the name of the tool to call, as a string (GET /tools lists them)");
        }
        Tool tool = byName.get(name.asText());
        if (tool == null) {
            throw new Failure(404, "unknown_tool", name.asText(), "there is no tool named '" + name.asText()
                    + "'; the tools are: " + String.join(", ", byName.keySet()));
        }
        JsonNode given = request.get("args");
        if (given == null || given.isNull()) {
            given = JSON.createObjectNode();
        } else if (!given.isObject()) {
            throw new Failure(400, "invalid_arguments", tool.name(), "\"args\" must be a JSON object of "
                    + "argument names to values, not " + ToolArguments.kind(given));
        }
        List<String> problems = arguments.problems(tool.name(), (ObjectNode) given);
        if (!problems.isEmpty()) {
            throw new Failure(400, "invalid_arguments", tool.name(), "bad arguments for the tool " + tool.name()
                    + ": " + String.join("; ", problems));
        }
        JsonNode result;
        try {
            result = handler.call(tool.name(), given);
        } catch (Tools.ToolTimeoutException e) {
            throw new Failure(504, "tool_timeout", tool.name(), e.getMessage());
        } catch (ToolArgumentsException e) {
            throw new Failure(400, "invalid_arguments", tool.name(), "bad arguments for the tool " + tool.name()
                    + ": " + e.getMessage());
        } catch (Exception e) {
            String message = e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getName();
            Failure failure = new Failure(500, "tool_error", tool.name(), message);
            failure.error.put("exception", e.getClass().getName());
            throw failure;
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("result", result);
        answer(ctx, 200, body, tool.name(), null);
    }

    private Failure notFound(Context ctx) {
        return new Failure(404, "not_found", null, "nothing at " + ctx.path() + ": the endpoints are POST /tool and GET /tools");
    }

    private Failure tooLarge() {
        return new Failure(413, "body_too_large", null,
                "the request body is larger than the limit of " + maxBodyBytes + " bytes");
    }

    private static void answer(Context ctx, Failure failure) {
        failure.headers.forEach(ctx::header);
        ObjectNode body = JSON.createObjectNode();
        body.set("error", failure.error);
        answer(ctx, failure.status, body, failure.tool, failure.getMessage());
    }

    private static void answer(Context ctx, int status, ObjectNode body, String tool, String error) {
        try {
            ctx.status(status).contentType(CONTENT_TYPE).result(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        ctx.attribute(Served.KEY, new Served(tool, error));
    }

    private void served(Context ctx) {
        Served served = ctx.attribute(Served.KEY);
        Long start = ctx.attribute(Served.START);
        try {
            listener.served(new Call(ctx.method().name(), ctx.path(), served == null ? null : served.tool(),
                    ctx.statusCode(), Duration.ofNanos(start == null ? 0 : System.nanoTime() - start),
                    served == null ? null : served.error()));
        } catch (RuntimeException e) {
            // A failing log must not fail the request.
        }
    }

    /** What the log needs of an answer: the tool named (or null), and the error message (or null). */
    private record Served(String tool, String error) {
        static final String KEY = "codeact.served";
        static final String START = "codeact.start";
    }

    /** Javalin names the port it could not take in a RuntimeException; callers expect the JDK's BindException. */
    private static IOException bindFailure(RuntimeException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException bind) {
                return bind;
            }
        }
        return new IOException("cannot start the server: " + e.getMessage(), e);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A request answered with an error: the status, the error object, and for the call log the tool named. */
    private static final class Failure extends RuntimeException {
        private final int status;
        private final ObjectNode error;
        private final String tool;
        private final Map<String, String> headers = new LinkedHashMap<>();

        Failure(int status, String type, String tool, String message) {
            super(message, null, false, false);
            this.status = status;
            this.error = JSON.createObjectNode().put("type", type).put("message", message);
            this.tool = tool;
        }

        Failure withHeader(String name, String value) {
            headers.put(name, value);
            return this;
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
}
