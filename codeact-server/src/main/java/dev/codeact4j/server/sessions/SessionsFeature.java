package dev.codeact4j.server.sessions;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.FileInfo;
import dev.codeact4j.sandbox.OutputListener;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.SessionFileException;
import dev.codeact4j.server.http.ApiException;
import dev.codeact4j.server.http.Feature;
import dev.codeact4j.server.http.Json;
import dev.codeact4j.server.settings.ServerSettings;
import dev.codeact4j.server.json.ExecutionJson;
import dev.codeact4j.server.json.SavedDisplay;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sandbox sessions as a service, in E2B's shape: open one with a policy, run code in it (answered as
 * {@code codeact exec --json} answers, or streamed as server-sent events), move files in and out of its working
 * directory, close it. At most {@code limits.maxSessions()} are open at once (one more is 429); one unused for
 * {@code limits.sessionTtl()} is closed by a reaper; the server's shutdown closes them all.
 */
public final class SessionsFeature implements Feature {
    /** How long one call of a host tool may take, as in the agent and the CLI. */
    static final Duration TOOL_CALL_LIMIT = Duration.ofSeconds(60);
    /** The most files a listing shows; it says {@code "truncated": true} when there are more. */
    static final int MAX_LISTED_FILES = 10_000;
    private static final Set<String> EXECUTE_FIELDS = Set.of("code", "timeout");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerSettings settings;
    private final Duration ttl;
    private final Map<String, OpenSession> sessions = new ConcurrentHashMap<>();
    /** Sessions open or being opened: what maxSessions bounds. */
    private final AtomicInteger taken = new AtomicInteger();
    private final ScheduledExecutorService reaper;
    private volatile boolean accepting = true;

    public SessionsFeature(ServerSettings settings) {
        this.settings = settings;
        this.ttl = settings.limits().sessionTtl();
        this.reaper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "codeact-session-reaper");
            thread.setDaemon(true);
            return thread;
        });
        // A tenth of the TTL, so that a session outlives it by at most that much; between 50 ms and 30 s.
        long period = Math.clamp(ttl.toMillis() / 10, 50, 30_000);
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void addRoutes(RoutesConfig routes) {
        routes.post("/api/sessions", this::open);
        routes.get("/api/sessions", this::list);
        routes.get("/api/sessions/{id}", ctx -> Json.answer(ctx, 200, find(ctx).json(ttl)));
        routes.delete("/api/sessions/{id}", this::close);
        routes.post("/api/sessions/{id}/execute", this::execute);
        routes.get("/api/sessions/{id}/files", this::listFiles);
        routes.get("/api/sessions/{id}/files/<path>", this::readFile);
        routes.put("/api/sessions/{id}/files/<path>", this::writeFile);
        routes.delete("/api/sessions/{id}/files/<path>", this::deleteFile);
    }

    private void open(Context ctx) {
        if (!accepting) {
            throw ApiException.unavailable("The server is shutting down and opens no new session.");
        }
        SandboxPolicy policy = SessionRequest.policy(Json.body(ctx), settings.policy());
        if (taken.incrementAndGet() > settings.limits().maxSessions()) {
            taken.decrementAndGet();
            throw ApiException.tooMany(settings.limits().maxSessions() + " sessions are open, this server's limit "
                    + "(maxSessions). "
                    + "Close one with DELETE /api/sessions/{id}, or try again when an idle one has been closed "
                    + "(after " + ttl.toSeconds() + " s unused).", retryAfter());
        }
        Session session;
        try {
            // A fresh, bare interpreter (about 40 ms): a pooled one would carry the data stack's 60 MB in every
            // long-lived session. Modules are imported when the code asks for them.
            session = settings.sandbox().open(policy);
        } catch (RuntimeException e) {
            taken.decrementAndGet();
            throw e;
        }
        OpenSession opened;
        try {
            settings.tools().offerTo(session, TOOL_CALL_LIMIT);
            opened = new OpenSession(newId(), session, Instant.now());
            sessions.put(opened.id(), opened);
        } catch (RuntimeException e) {
            session.close();
            taken.decrementAndGet();
            throw e;
        }
        if (!accepting) { // the server began stopping meanwhile: its shutdown may not have seen this one
            closeSession(opened);
            throw ApiException.unavailable("The server is shutting down and opens no new session.");
        }
        ctx.header("Location", "/api/sessions/" + opened.id());
        Json.answer(ctx, 201, opened.json(ttl));
    }

    private void list(Context ctx) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ArrayNode array = answer.putArray("sessions");
        sessions.values().stream().sorted(Comparator.comparing(OpenSession::createdAt).thenComparing(OpenSession::id))
                .forEach(session -> array.add(session.json(ttl)));
        Json.answer(ctx, 200, answer);
    }

    private void close(Context ctx) {
        closeSession(find(ctx));
        ctx.status(204);
    }

    private void execute(Context ctx) {
        OpenSession open = find(ctx);
        ObjectNode body = Json.body(ctx);
        SessionRequest.refuseUnknownFields(body, EXECUTE_FIELDS);
        String code = Json.text(body, "code");
        if (code == null) {
            throw ApiException.badRequest("code", "code is required: the code to run, as a string.");
        }
        Double seconds = Json.positiveNumber(body, "timeout");
        Duration timeout = seconds == null ? open.session().policy().timeout() : SessionRequest.seconds("timeout", seconds);
        if (!open.claim()) {
            throw ApiException.conflict("Session " + open.id() + " is running another execution: wait for its "
                    + "result, or DELETE the session to stop it.");
        }
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            try {
                Json.answer(ctx, 200, run(open, code, timeout, OutputListener.NONE));
            } finally {
                open.release();
            }
            return;
        }
        try {
            new SseHandler(client -> stream(client, open, code, timeout)).handle(ctx);
        } catch (RuntimeException e) {
            open.release();
            throw e;
        }
    }

    /**
     * Runs the code with its output and displays sent as they come, then the result. The claim ends before the
     * last event is sent, so that a client may send its next execution as soon as it has read the result.
     */
    private void stream(SseClient client, OpenSession open, String code, Duration timeout) {
        ObjectNode last;
        String event;
        try {
            last = run(open, code, timeout, new OutputListener() {
                @Override
                public void onOutput(String stream, String text) {
                    client.sendEvent("output", Json.text(Json.MAPPER.createObjectNode()
                            .put("stream", stream).put("text", text)));
                }

                @Override
                public void onDisplay(Display display) {
                    client.sendEvent("display", Json.text(Json.MAPPER.createObjectNode()
                            .put("mime", display.mime()).put("data", display.data())));
                }
            });
            event = "result";
        } catch (RuntimeException e) {
            // The status (200) is sent: the failure goes in the stream, and in the log with its details.
            settings.log().println("codeact serve: an execution in session " + open.id() + " failed: " + e);
            last = Json.MAPPER.createObjectNode().put("message", "The execution failed on the server: " + e.getMessage());
            event = "error";
        } finally {
            open.release();
        }
        client.sendEvent(event, Json.text(last));
    }

    /** Runs the code (defining the host tools again in a replaced interpreter) and answers as exec --json. */
    private ObjectNode run(OpenSession open, String code, Duration timeout, OutputListener listener) {
        int index = open.nextIndex();
        ExecutionResult result = settings.tools().execute(open.session(), code, null, timeout, listener,
                TOOL_CALL_LIMIT);
        // Displays inline: a client of the API has no access to the server's files.
        List<SavedDisplay> displays = result.displays().stream()
                .map(display -> SavedDisplay.inline(display.mime(), display.data())).toList();
        return ExecutionJson.of(index, "execute", result, displays);
    }

    private void listFiles(Context ctx) {
        OpenSession open = used(ctx);
        List<FileInfo> files = fileOperation(() -> open.session().files().list(MAX_LISTED_FILES + 1));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ArrayNode array = answer.putArray("files");
        files.stream().limit(MAX_LISTED_FILES).forEach(file -> array.add(fileJson(file)));
        answer.put("truncated", files.size() > MAX_LISTED_FILES);
        Json.answer(ctx, 200, answer);
    }

    private void readFile(Context ctx) {
        OpenSession open = used(ctx);
        String path = ctx.pathParam("path");
        InputStream content = fileOperation(() -> open.session().files().read(path));
        String name = path.substring(path.lastIndexOf('/') + 1);
        // A download, never a page: a file the code wrote must not run as a script of this server's origin.
        ctx.contentType("application/octet-stream")
                .header("Content-Disposition", "attachment; filename*=UTF-8''"
                        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
                .header("X-Content-Type-Options", "nosniff")
                .result(content);
    }

    private void writeFile(Context ctx) {
        OpenSession open = used(ctx);
        String path = ctx.pathParam("path");
        InputStream body = new BoundedBody(ctx.bodyInputStream(), settings.limits().maxBodyBytes());
        FileInfo written = fileOperation(() -> open.session().files().write(path, body));
        open.touch();
        Json.answer(ctx, 201, fileJson(written));
    }

    private void deleteFile(Context ctx) {
        OpenSession open = used(ctx);
        String path = ctx.pathParam("path");
        fileOperation(() -> {
            open.session().files().delete(path);
            return null;
        });
        ctx.status(204);
    }

    private static ObjectNode fileJson(FileInfo file) {
        return Json.MAPPER.createObjectNode()
                .put("path", file.path())
                .put("size", file.size())
                .put("modifiedAt", file.modifiedAt().toString());
    }

    /** Runs an operation of the files API, answering its refusals with their statuses. */
    private static <T> T fileOperation(FileCall<T> call) {
        try {
            return call.run();
        } catch (SessionFileException e) {
            throw switch (e.reason()) {
                case INVALID_PATH, NOT_A_FILE -> ApiException.badRequest("path", e.getMessage() + ".");
                case NOT_FOUND -> ApiException.notFound(e.getMessage() + ".");
                case TOO_LARGE -> ApiException.tooLarge(e.getMessage() + ".");
            };
        }
    }

    @FunctionalInterface
    private interface FileCall<T> {
        T run();
    }

    /** The session a route names, marked used (its TTL starts again). */
    private OpenSession used(Context ctx) {
        OpenSession open = find(ctx);
        open.touch();
        return open;
    }

    private OpenSession find(Context ctx) {
        String id = ctx.pathParam("id");
        OpenSession open = sessions.get(id);
        if (open == null) {
            throw ApiException.notFound("No session " + id + ": it was closed (by DELETE, or after " + ttl.toSeconds()
                    + " s unused), or never opened. GET /api/sessions lists the open ones.");
        }
        return open;
    }

    /** Closes the sessions unused for the TTL; one that is running code is left alone. */
    private void closeIdle() {
        Instant now = Instant.now();
        for (OpenSession open : sessions.values()) {
            if (open.claim()) {
                if (open.idleFor(ttl, now)) {
                    closeSession(open);
                } else {
                    open.releaseUntouched();
                }
            }
        }
    }

    private void closeSession(OpenSession open) {
        if (sessions.remove(open.id(), open)) {
            taken.decrementAndGet();
        }
        try {
            open.close();
        } catch (RuntimeException e) {
            settings.log().println("codeact serve: closing session " + open.id() + " failed: " + e);
        }
    }

    /** When a session is likely to be free: the earliest expiry of an idle one, else a whole TTL. */
    private Duration retryAfter() {
        Instant now = Instant.now();
        return sessions.values().stream().filter(open -> !open.busy())
                .map(open -> Duration.between(now, open.expiresAt(ttl)))
                .min(Comparator.naturalOrder())
                .map(wait -> wait.isNegative() ? Duration.ofSeconds(1) : wait.plusSeconds(1))
                .orElse(ttl);
    }

    private static String newId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void stopAccepting() {
        accepting = false;
    }

    /** Lets running executions end by the deadline, then closes every session (what still runs is killed). */
    @Override
    public void shutdown(Instant deadline) {
        reaper.shutdownNow();
        while (Instant.now().isBefore(deadline) && sessions.values().stream().anyMatch(OpenSession::busy)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sessions.values().forEach(this::closeSession);
    }

    /** A request body that stops at the server's limit, for one sent without a length (chunked). */
    private static final class BoundedBody extends FilterInputStream {
        private final long limit;
        private long read;

        BoundedBody(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > limit) {
                throw ApiException.tooLarge("The body has more than " + limit + " bytes; this server takes at most "
                        + limit + " bytes in one request.");
            }
        }
    }
}
