package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.AgentListener;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.RunHandle;
import dev.codeact4j.agent.Step;
import dev.codeact4j.agent.StopReason;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.server.settings.RunRequest;
import dev.codeact4j.server.http.Json;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.RunSummary;
import dev.codeact4j.store.StoreException;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run of this server, from its POST until it is let go: it hears the agent's events (as its listener), keeps
 * them in its {@link EventLog} for the clients' streams, keeps what {@code GET /api/runs/{id}} shows while it runs,
 * and, when the run has ended however it did (an answer, none, a failure, a cancel, a shutdown), its status and
 * JSON, with {@code end} as the log's last event.
 */
final class LiveRun implements AgentListener {
    /** What a run stopped by a shutdown is recorded with. */
    static final String STOPPED_BY_SHUTDOWN = "codeact serve stopped before the run finished";

    private final RunRequest request;
    private final String fallbackModel;
    private final Language fallbackLanguage;
    private final Instant startedAt = Instant.now();
    private final EventLog log = new EventLog();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile RunHandle handle;

    // Guarded by this.
    private AgentEvent.RunStarted started;
    private AgentEvent.RunFailed failed;
    private final List<Step> steps = new ArrayList<>();
    private RunStatus status = RunStatus.RUNNING;
    private boolean cancelled;
    private boolean stopping;
    private ObjectNode endJson;
    private Instant endedAt;

    /**
     * @param fallbackModel    the model named when the run ends before the agent said which (its session could not
     *                         be opened, say)
     * @param fallbackLanguage likewise for the language
     */
    LiveRun(RunRequest request, String fallbackModel, Language fallbackLanguage) {
        this.request = request;
        this.fallbackModel = fallbackModel;
        this.fallbackLanguage = fallbackLanguage;
    }

    /** The agent's run this is, once started. */
    void attach(RunHandle handle) {
        this.handle = handle;
    }

    String id() {
        return handle.runId();
    }

    EventLog log() {
        return log;
    }

    @Override
    public void onEvent(AgentEvent event) {
        Language language;
        synchronized (this) {
            switch (event) {
                case AgentEvent.RunStarted runStarted -> started = runStarted;
                case AgentEvent.StepFinished finished -> steps.add(finished.step());
                case AgentEvent.RunFailed runFailed -> failed = runFailed;
                default -> { }
            }
            language = language();
        }
        RunEvents.Shown shown = RunEvents.of(event, language);
        if (shown != null) {
            log.add(shown.kind(), shown.data());
        }
    }

    /** Asks the run to stop (DELETE): false when it has ended, or was asked before. */
    boolean cancel() {
        synchronized (this) {
            cancelled = true; // a shutdown that comes before it has ended does not make it incomplete
        }
        return handle.cancel();
    }

    /**
     * Stops the run because the server is shutting down: it will be recorded incomplete, not cancelled (unless a
     * client had cancelled it already).
     */
    void stopForShutdown() {
        synchronized (this) {
            stopping = !cancelled;
        }
        handle.cancel();
    }

    synchronized boolean hasEnded() {
        return status != RunStatus.RUNNING;
    }

    synchronized Instant endedAt() {
        return endedAt;
    }

    /** Waits until the run has ended, or {@code deadline} has passed. */
    void awaitEnd(Instant deadline) throws InterruptedException {
        ended.await(Math.max(0, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
    }

    /**
     * The run has ended, with {@code result} or by {@code failure}: its status and JSON are settled, a shutdown's
     * stop is recorded as incomplete (undoing the cancel the recorder wrote), and {@code end} closes the log. Only
     * the first call counts (a shutdown may settle a run whose thread does not stop in time).
     */
    void end(AgentResult result, Throwable failure, RunStore store, PrintWriter serverLog) {
        ObjectNode data;
        synchronized (this) {
            if (status != RunStatus.RUNNING) {
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            AgentResult ending = result != null ? result : failedResult();
            ObjectNode run = RunJson.of(ending, Map.of());
            String error = null;
            if (stopping) {
                status = RunStatus.INCOMPLETE;
                error = STOPPED_BY_SHUTDOWN;
                run.putNull("reason"); // as the store has it: the run never finished
                recordIncomplete(store, serverLog);
            } else if (result != null) {
                status = RunStatus.of(result);
            } else if (cancelled) { // settled by a shutdown: a cancelled run whose thread did not stop in time
                status = RunStatus.CANCELLED;
            } else {
                status = RunStatus.FAILED;
                error = failed != null ? failed.message()
                        : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
            }
            endedAt = Instant.now();
            endJson = withState(run, error);
            data = Json.MAPPER.createObjectNode().put("status", status.label());
            data.set("run", endJson);
        }
        log.add(EventLog.END, data);
        ended.countDown();
    }

    /** The run as {@code GET /api/runs/{id}} shows it: the steps so far while it runs. */
    synchronized ObjectNode json() {
        if (endJson != null) {
            return endJson.deepCopy();
        }
        return withState(RunJson.running(id(), request.task(), model(), language(), steps), null);
    }

    /** The run as a line of the history. */
    synchronized RunSummary summary() {
        Long durationMs = endedAt == null || status == RunStatus.INCOMPLETE ? null
                : endJson.path("durationMs").isNumber() ? endJson.get("durationMs").asLong() : null;
        int input = endJson != null ? endJson.path("inputTokens").asInt() : steps.stream().mapToInt(Step::inputTokens).sum();
        int output = endJson != null ? endJson.path("outputTokens").asInt() : steps.stream().mapToInt(Step::outputTokens).sum();
        String reason = endJson == null || endJson.path("reason").isNull() ? null : endJson.path("reason").asText();
        return new RunSummary(id(), request.task(), model(), mode(), status, reason, startedAt, durationMs,
                (int) steps.stream().filter(Step::ranCode).count(), input, output, language());
    }

    /** What the store and {@code show} add to a run's JSON, for a run of this server: where it stands, and when. */
    private ObjectNode withState(ObjectNode run, String error) {
        run.put("mode", mode())
                .put("status", status.label())
                .put("error", error)
                .put("startedAt", startedAt.toString())
                .put("finishedAt", endedAt == null || status == RunStatus.INCOMPLETE ? null : endedAt.toString())
                .put("attempts", 1);
        return run;
    }

    /** The result of a run that ended by an exception: its steps so far, no answer. */
    private AgentResult failedResult() {
        StopReason reason = cancelled ? StopReason.CANCELLED : failed != null ? failed.reason() : StopReason.ERROR;
        long durationMs = failed != null ? failed.durationMs() : Duration.between(startedAt, Instant.now()).toMillis();
        return new AgentResult(handle.runId(), request.task(), model(), false, reason, null, steps, durationMs,
                steps.stream().mapToInt(Step::inputTokens).sum(), steps.stream().mapToInt(Step::outputTokens).sum(),
                1, false, null, language());
    }

    private void recordIncomplete(RunStore store, PrintWriter serverLog) {
        if (store == null) {
            return;
        }
        try {
            store.runIncomplete(id(), STOPPED_BY_SHUTDOWN);
        } catch (StoreException e) {
            synchronized (serverLog) {
                serverLog.println("codeact serve: run " + id() + " could not be recorded as incomplete: " + e.getMessage());
                serverLog.flush();
            }
        }
    }

    private String model() {
        return started != null ? started.model() : request.model() != null ? request.model() : fallbackModel;
    }

    private String mode() {
        return started != null ? started.mode() : request.mode();
    }

    private Language language() {
        if (started != null) {
            return started.language();
        }
        return request.language() != null ? Language.parse(request.language()) : fallbackLanguage;
    }
}
