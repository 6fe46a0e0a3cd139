package dev.codeact4j.trace;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.codeact4j.trace.AgentTracing.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The spans of real runs (scripted model on loopback, code in the real sandbox), caught by the SDK's in-memory exporter. */
class AgentTracingTest {
    private static final Sandbox SANDBOX = Sandbox.create();

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();
    private ScriptedModelServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        openTelemetry.close();
    }

    private CodeActAgent.Builder agent() {
        ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(0)
                        .withTimeout(Duration.ofSeconds(20)), Map.of());
        return CodeActAgent.builder().models(models).sandbox(SANDBOX)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build());
    }

    private static String python(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    @Test
    void aRunIsATreeOfStepsModelCallsExecutionsAndToolCalls() {
        server = ScriptedModelServer.openAi()
                .reply("Look the orders up, then print one too many.\n" + python("""
                        totals = [order_total(order_id=i) for i in (101, 102)]
                        print(totals[5])
                        """), 300, 20)
                .reply("The list has two totals; add them.\n" + python("""
                        try:
                            order_total(order_id=-1)
                        except ToolError as e:
                            print(e)
                        final_answer(sum(totals))
                        """), 420, 12);
        Tools tools = Tools.of(Tool.builder("order_total").description("The total of an order, in cents.")
                .parameter("order_id", "integer", "the order's number")
                .function(args -> {
                    if (args.path("order_id").asInt() < 0) {
                        throw new IllegalArgumentException("no such order");
                    }
                    return args.path("order_id").asInt() * 10;
                }).build());

        AgentResult result = agent().tools(tools).openTelemetry(openTelemetry).build().run("Add up orders 101 and 102.");

        assertThat(result.success()).isTrue();
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).extracting(SpanData::getName).containsExactlyInAnyOrder(
                "invoke_agent codeact",
                "step", "chat scripted-model", "execute_code", "execute_tool order_total", "execute_tool order_total",
                "step", "chat scripted-model", "execute_code", "execute_tool order_total");
        assertThat(spans).extracting(span -> span.getTraceId()).containsOnly(spans.get(0).getTraceId());

        SpanData run = named(spans, "invoke_agent codeact").get(0);
        assertThat(run.getParentSpanContext().isValid()).isFalse();
        assertThat(run.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(run.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(run.getAttributes().get(OPERATION_NAME)).isEqualTo("invoke_agent");
        assertThat(run.getAttributes().get(AGENT_NAME)).isEqualTo("codeact");
        assertThat(run.getAttributes().get(PROVIDER_NAME)).isEqualTo("openai");
        assertThat(run.getAttributes().get(REQUEST_MODEL)).isEqualTo("scripted-model");
        assertThat(run.getAttributes().get(RUN_ID)).isEqualTo(result.runId());
        assertThat(run.getAttributes().get(RUN_SUCCESS)).isTrue();
        assertThat(run.getAttributes().get(RUN_REASON)).isEqualTo("final_answer");
        assertThat(run.getAttributes().get(RUN_STEPS)).isEqualTo(2);
        assertThat(run.getAttributes().get(USAGE_INPUT_TOKENS)).isEqualTo(720);
        assertThat(run.getAttributes().get(USAGE_OUTPUT_TOKENS)).isEqualTo(32);

        List<SpanData> steps = named(spans, "step");
        assertThat(steps).allSatisfy(step -> assertThat(step.getParentSpanId()).isEqualTo(run.getSpanId()));
        assertThat(steps).extracting(step -> step.getAttributes().get(STEP_INDEX)).containsExactlyInAnyOrder(0L, 1L);
        SpanData first = steps.stream().filter(step -> step.getAttributes().get(STEP_INDEX) == 0).findFirst().orElseThrow();
        SpanData second = steps.stream().filter(step -> step.getAttributes().get(STEP_INDEX) == 1).findFirst().orElseThrow();

        List<SpanData> chats = named(spans, "chat scripted-model");
        assertThat(chats).extracting(SpanData::getParentSpanId).containsExactlyInAnyOrder(first.getSpanId(), second.getSpanId());
        SpanData firstChat = childOf(chats, first);
        SpanData secondChat = childOf(chats, second);
        assertThat(firstChat.getAttributes().get(USAGE_INPUT_TOKENS)).isEqualTo(300);
        assertThat(firstChat.getAttributes().get(USAGE_OUTPUT_TOKENS)).isEqualTo(20);
        assertThat(secondChat.getAttributes().get(USAGE_INPUT_TOKENS)).isEqualTo(420);
        assertThat(secondChat.getAttributes().get(USAGE_OUTPUT_TOKENS)).isEqualTo(12);
        assertThat(chats).allSatisfy(chat -> {
            assertThat(chat.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(chat.getAttributes().get(OPERATION_NAME)).isEqualTo("chat");
            assertThat(chat.getAttributes().get(PROVIDER_NAME)).isEqualTo("openai");
            assertThat(chat.getAttributes().get(REQUEST_MODEL)).isEqualTo("scripted-model");
            assertThat(chat.getAttributes().get(REQUEST_TEMPERATURE)).isEqualTo(0.1);
            assertThat(chat.getAttributes().get(REQUEST_MAX_TOKENS)).isEqualTo(4096);
            assertThat(chat.getAttributes().get(RESPONSE_MODEL)).isEqualTo("scripted-model");
            assertThat(chat.getAttributes().get(RESPONSE_FINISH_REASONS)).containsExactly("stop");
            assertThat(chat.getAttributes().get(SERVER_ADDRESS)).isEqualTo("127.0.0.1");
            assertThat(chat.getAttributes().get(SERVER_PORT)).isPositive();
        });
        assertThat(firstChat.getAttributes().get(RESPONSE_ID)).isEqualTo("chatcmpl-scripted-1");

        // The first step's code raised IndexError: its execution is an error of that type; the second went well.
        List<SpanData> executions = named(spans, "execute_code");
        SpanData failed = childOf(executions, first);
        SpanData succeeded = childOf(executions, second);
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.getStatus().getDescription()).contains("IndexError");
        assertThat(failed.getAttributes().get(ERROR_TYPE)).isEqualTo("IndexError");
        assertThat(failed.getAttributes().get(EXECUTION_TIMED_OUT)).isFalse();
        assertThat(failed.getAttributes().get(EXECUTION_RESTARTED)).isFalse();
        assertThat(failed.getAttributes().get(EXECUTION_TOOL_CALLS)).isEqualTo(2);
        assertThat(failed.getAttributes().get(EXECUTION_DURATION_MS)).isEqualTo(result.steps().get(0).executionMillis());
        assertThat(succeeded.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(succeeded.getAttributes().get(ERROR_TYPE)).isNull();

        // Tool calls nest in the execution that made them; the one that threw is an error of the exception's class.
        List<SpanData> toolCalls = named(spans, "execute_tool order_total");
        assertThat(toolCalls.stream().filter(call -> call.getParentSpanId().equals(failed.getSpanId()))).hasSize(2);
        SpanData refused = childOf(toolCalls, succeeded);
        assertThat(toolCalls).allSatisfy(call -> {
            assertThat(call.getAttributes().get(OPERATION_NAME)).isEqualTo("execute_tool");
            assertThat(call.getAttributes().get(TOOL_NAME)).isEqualTo("order_total");
            assertThat(call.getAttributes().get(TOOL_TYPE)).isEqualTo("function");
        });
        assertThat(toolCalls).extracting(call -> call.getAttributes().get(TOOL_CALL_ID))
                .containsExactlyInAnyOrder("call_1", "call_2", "call_3");
        assertThat(refused.getAttributes().get(TOOL_CALL_ID)).isEqualTo("call_3");
        assertThat(refused.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(refused.getAttributes().get(ERROR_TYPE)).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(refused.getEvents()).extracting(event -> event.getName()).contains("exception");

        assertThat(Context.current()).isSameAs(Context.root()); // every scope was closed
    }

    @Test
    void aRunWithoutAnAnswerIsAnErrorNamedByItsReason() {
        server = ScriptedModelServer.openAi()
                .reply("I am thinking about it.", 50, 5)
                .reply("It is probably 4.", 60, 6);

        AgentResult result = agent().maxSteps(1).openTelemetry(openTelemetry).build().run("What is 2 + 2?");

        assertThat(result.success()).isFalse();
        List<SpanData> spans = exporter.getFinishedSpanItems();
        // the step without code and the last word asked for at the step limit: a model call each, no execution
        assertThat(spans).extracting(SpanData::getName).containsExactlyInAnyOrder(
                "invoke_agent codeact", "step", "chat scripted-model", "step", "chat scripted-model");
        SpanData run = named(spans, "invoke_agent codeact").get(0);
        assertThat(run.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(run.getAttributes().get(ERROR_TYPE)).isEqualTo("max_steps");
        assertThat(run.getAttributes().get(RUN_SUCCESS)).isFalse();
        assertThat(run.getAttributes().get(USAGE_INPUT_TOKENS)).isEqualTo(110);
    }

    @Test
    void aModelThatFailsMakesItsCallAndTheRunErrors() {
        server = ScriptedModelServer.openAi().fail(401);

        assertThatThrownBy(() -> agent().openTelemetry(openTelemetry).build().run("anything"))
                .isInstanceOf(ModelException.class);

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).extracting(SpanData::getName).containsExactlyInAnyOrder(
                "invoke_agent codeact", "step", "chat scripted-model");
        assertThat(spans).allSatisfy(span -> assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
        SpanData chat = named(spans, "chat scripted-model").get(0);
        // what the client threw, not the ModelException that words it for the user
        assertThat(chat.getAttributes().get(ERROR_TYPE)).isEqualTo("dev.langchain4j.exception.AuthenticationException");
        assertThat(chat.getEvents()).extracting(event -> event.getName()).containsExactly("exception");
        assertThat(named(spans, "invoke_agent codeact").get(0).getAttributes().get(ERROR_TYPE))
                .isEqualTo(ModelException.class.getName());
        assertThat(Context.current()).isSameAs(Context.root());
    }

    @Test
    void withoutAnSdkARunWorksAndLeavesTheGlobalOpenTelemetryUnset() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(6 * 7)"));

        AgentResult result = agent().build().run("What is 6 * 7?");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().asInt()).isEqualTo(42);
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
        // the default took the global instance without fixing it as a no-op, so an application can still set one
        assertThat(GlobalOpenTelemetry.isSet()).isFalse();
        assertThat(Span.current().getSpanContext().isValid()).isFalse();
    }

    private static List<SpanData> named(List<SpanData> spans, String name) {
        return spans.stream().filter(span -> span.getName().equals(name)).toList();
    }

    private static SpanData childOf(List<SpanData> spans, SpanData parent) {
        List<SpanData> children = spans.stream().filter(span -> span.getParentSpanId().equals(parent.getSpanId())).toList();
        assertThat(children).as("children of %s", parent.getName()).hasSize(1);
        return children.get(0);
    }
}
