package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.StartupFile;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.ServerLimits;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.StoredRun;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs through the HTTP API of a real server on loopback, with real sessions and models served by
 * {@code ScriptedModelServer}: a run from its POST to its end with every kind of event, resumption, cancel, many runs
 * at once, a runaway beside a well-behaved run, the error answers, a client that goes away, the history, the report,
 * a run read back after a restart, and a shutdown.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS) // a safety net against a hang, not a measure of speed
class RunsApiTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private static final long DEADLINE_SECONDS = 120;

    @TempDir
    Path home;

    private ScriptedAgents agents;
    private RunStore store;
    private CodeactServer server;
    private Api api;
    private final StringWriter serverLog = new StringWriter();
    /** Gates the code can wait at (the tool hold(gate=...)), opened by the test. */
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        store = RunStore.openIn(home);
        agents = new ScriptedAgents(SANDBOX).recordIn(store).tools(Tools.of(
                Tool.builder("hold").description("Waits until the test opens the gate.")
                        .parameter("gate", "string", "the gate's name")
                        .function(args -> {
                            if (!gate(args.path("gate").asText()).await(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("the gate was never opened");
                            }
                            return "open";
                        }).build(),
                Tool.builder("order_total").description("The total of an order, in cents.")
                        .parameter("order_id", "integer", "the order's number")
                        .function(args -> args.path("order_id").asInt() * 10).build()));
        startServer(ServerLimits.defaults());
    }

    private void startServer(ServerLimits limits) {
        server = CodeactServer.builder().port(0).sandbox(SANDBOX).agents(agents).store(store)
                .models(ScriptedAgents.DEFAULT_MODEL, List.of()).limits(limits)
                .log(new PrintWriter(serverLog, true)).start();
        api = new Api(server);
    }

    @AfterEach
    void stop() {
        gates.values().forEach(CountDownLatch::countDown);
        server.close();
        agents.close();
        store.close();
    }

    private CountDownLatch gate(String name) {
        return gates.computeIfAbsent(name, any -> new CountDownLatch(1));
    }

    private static String python(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    private static String task(String task) {
        return "{\"task\": " + TextNode.valueOf(task) + "}";
    }

    // --- a run from its POST to its end -----------------------------------------------------------------------------

    @Test
    void aRunFromItsPostToItsEndSendsEveryKindOfEventInOrderAsItHappens() throws Exception {
        agents.model(ScriptedAgents.DEFAULT_MODEL)
                .reply("Print, plot and ask.\n" + python("""
                        print('first line', flush=True)
                        hold(gate='seen')
                        print('second line', flush=True)
                        import matplotlib.pyplot as plt
                        figure = plt.figure(figsize=(3, 2), dpi=40)
                        plt.plot([1, 2, 3], [3, 1, 2])
                        display(figure)
                        plt.close(figure)
                        total = order_total(order_id=7)
                        print('total', total)
                        """), 300, 40)
                .reply("Done.\n" + python("final_answer({'total': total})"), 400, 10);

        Api.Answer accepted = api.post("/api/runs", task("What does order 7 come to?"));
        assertThat(accepted.status()).isEqualTo(202);
        String id = accepted.body().get("id").asText();
        assertThat(accepted.body().get("status").asText()).isEqualTo("running");
        assertThat(accepted.body().get("events").asText()).isEqualTo("/api/runs/" + id + "/events");
        assertThat(accepted.header("Location")).isEqualTo("/api/runs/" + id);

        List<Api.Event> events = new ArrayList<>();
        try (Api.EventStreamReader stream = api.events(id)) {
            assertThat(stream.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            // The first line reaches the client while the code waits: output streams as it is printed.
            events.addAll(stream.until(event -> event.kind().equals("output")));
            assertThat(events.get(events.size() - 1).data().get("text").asText()).isEqualTo("first line\n");
            JsonNode whileRunning = api.get("/api/runs/" + id).body();
            assertThat(whileRunning.get("status").asText()).isEqualTo("running");
            assertThat(whileRunning.get("steps")).isEmpty();
            assertThat(whileRunning.get("reason").isNull()).isTrue();
            gate("seen").countDown();
            events.addAll(stream.until(event -> false));
        }

        assertThat(events).extracting(Api.Event::id)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, events.size()).mapToObj(Long::valueOf).toList());
        assertThat(kinds(events)).containsExactly("run-started",
                "step-started", "model-text", "model-replied", "code", "output", "tool-call", "output", "display",
                "tool-call", "output", "observation", "step-finished",
                "step-started", "model-text", "model-replied", "code", "step-finished", "answer",
                "end");

        JsonNode started = first(events, "run-started");
        assertThat(started.get("runId").asText()).isEqualTo(id);
        assertThat(started.get("task").asText()).isEqualTo("What does order 7 come to?");
        assertThat(started.get("model").asText()).isEqualTo(ScriptedAgents.DEFAULT_MODEL);
        assertThat(started.get("mode").asText()).isEqualTo("multi-step");
        assertThat(started.get("language").asText()).isEqualTo("python");
        assertThat(events.stream().filter(event -> event.kind().equals("model-text") && event.data().get("step").asInt() == 0)
                .map(event -> event.data().get("text").asText()).reduce("", String::concat)).startsWith("Print, plot and ask.");
        JsonNode replied = first(events, "model-replied");
        assertThat(replied.get("inputTokens").asInt()).isEqualTo(300);
        assertThat(replied.get("outputTokens").asInt()).isEqualTo(40);
        assertThat(replied.get("durationMs").asLong()).isNotNegative();
        JsonNode code = first(events, "code");
        assertThat(code.get("code").asText()).startsWith("print('first line', flush=True)");
        assertThat(code.get("language").asText()).isEqualTo("python");
        assertThat(events.stream().filter(event -> event.kind().equals("output")).map(event -> event.data().get("text").asText()))
                .containsExactly("first line\n", "second line\n", "total 70\n");
        assertThat(first(events, "output").get("stream").asText()).isEqualTo("stdout");
        JsonNode display = first(events, "display");
        assertThat(display.get("mime").asText()).isEqualTo("image/png");
        assertThat(Base64.getDecoder().decode(display.get("data").asText())).startsWith(0x89, 'P', 'N', 'G');
        List<JsonNode> calls = events.stream().filter(event -> event.kind().equals("tool-call")).map(Api.Event::data).toList();
        assertThat(calls.get(0).get("name").asText()).isEqualTo("hold");
        JsonNode total = calls.get(1);
        assertThat(total.get("step").asInt()).isZero();
        assertThat(total.get("name").asText()).isEqualTo("order_total");
        assertThat(total.get("arguments").toString()).isEqualTo("{\"order_id\":7}");
        assertThat(total.get("ok").asBoolean()).isTrue();
        assertThat(total.get("result").asInt()).isEqualTo(70);
        assertThat(total.has("error")).isFalse();
        assertThat(total.get("durationMs").asLong()).isNotNegative();
        JsonNode observation = first(events, "observation");
        assertThat(observation.get("text").asText()).contains("total 70");
        assertThat(observation.get("error").asBoolean()).isFalse();
        JsonNode stepFinished = first(events, "step-finished");
        assertThat(stepFinished.get("step").asInt()).isZero();
        assertThat(stepFinished.get("index").asInt()).isZero();
        assertThat(stepFinished.get("thought").asText()).isEqualTo("Print, plot and ask.");
        assertThat(stepFinished.get("observation").asText()).contains("total 70");
        JsonNode answer = first(events, "answer");
        assertThat(answer.get("step").asInt()).isEqualTo(1);
        assertThat(answer.get("answer").toString()).isEqualTo("{\"total\":70}");
        assertThat(answer.get("format").asText()).isEqualTo("json");
        JsonNode end = events.get(events.size() - 1).data();
        assertThat(end.get("status").asText()).isEqualTo("succeeded");
        assertThat(end.at("/run/answer/total").asInt()).isEqualTo(70);
        assertThat(end.at("/run/steps")).hasSize(2);

        JsonNode shown = api.get("/api/runs/" + id).body();
        assertThat(shown).isEqualTo(end.get("run"));
        assertThat(shown.get("runId").asText()).isEqualTo(id);
        assertThat(shown.get("status").asText()).isEqualTo("succeeded");
        assertThat(shown.get("success").asBoolean()).isTrue();
        assertThat(shown.get("reason").asText()).isEqualTo("final_answer");
        assertThat(shown.get("inputTokens").asInt()).isEqualTo(700);
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);

        // Resumption: the events after the client's last, by the header EventSource sends, or by the query parameter.
        List<Api.Event> resumed;
        try (Api.EventStreamReader stream = api.events(id, api.request("/api/runs/" + id + "/events")
                .header("Last-Event-ID", "5"))) {
            resumed = stream.until(event -> false);
        }
        assertThat(resumed).isEqualTo(events.subList(5, events.size()));
        try (Api.EventStreamReader stream = api.events(id, api.request("/api/runs/" + id + "/events?lastEventId="
                + (events.size() - 1)))) {
            assertThat(stream.until(event -> false)).containsExactly(events.get(events.size() - 1));
        }
        // An EventSource cannot send headers: the token may come as a query parameter.
        try (Api.EventStreamReader stream = api.events(id, java.net.http.HttpRequest.newBuilder(
                api.uri("/api/runs/" + id + "/events?lastEventId=" + (events.size() - 2) + "&token=" + server.token())))) {
            assertThat(stream.until(event -> false)).hasSize(2);
        }
    }

    @Test
    void aClientThatComesBackWithLastEventIdGetsTheRestOfARunUnderWay() {
        agents.model(ScriptedAgents.DEFAULT_MODEL)
                .reply(python("print('one', flush=True)\nhold(gate='resume')\nprint('two')\nfinal_answer(2)"));
        String id = api.start(task("Count to two."));
        List<Api.Event> before;
        try (Api.EventStreamReader stream = api.events(id)) {
            before = stream.until(event -> event.kind().equals("output"));
        }
        gate("resume").countDown();
        long last = before.get(before.size() - 1).id();
        List<Api.Event> after;
        try (Api.EventStreamReader stream = api.events(id, api.request("/api/runs/" + id + "/events")
                .header("Last-Event-ID", String.valueOf(last)))) {
            after = stream.until(event -> false);
        }
        assertThat(after.get(0).id()).isEqualTo(last + 1);
        List<Api.Event> whole = new ArrayList<>(before);
        whole.addAll(after);
        assertThat(whole).isEqualTo(api.allEvents(id));
        assertThat(after.get(after.size() - 1).data().get("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void aRunWhoseModelFailsEndsFailedWithTheProvidersWords() {
        agents.model(ScriptedAgents.DEFAULT_MODEL).reply(python("print('one step')")).fail(401);
        String id = api.start(task("Meet a refused key."));
        List<Api.Event> events = api.allEvents(id);

        assertThat(kinds(events)).endsWith("step-finished", "step-started", "error", "end");
        JsonNode error = events.get(events.size() - 2).data();
        assertThat(error.get("step").asInt()).isEqualTo(1);
        assertThat(error.get("message").asText()).contains("refused the API key");
        JsonNode end = events.getLast().data();
        assertThat(end.get("status").asText()).isEqualTo("failed");
        assertThat(end.at("/run/reason").asText()).isEqualTo("model_error");
        assertThat(end.at("/run/error").asText()).isEqualTo(error.get("message").asText());
        assertThat(end.at("/run/steps")).hasSize(1);
        StoredRun stored = store.find(id).orElseThrow();
        assertThat(stored.status()).isEqualTo(RunStatus.FAILED);
        assertThat(stored.error()).isEqualTo(error.get("message").asText());
    }

    // --- cancel ---------------------------------------------------------------------------------------------------

    @Test
    void cancellingARunStuckInASleepInterruptsItAndRecordsItAsCancelled() {
        agents.model(ScriptedAgents.DEFAULT_MODEL)
                .reply(python("import time\nprint('sleeping', flush=True)\ntime.sleep(600)"));
        String id = api.start(task("Sleep for ten minutes."));
        List<Api.Event> events;
        try (Api.EventStreamReader stream = api.events(id)) {
            events = new ArrayList<>(stream.until(event -> event.kind().equals("output")));

            Api.Answer cancelled = api.delete("/api/runs/" + id);
            assertThat(cancelled.status()).isEqualTo(202);
            assertThat(cancelled.body().get("id").asText()).isEqualTo(id);
            assertThat(cancelled.body().get("status").asText()).isEqualTo("cancelling");
            events.addAll(stream.until(event -> false));
        }

        JsonNode end = events.get(events.size() - 1).data();
        assertThat(events.get(events.size() - 1).kind()).isEqualTo("end");
        assertThat(end.get("status").asText()).isEqualTo("cancelled");
        assertThat(end.at("/run/reason").asText()).isEqualTo("cancelled");
        assertThat(end.at("/run/steps/0/error/type").asText()).isEqualTo("KeyboardInterrupt");
        assertThat(kinds(events)).endsWith("step-finished", "end");
        assertThat(api.get("/api/runs/" + id).body().get("status").asText()).isEqualTo("cancelled");
        StoredRun stored = store.find(id).orElseThrow();
        assertThat(stored.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(stored.steps()).hasSize(1);
        assertThat(agents.model(ScriptedAgents.DEFAULT_MODEL).requests()).hasSize(1);

        Api.Answer again = api.delete("/api/runs/" + id);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().at("/error/type").asText()).isEqualTo("conflict");
        assertThat(again.body().at("/error/message").asText()).contains("already ended");
    }

    // --- many at once -----------------------------------------------------------------------------------------------

    @Test
    void tenRunsRunAtOnceEachAnsweredRightAndAnEleventhIsAskedToComeBack() {
        server.close();
        startServer(ServerLimits.defaults().withMaxRuns(10));
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            String model = "openai:scripted-" + i;
            agents.model(model).reply("Square it.\n" + python("n = " + i + "\nhold(gate='ten')\nfinal_answer(n * n)"));
            ids.add(api.start("{\"task\": \"Square " + i + ".\", \"model\": \"" + model + "\"}"));
        }
        // All ten are running, each waiting at the gate: the eleventh is over the limit.
        Api.Answer refused = api.post("/api/runs", task("One too many."));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isEqualTo("10");
        assertThat(refused.body().at("/error/type").asText()).isEqualTo("too_many");
        assertThat(refused.body().at("/error/message").asText()).contains("at most 10 runs at once");
        assertThat(api.get("/api/runs?status=running").body().get("runs")).hasSize(10);

        gate("ten").countDown();
        for (int i = 1; i <= 10; i++) {
            List<Api.Event> events = api.allEvents(ids.get(i - 1));
            JsonNode end = events.get(events.size() - 1).data();
            assertThat(end.get("status").asText()).as("run %d", i).isEqualTo("succeeded");
            assertThat(end.at("/run/answer").asInt()).as("run %d", i).isEqualTo(i * i);
            assertThat(end.at("/run/model").asText()).isEqualTo("openai:scripted-" + i);
        }
        // Their places are free again.
        agents.model(ScriptedAgents.DEFAULT_MODEL).reply(python("final_answer('again')"));
        List<Api.Event> again = api.allEvents(api.start(task("Once more.")));
        assertThat(again.get(again.size() - 1).data().at("/run/answer").asText()).isEqualTo("again");
    }

    @Test
    void aRunawayRunHitsItsTimeLimitWithoutDisturbingARunBesideIt() {
        String runaway = "openai:runaway";
        agents.policy(runaway, SandboxPolicy.builder().timeout(Duration.ofSeconds(4))
                        .interruptGrace(Duration.ofSeconds(1)).build())
                .model(runaway)
                .reply(python("print('spinning', flush=True)\nwhile True:\n    pass"))
                .reply(python("final_answer('recovered')"));
        agents.model(ScriptedAgents.DEFAULT_MODEL)
                .reply(python("values = [x * x for x in range(1000)]\nprint(len(values))\nfinal_answer(sum(values))"));

        String spinning = api.start("{\"task\": \"Spin.\", \"model\": \"" + runaway + "\"}");
        String calm;
        try (Api.EventStreamReader stream = api.events(spinning)) {
            stream.until(event -> event.kind().equals("output"));
            calm = api.start(task("Sum the first thousand squares."));
        }
        List<Api.Event> calmEvents = api.allEvents(calm);
        JsonNode calmEnd = calmEvents.get(calmEvents.size() - 1).data();
        assertThat(calmEnd.get("status").asText()).isEqualTo("succeeded");
        assertThat(calmEnd.at("/run/answer").asLong()).isEqualTo(332_833_500L);

        List<Api.Event> spinningEvents = api.allEvents(spinning);
        JsonNode spinningEnd = spinningEvents.get(spinningEvents.size() - 1).data();
        assertThat(spinningEnd.at("/run/steps/0/error/type").asText()).isEqualTo("TimeoutError");
        assertThat(spinningEnd.get("status").asText()).isEqualTo("succeeded");
        assertThat(spinningEnd.at("/run/answer").asText()).isEqualTo("recovered");
    }

    @Test
    void aRunGoesOnAfterItsEventClientHasGone() {
        agents.model(ScriptedAgents.DEFAULT_MODEL)
                .reply(python("hold(gate='gone')\nprint('still here')\nfinal_answer('finished')"));
        String id = api.start(task("Finish without anyone watching."));
        try (Api.EventStreamReader stream = api.events(id)) {
            stream.until(event -> event.kind().equals("code"));
        } // the client hangs up in the middle of the run
        gate("gone").countDown();

        List<Api.Event> events = api.allEvents(id);
        JsonNode end = events.get(events.size() - 1).data();
        assertThat(end.get("status").asText()).isEqualTo("succeeded");
        assertThat(end.at("/run/answer").asText()).isEqualTo("finished");
        assertThat(events).anySatisfy(event -> assertThat(event.data().path("text").asText()).isEqualTo("still here\n"));
    }

    // --- what is refused ------------------------------------------------------------------------------------------

    @Test
    void badRequestsAre400NamingTheField() {
        assertBadRequest("{}", "task", "A run needs a task");
        assertBadRequest("{\"task\": \"  \"}", "task", "A run needs a task");
        assertBadRequest("{\"task\": 3}", "task", "task must be a string");
        assertBadRequest("{\"task\": \"t\", \"mode\": \"fast\"}", "mode", "unknown mode 'fast'; use simple or multi-step");
        assertBadRequest("{\"task\": \"t\", \"maxSteps\": 0}", "maxSteps", "maxSteps must be a whole number of at least 1");
        assertBadRequest("{\"task\": \"t\", \"schema\": {\"type\": \"objekt\"}}", "schema", "not a valid JSON Schema");
        assertBadRequest("{\"task\": \"t\", \"schema\": \"{}\"}", "schema", "must be a JSON object");
        assertBadRequest("{\"task\": \"t\", \"format\": \"xml\"}", "format", "unknown answer format 'xml'");
        assertBadRequest("{\"task\": \"t\", \"language\": \"cobol\"}", "language", "unknown language 'cobol'");
        assertBadRequest("{\"task\": \"t\", \"maxstep\": 3}", "maxstep", "the fields are task, model, mode, maxSteps");
        assertBadRequest("{\"task\": \"t\", \"model\": \"openai:nobody\"}", "model", "No model openai:nobody");
        Api.Answer notJson = api.post("/api/runs", "task: t");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.body().at("/error/message").asText()).contains("not JSON");
        assertThat(api.get("/api/runs?status=done").body().at("/error/field").asText()).isEqualTo("status");
        assertThat(api.get("/api/runs?limit=0").body().at("/error/field").asText()).isEqualTo("limit");
        assertThat(api.get("/api/report?since=a-week").body().at("/error/field").asText()).isEqualTo("since");
        assertThat(api.send(api.request("/api/runs/x/events").header("Last-Event-ID", "-1").GET()).body()
                .at("/error/field").asText()).isEqualTo("lastEventId");
    }

    private void assertBadRequest(String body, String field, String message) {
        Api.Answer answer = api.post("/api/runs", body);
        assertThat(answer.status()).as(body).isEqualTo(400);
        assertThat(answer.body().at("/error/type").asText()).isEqualTo("bad_request");
        assertThat(answer.body().at("/error/field").asText()).as(body).isEqualTo(field);
        assertThat(answer.body().at("/error/message").asText()).as(body).contains(message);
    }

    @Test
    void anUnknownRunIs404AndATooLargeBodyIs413() {
        for (Api.Answer answer : List.of(api.get("/api/runs/no-such-run"), api.delete("/api/runs/no-such-run"),
                api.get("/api/runs/no-such-run/events"))) {
            assertThat(answer.status()).isEqualTo(404);
            assertThat(answer.body().at("/error/type").asText()).isEqualTo("not_found");
            assertThat(answer.body().at("/error/message").asText()).contains("no-such-run", "GET /api/runs");
        }
        server.close();
        startServer(ServerLimits.defaults().withMaxBodyBytes(64 * 1024));
        // A body far over the limit, sent without Expect: 100-continue: the answer must still arrive, not a reset.
        for (int attempt = 0; attempt < 3; attempt++) {
            Api.Answer tooLarge = api.post("/api/runs", task("x".repeat(4 * 1024 * 1024)));
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.body().at("/error/type").asText()).isEqualTo("too_large");
        }
    }

    // --- history, report, restart -----------------------------------------------------------------------------------

    @Test
    void theHistoryHasTheStoresRunsAndThoseRunningLatestFirstFilteredByStatusAndText() {
        agents.model(ScriptedAgents.DEFAULT_MODEL)
                .reply(python("final_answer(1)"))
                .reply(python("hold(gate='history')\nfinal_answer(2)"));
        String done = api.start(task("First, quickly."));
        api.allEvents(done);
        String running = api.start(task("Second, slowly."));

        JsonNode all = api.get("/api/runs").body().get("runs");
        assertThat(all).extracting(run -> run.get("id").asText()).containsExactly(running, done);
        assertThat(all.get(0).get("status").asText()).isEqualTo("running");
        assertThat(all.get(0).get("durationMs").isNull()).isTrue();
        assertThat(all.get(1).get("status").asText()).isEqualTo("succeeded");
        assertThat(all.get(1).get("task").asText()).isEqualTo("First, quickly.");
        assertThat(all.get(1).get("steps").asInt()).isEqualTo(1);
        assertThat(api.get("/api/runs?limit=1").body().get("runs")).extracting(run -> run.get("id").asText())
                .containsExactly(running);
        assertThat(api.get("/api/runs?status=succeeded").body().get("runs"))
                .extracting(run -> run.get("id").asText()).containsExactly(done);
        assertThat(api.get("/api/runs?q=SLOWLY").body().get("runs")).extracting(run -> run.get("id").asText())
                .containsExactly(running);
        gate("history").countDown();
        api.allEvents(running);
        assertThat(api.get("/api/runs?status=running").body().get("runs")).isEmpty();
    }

    @Test
    void theReportHasTheFiguresOfReportJsonAndTheRunsDayByDay() {
        agents.model(ScriptedAgents.DEFAULT_MODEL).reply(python("final_answer(1)"), 100, 10);
        api.allEvents(api.start(task("Count one.")));

        JsonNode report = api.get("/api/report?since=7d&model=" + ScriptedAgents.DEFAULT_MODEL).body();
        assertThat(report.get("runs").asInt()).isEqualTo(1);
        assertThat(report.get("succeeded").asInt()).isEqualTo(1);
        assertThat(report.get("byModel").has(ScriptedAgents.DEFAULT_MODEL)).isTrue();
        JsonNode days = report.get("byDay");
        assertThat(days).hasSize(8);
        JsonNode today = days.get(7);
        assertThat(today.get("day").asText()).isEqualTo(java.time.LocalDate.now().toString());
        assertThat(today.get("runs").asInt()).isEqualTo(1);
        assertThat(today.get("successRate").asDouble()).isEqualTo(1.0);
        assertThat(today.get("inputTokens").asInt()).isEqualTo(100);
        assertThat(today.has("p50DurationMs") && today.has("p95DurationMs") && today.has("outputTokens")).isTrue();
        assertThat(api.get("/api/report?model=openai:nobody").body().get("runs").asInt()).isZero();
    }

    @Test
    void aRunReadAfterTheServerRestartedComesFromTheStore() {
        agents.model(ScriptedAgents.DEFAULT_MODEL).reply(python("print('kept')\nfinal_answer('stored')"));
        String id = api.start(task("Be remembered."));
        JsonNode live = api.allEvents(id).getLast().data().get("run");
        server.close();
        startServer(ServerLimits.defaults());

        JsonNode stored = api.get("/api/runs/" + id).body();
        assertThat(stored.get("status").asText()).isEqualTo("succeeded");
        assertThat(stored.get("answer").asText()).isEqualTo("stored");
        assertThat(stored.at("/steps/0/stdout").asText()).isEqualTo("kept\n");
        for (String field : List.of("runId", "task", "model", "success", "reason", "answerText", "format", "language", "mode")) {
            assertThat(stored.get(field)).as(field).isEqualTo(live.get(field));
        }
        List<Api.Event> events;
        try (Api.EventStreamReader stream = api.events(id, api.request("/api/runs/" + id + "/events")
                .header("Last-Event-ID", "12"))) {
            events = stream.until(event -> false);
        }
        assertThat(events).hasSize(1);
        assertThat(events.get(0).id()).isEqualTo(13);
        assertThat(events.get(0).kind()).isEqualTo("end");
        assertThat(events.get(0).data().get("run")).isEqualTo(stored);
        assertThat(api.delete("/api/runs/" + id).status()).isEqualTo(409);
        assertThat(api.get("/api/runs").body().get("runs")).extracting(run -> run.get("id").asText()).containsExactly(id);
    }

    @Test
    void aRunWhosePolicyHasSetupFilesSaysWhatTheyDidBeforeItsFirstStep() throws Exception {
        String model = "openai:with-setup";
        agents.policy(model, SandboxPolicy.builder().timeout(Duration.ofSeconds(20))
                        .pythonTools(List.of(new StartupFile("suite.py", "def double(x: int) -> int:\n    return 2 * x\n")))
                        .setup(List.of(new StartupFile("load.py", "readings = [3, 9, 4]\nprint('readings loaded')\n")))
                        .build())
                .model(model).reply("Use them.\n" + python("final_answer(double(max(readings)))"), 100, 10);

        String id = api.post("/api/runs", "{\"task\": \"Double the largest reading.\", \"model\": \"" + model + "\"}")
                .body().get("id").asText();
        List<Api.Event> events;
        try (Api.EventStreamReader stream = api.events(id)) {
            events = stream.until(event -> false);
        }

        assertThat(kinds(events)).startsWith("run-started", "setup", "step-started");
        JsonNode setup = first(events, "setup");
        assertThat(setup.get("files").toString()).isEqualTo("[\"load.py\"]");
        assertThat(setup.get("stdout").asText()).isEqualTo("readings loaded\n");
        assertThat(setup.get("displays")).isEmpty();
        assertThat(setup.get("durationMs").asLong()).isNotNegative();
        assertThat(events.get(events.size() - 1).data().at("/run/answer").asInt()).isEqualTo(18);
    }

    @Test
    void theOpenApiDocumentHasTheRunsRoutesAndEveryKindOfEvent() {
        JsonNode paths = api.get("/api/openapi.json").body().get("paths");
        assertThat(paths.get("/api/runs").has("post") && paths.get("/api/runs").has("get")).isTrue();
        assertThat(paths.get("/api/runs/{id}").has("get") && paths.get("/api/runs/{id}").has("delete")).isTrue();
        assertThat(paths.at("/~1api~1report/get/responses/200/content/application~1json/schema/properties").has("byDay")).isTrue();
        String events = paths.at("/~1api~1runs~1{id}~1events/get/summary").asText();
        for (String kind : List.of("run-started", "setup", "step-started", "model-text", "model-replied", "code", "output",
                "display", "tool-call", "observation", "step-finished", "answer", "error", "end")) {
            assertThat(events).contains(kind + " {");
        }
        List<String> fields = new ArrayList<>();
        paths.at("/~1api~1runs/post/requestBody/content/application~1json/schema/properties").fieldNames()
                .forEachRemaining(fields::add);
        assertThat(fields).isEqualTo(RunRequests.FIELDS);
    }

    // --- shutdown -------------------------------------------------------------------------------------------------

    @Test
    void aShutdownTakesNoNewRunLetsRunningOnesEndAndRecordsTheRestIncomplete() throws Exception {
        server.close();
        startServer(ServerLimits.defaults().withShutdownGrace(Duration.ofSeconds(3)));
        agents.model("openai:quick").reply(python("hold(gate='quick')\nfinal_answer('in time')"));
        agents.model(ScriptedAgents.DEFAULT_MODEL).reply(python("import time\nprint('sleeping', flush=True)\ntime.sleep(600)"));
        String quick = api.start("{\"task\": \"Finish within the grace.\", \"model\": \"openai:quick\"}");
        String slow = api.start(task("Sleep through the shutdown."));
        List<Api.Event> slowEvents;
        try (Api.EventStreamReader stream = api.events(slow)) {
            slowEvents = new ArrayList<>(stream.until(event -> event.kind().equals("output")));
            Thread closing = Thread.ofVirtual().start(server::close);
            Api.Answer refused = awaitRefusal();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body().at("/error/type").asText()).isEqualTo("unavailable");
            gate("quick").countDown(); // the quick run ends within the grace
            slowEvents.addAll(stream.until(event -> false)); // to the stream's end: a response cut short would throw
            closing.join();
        }

        JsonNode end = slowEvents.getLast().data();
        assertThat(end.get("status").asText()).isEqualTo("incomplete");
        assertThat(end.at("/run/error").asText()).isEqualTo(LiveRun.STOPPED_BY_SHUTDOWN);
        StoredRun stopped = store.find(slow).orElseThrow();
        assertThat(stopped.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(stopped.error()).isEqualTo(LiveRun.STOPPED_BY_SHUTDOWN);
        assertThat(stopped.steps()).hasSize(1);
        StoredRun finished = store.find(quick).orElseThrow();
        assertThat(finished.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(finished.answerText()).isEqualTo("in time");
    }

    /** POSTs until the server, shutting down, refuses: the first POST may come before it stops taking runs. */
    private Api.Answer awaitRefusal() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        agents.model("openai:late").reply(python("final_answer('late')"));
        while (System.nanoTime() < deadline) {
            Api.Answer answer = api.post("/api/runs", "{\"task\": \"Too late.\", \"model\": \"openai:late\"}");
            if (answer.status() != 202) {
                return answer;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the server never refused a run while shutting down");
    }

    private static List<String> kinds(List<Api.Event> events) {
        List<String> kinds = new ArrayList<>();
        for (Api.Event event : events) { // a reply streams in several pieces: one model-text per piece
            if (!(event.kind().equals("model-text") && !kinds.isEmpty() && kinds.getLast().equals("model-text"))) {
                kinds.add(event.kind());
            }
        }
        return kinds;
    }

    private static JsonNode first(List<Api.Event> events, String kind) {
        return events.stream().filter(event -> event.kind().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " event in " + events)).data();
    }
}
