package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.agent.RunHandle;
import dev.codeact4j.server.settings.RunRequest;
import dev.codeact4j.server.http.ApiException;
import dev.codeact4j.server.http.Feature;
import dev.codeact4j.server.http.Json;
import dev.codeact4j.server.settings.ServerSettings;
import dev.codeact4j.server.json.ReportJson;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.server.json.RunSummaryJson;
import dev.codeact4j.store.Age;
import dev.codeact4j.store.ExecutionReport;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.RunSummary;
import dev.codeact4j.store.StoredRun;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Agent runs over HTTP: {@code POST /api/runs} starts one on a thread of its own and answers at once (202),
 * {@code GET /api/runs/{id}} shows it (its steps so far while it runs), {@code GET /api/runs/{id}/events} streams
 * its events as Server-Sent Events (resumed after {@code Last-Event-ID}), {@code DELETE /api/runs/{id}} cancels it,
 * {@code GET /api/runs} is the history (the run store's, with this server's runs), {@code GET /api/report} the
 * report. At most {@code maxRuns} run at once; one more is refused with 429.
 *
 * <p>A run goes on when its clients go away. Once it has ended, its events and JSON stay in memory while it is one
 * of the latest {@value #KEPT_ENDED_RUNS} ended runs, for {@link #KEPT_FOR} after its end, and while all kept logs
 * together take at most {@value #KEPT_BYTES} bytes (the oldest go first); after that, and after a restart, a run is
 * read from the run store (its stream is then its {@code end} alone).
 */
public final class RunsFeature implements Feature {
    static final int KEPT_ENDED_RUNS = 100;
    static final Duration KEPT_FOR = Duration.ofMinutes(30);
    static final long KEPT_BYTES = 256L * 1024 * 1024;
    /** How long a client refused at the limit is asked to wait: a run takes seconds to minutes. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);
    /** On shutdown, how long the runs stopped at the deadline get to end (a tool call under way runs to its end). */
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** On shutdown, how long the event streams get to send their runs' end before the server closes the connections. */
    private static final Duration STREAMS_WAIT = Duration.ofSeconds(5);
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 1000;

    private final ServerSettings settings;
    /** This server's runs, running and recently ended, in the order they started. Guarded by this. */
    private final Map<String, LiveRun> runs = new LinkedHashMap<>();
    private int running;
    private int openStreams;
    private boolean accepting = true;

    public RunsFeature(ServerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void addRoutes(RoutesConfig routes) {
        routes.post("/api/runs", this::start);
        routes.get("/api/runs", this::history);
        routes.get("/api/runs/{id}", this::show);
        routes.delete("/api/runs/{id}", this::cancel);
        routes.get("/api/runs/{id}/events", this::events);
        routes.get("/api/report", this::report);
    }

    // --- the routes ---------------------------------------------------------------------------------------------

    private void start(Context ctx) {
        refuseWhenStopping();
        RunRequest request = RunRequests.read(Json.body(ctx));
        synchronized (this) {
            refuseWhenStopping();
            if (running >= settings.limits().maxRuns()) {
                throw ApiException.tooMany("This server runs at most " + settings.limits().maxRuns() + " runs at once, "
                        + "and that many are running: try again in a little while (codeact serve --max-runs, or "
                        + "maxRuns in the config file, raises the limit).", RETRY_AFTER);
            }
            running++;
        }
        LiveRun run;
        try {
            CodeActAgent agent = settings.agents().agent(request);
            run = new LiveRun(request, settings.defaultModel(), settings.policy().language());
            RunHandle handle = agent.start(request.task(), run);
            run.attach(handle);
            synchronized (this) {
                runs.put(handle.runId(), run);
                letGo();
            }
            handle.result().whenComplete((result, failure) -> ended(run, result, failure));
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                running--;
            }
            throw e;
        }
        ObjectNode answer = Json.MAPPER.createObjectNode()
                .put("id", run.id())
                .put("status", RunStatus.RUNNING.label())
                .put("events", "/api/runs/" + run.id() + "/events");
        ctx.header("Location", "/api/runs/" + run.id());
        Json.answer(ctx, 202, answer);
    }

    private void show(Context ctx) {
        String id = ctx.pathParam("id");
        LiveRun run = live(id);
        if (run != null) {
            Json.answer(ctx, 200, run.json());
            return;
        }
        Json.answer(ctx, 200, RunJson.of(stored(id).orElseThrow(() -> unknown(id))));
    }

    private void cancel(Context ctx) {
        String id = ctx.pathParam("id");
        LiveRun run = live(id);
        if (run == null) {
            StoredRun stored = stored(id).orElseThrow(() -> unknown(id));
            throw ApiException.conflict(stored.status() == RunStatus.RUNNING
                    ? "The run " + id + " is running in another process (" + stored.pid() + " on " + stored.host()
                    + "), not in this server: it can be cancelled only where it runs."
                    : "The run " + id + " has already ended (" + stored.status().label() + "): there is nothing to cancel.");
        }
        if (!run.cancel()) {
            throw ApiException.conflict("The run " + id + " has already ended, or is being cancelled: there is "
                    + "nothing more to cancel. GET /api/runs/" + id + " shows how it ended.");
        }
        Json.answer(ctx, 202, Json.MAPPER.createObjectNode().put("id", id).put("status", "cancelling"));
    }

    private void events(Context ctx) {
        String id = ctx.pathParam("id");
        long after = lastEventId(ctx);
        LiveRun run = live(id);
        StoredRun stored = run == null ? stored(id).orElseThrow(() -> unknown(id)) : null;
        HttpServletResponse response = ctx.res();
        synchronized (this) {
            openStreams++;
        }
        response.setStatus(200);
        response.setContentType("text/event-stream;charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no"); // a proxy in front (nginx) must not hold events back
        try {
            OutputStream out = response.getOutputStream();
            response.flushBuffer(); // the client sees the stream open before the first event
            if (run != null) {
                EventStream.write(run.log(), after, out, EventStream.KEEP_ALIVE);
            } else {
                // Its events are gone with the server that ran it: its end alone, numbered after the client's last.
                ObjectNode end = Json.MAPPER.createObjectNode().put("status", stored.status().label());
                end.set("run", RunJson.of(stored));
                out.write(EventLog.Event.of(after + 1, EventLog.END, end).frame());
            }
            out.close(); // the response ends here, whole, before a shutdown may close the connection
        } catch (IOException gone) {
            // The client went away: only its stream ends; the run goes on.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is stopping its threads: the stream ends, the run goes on
        } finally {
            synchronized (this) {
                openStreams--;
                notifyAll();
            }
        }
    }

    private void history(Context ctx) {
        int limit = queryNumber(ctx, "limit", DEFAULT_LIMIT);
        RunStatus status = parsed(ctx, "status", RunStatus::parse);
        String text = ctx.queryParam("q");
        Map<String, RunSummary> byId = new LinkedHashMap<>();
        RunStore store = settings.store();
        if (store != null) {
            store.history(limit, status, text).forEach(summary -> byId.put(summary.id(), summary));
        }
        for (LiveRun run : liveRuns()) { // this server's own view is the latest: it replaces the store's line
            RunSummary summary = run.summary();
            if ((status == null || summary.status() == status) && contains(summary.task(), text)) {
                byId.put(summary.id(), summary);
            }
        }
        ArrayNode list = Json.MAPPER.createArrayNode();
        byId.values().stream()
                .sorted(Comparator.comparing(RunSummary::startedAt).reversed())
                .limit(limit)
                .forEach(summary -> list.add(RunSummaryJson.of(summary)));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.set("runs", list);
        Json.answer(ctx, 200, answer);
    }

    private void report(Context ctx) {
        Duration since = parsed(ctx, "since", Age::parse);
        String model = ctx.queryParam("model");
        RunStore store = settings.store();
        ExecutionReport report = store == null
                ? new ExecutionReport(0, 0, 0, 0, 0, 0, 0, 0, List.of(), 0, 0, 0, Map.of(), List.of())
                : store.report(since == null ? null : Instant.now().minus(since), model == null || model.isBlank() ? null : model);
        Json.answer(ctx, 200, ReportJson.of(report));
    }

    // --- shutdown -------------------------------------------------------------------------------------------------

    @Override
    public synchronized void stopAccepting() {
        accepting = false;
    }

    /**
     * Lets the running runs end by {@code deadline}; those still running then are stopped (their code interrupted,
     * their model calls abandoned) and recorded as incomplete, not cancelled: nobody asked them to stop.
     */
    @Override
    public void shutdown(Instant deadline) {
        List<LiveRun> going = liveRuns().stream().filter(run -> !run.hasEnded()).toList();
        try {
            for (LiveRun run : going) {
                run.awaitEnd(deadline);
            }
            List<LiveRun> left = going.stream().filter(run -> !run.hasEnded()).toList();
            left.forEach(LiveRun::stopForShutdown);
            Instant stopped = Instant.now().plus(STOP_WAIT);
            for (LiveRun run : left) {
                run.awaitEnd(stopped);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A run whose thread would not stop in time (a tool call that hangs) is settled here: its stream ends.
        going.stream().filter(run -> !run.hasEnded()).forEach(run -> {
            run.stopForShutdown();
            run.end(null, new IllegalStateException(LiveRun.STOPPED_BY_SHUTDOWN), settings.store(), settings.log());
        });
        awaitStreams(Instant.now().plus(STREAMS_WAIT));
    }

    /** Waits until every event stream has sent its run's end (they have all ended by now), or {@code deadline}. */
    private synchronized void awaitStreams(Instant deadline) {
        try {
            long left;
            while (openStreams > 0 && (left = Duration.between(Instant.now(), deadline).toMillis()) > 0) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- plumbing ---------------------------------------------------------------------------------------------------

    private void ended(LiveRun run, AgentResult result, Throwable failure) {
        run.end(result, failure, settings.store(), settings.log());
        synchronized (this) {
            running--;
            letGo();
        }
    }

    /** Forgets the ended runs past the bounds of what is kept (see the class's comment), the oldest first. */
    private void letGo() {
        Instant tooOld = Instant.now().minus(KEPT_FOR);
        List<LiveRun> ended = runs.values().stream().filter(LiveRun::hasEnded)
                .sorted(Comparator.comparing(LiveRun::endedAt)).toList();
        int count = ended.size();
        long bytes = ended.stream().mapToLong(run -> run.log().bytes()).sum();
        for (LiveRun run : ended) {
            if (count <= KEPT_ENDED_RUNS && bytes <= KEPT_BYTES && !run.endedAt().isBefore(tooOld)) {
                break; // the rest ended later
            }
            runs.remove(run.id());
            count--;
            bytes -= run.log().bytes();
        }
    }

    private synchronized void refuseWhenStopping() {
        if (!accepting) {
            throw ApiException.unavailable("This server is shutting down and starts no new run; its running runs are "
                    + "finishing. Start the run on another server, or once this one is back.");
        }
    }

    private synchronized LiveRun live(String id) {
        return runs.get(id);
    }

    private synchronized List<LiveRun> liveRuns() {
        return new ArrayList<>(runs.values());
    }

    /** The run with exactly this id in the run store, if there is a store and it has it. */
    private Optional<StoredRun> stored(String id) {
        RunStore store = settings.store();
        if (store == null || id.isBlank()) {
            return Optional.empty();
        }
        try {
            return store.find(id).filter(run -> run.id().equals(id));
        } catch (IllegalArgumentException severalStartWithIt) {
            return Optional.empty();
        }
    }

    private ApiException unknown(String id) {
        return ApiException.notFound("There is no run " + id + (settings.store() == null
                ? " in this server (it keeps ended runs for a while only, and records none: it has no run store)."
                : " in this server or its run store.") + " GET /api/runs lists the runs.");
    }

    /** Which events the client already has: {@code Last-Event-ID} (sent by EventSource when it reconnects), or {@code ?lastEventId=}. */
    private static long lastEventId(Context ctx) {
        String header = ctx.header("Last-Event-ID");
        String value = header != null && !header.isBlank() ? header : ctx.queryParam("lastEventId");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long id = Long.parseLong(value.strip());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiException.badRequest("lastEventId", "Last-Event-ID (or lastEventId) must be the number of an event "
                + "(0 or more), not '" + value + "'.");
    }

    private static int queryNumber(Context ctx, String name, int fallback) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value.strip());
            if (number >= 1 && number <= MAX_LIMIT) {
                return number;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiException.badRequest(name, name + " must be a whole number from 1 to " + MAX_LIMIT + ", not '" + value + "'.");
    }

    private static <T> T parsed(Context ctx, String name, Function<String, T> parse) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name, name + ": " + e.getMessage() + ".");
        }
    }

    private static boolean contains(String task, String text) {
        return text == null || text.isBlank()
                || task.toLowerCase(Locale.ROOT).contains(text.strip().toLowerCase(Locale.ROOT));
    }
}
