package dev.codeact4j.agent;

import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A run started with a handle: its events as they happen, its result, and cancelling it wherever it is. */
class RunHandleTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private static final long DEADLINE_SECONDS = 60;
    private ScriptedModelServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private CodeActAgent.Builder agent(ScriptedModelServer server) {
        return CodeActAgent.builder().models(models(server)).sandbox(SANDBOX)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).interruptGrace(Duration.ofSeconds(1)).build());
    }

    private static ChatModels models(ScriptedModelServer server) {
        return ChatModels.create(ModelSpec.parse("openai:scripted-model"), ModelSettings.defaults()
                .withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(1)
                .withTimeout(Duration.ofSeconds(120)), Map.of());
    }

    private static String python(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    @Test
    void aStartedRunTellsItsDisplaysAndToolCallsAsTheyHappenAndEndsAsRunWould() throws Exception {
        server = ScriptedModelServer.openAi().reply("Look it up.\n" + python("""
                print('asking')
                display('a table')
                total = order_total(order_id=7)
                print('got', total)
                final_answer(total)
                """));
        Tools tools = Tools.of(Tool.builder("order_total").description("The total of an order, in cents.")
                .parameter("order_id", "integer", "the order's number")
                .function(args -> args.path("order_id").asInt() * 10).build());
        List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

        RunHandle run = agent(server).tools(tools).build().start("What does order 7 come to?", events::add);
        AgentResult result = run.result().get(DEADLINE_SECONDS, TimeUnit.SECONDS);

        assertThat(result.runId()).isEqualTo(run.runId());
        assertThat(result.answerValue().asInt()).isEqualTo(70);
        assertThat(run.isDone()).isTrue();
        assertThat(run.cancel()).as("an ended run cannot be cancelled").isFalse();
        List<String> kinds = events.stream()
                .filter(event -> !(event instanceof AgentEvent.ModelText))
                .map(event -> event.getClass().getSimpleName()).toList();
        assertThat(kinds).containsExactly("RunStarted", "StepStarted", "ModelReplied", "CodeReady", "ExecutionOutput",
                "ExecutionDisplay", "ToolCalled", "ExecutionOutput", "StepFinished", "FinalAnswer", "RunFinished");
        AgentEvent.ToolCalled called = events.stream().filter(AgentEvent.ToolCalled.class::isInstance)
                .map(AgentEvent.ToolCalled.class::cast).findFirst().orElseThrow();
        assertThat(called.step()).isZero();
        assertThat(called.call().name()).isEqualTo("order_total");
        assertThat(called.call().arguments().path("order_id").asInt()).isEqualTo(7);
        assertThat(called.call().result().asInt()).isEqualTo(70);
        AgentEvent.ExecutionDisplay display = events.stream().filter(AgentEvent.ExecutionDisplay.class::isInstance)
                .map(AgentEvent.ExecutionDisplay.class::cast).findFirst().orElseThrow();
        assertThat(display.display().data()).isEqualTo("'a table'");
    }

    @Test
    void cancellingInterruptsTheCodeUnderWayAndEndsTheRunAsCancelled() throws Exception {
        server = ScriptedModelServer.openAi()
                .reply("Wait for it.\n" + python("import time\nprint('waiting', flush=True)\ntime.sleep(600)"));
        CountDownLatch printed = new CountDownLatch(1);
        List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

        RunHandle run = agent(server).build().start("Wait.", event -> {
            events.add(event);
            if (event instanceof AgentEvent.ExecutionOutput) {
                printed.countDown();
            }
        });
        assertThat(printed.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(run.cancel()).isTrue();
        assertThat(run.cancel()).as("asked once").isFalse();
        AgentResult result = run.result().get(DEADLINE_SECONDS, TimeUnit.SECONDS);

        assertThat(result.reason()).isEqualTo(StopReason.CANCELLED);
        assertThat(result.success()).isFalse();
        assertThat(result.answer()).isNull();
        assertThat(result.steps()).hasSize(1);
        Step step = result.steps().get(0);
        assertThat(step.execution().stdout()).isEqualTo("waiting\n");
        assertThat(step.error().type()).isEqualTo("KeyboardInterrupt");
        assertThat(step.observation()).contains("cancelled");
        assertThat(server.requests()).hasSize(1);
        assertThat(events.get(events.size() - 1)).isInstanceOf(AgentEvent.RunFinished.class);
        assertThat(events).noneMatch(AgentEvent.RunFailed.class::isInstance);
    }

    @Test
    void cancellingAbandonsAStreamedModelCallUnderWay() throws Exception {
        server = ScriptedModelServer.openAi().stall();
        RunHandle run = agent(server).build().start("Think hard.");
        cancelOnceAsked(run);
        AgentResult result = run.result().get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertThat(result.reason()).isEqualTo(StopReason.CANCELLED);
        assertThat(result.steps()).isEmpty();
    }

    @Test
    void cancellingAbandonsABlockingModelCallUnderWay() throws Exception {
        server = ScriptedModelServer.openAi().stall();
        RunHandle run = CodeActAgent.builder().model(models(server).chat()).sandbox(SANDBOX).build().start("Think hard.");
        cancelOnceAsked(run);
        AgentResult result = run.result().get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertThat(result.reason()).isEqualTo(StopReason.CANCELLED);
        assertThat(result.steps()).isEmpty();
    }

    @Test
    void aRunThatFailsEndsItsResultExceptionallyAsRunWouldThrow() {
        server = ScriptedModelServer.openAi().fail(401);
        RunHandle run = agent(server).build().start("Anything.");
        assertThat(run.result()).failsWithin(Duration.ofSeconds(DEADLINE_SECONDS))
                .withThrowableThat().withCauseInstanceOf(dev.codeact4j.model.ModelException.class);
    }

    /** Cancels the run once the model has its request: the call is then under way. */
    private void cancelOnceAsked(RunHandle run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (server.requests().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.requests()).hasSize(1);
        assertThat(run.cancel()).isTrue();
    }
}
