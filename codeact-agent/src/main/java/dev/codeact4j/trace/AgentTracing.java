package dev.codeact4j.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.ToolHandler;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static io.opentelemetry.api.common.AttributeKey.booleanKey;
import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringArrayKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

/**
 * The agent's OpenTelemetry spans: a run ({@code invoke_agent codeact}) holds its steps ({@code step}), and a step
 * its model call ({@code chat MODEL}) and its code's execution ({@code execute_code}), which holds the host tools
 * the code called ({@code execute_tool NAME}). Names and attributes follow the OpenTelemetry semantic conventions
 * for generative AI (v1.37 and later: {@code gen_ai.provider.name}, which replaced {@code gen_ai.system});
 * what they do not cover is under {@code codeact.*}.
 *
 * <p>The spans are children of whatever span is current, so the caller makes each one current
 * ({@code try (Scope s = span.makeCurrent())}) while the work inside it runs. With the no-op OpenTelemetry (the
 * default when no SDK is registered) every span is a shared no-op one and no attribute is computed: attributes
 * are set only on spans that record.
 */
public final class AgentTracing {
    /** The instrumentation scope of codeact4j's spans. */
    public static final String SCOPE = "dev.codeact4j";

    // GenAI semantic conventions
    public static final AttributeKey<String> OPERATION_NAME = stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> PROVIDER_NAME = stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> AGENT_NAME = stringKey("gen_ai.agent.name");
    public static final AttributeKey<String> REQUEST_MODEL = stringKey("gen_ai.request.model");
    public static final AttributeKey<Double> REQUEST_TEMPERATURE = doubleKey("gen_ai.request.temperature");
    public static final AttributeKey<Long> REQUEST_MAX_TOKENS = longKey("gen_ai.request.max_tokens");
    public static final AttributeKey<String> RESPONSE_MODEL = stringKey("gen_ai.response.model");
    public static final AttributeKey<String> RESPONSE_ID = stringKey("gen_ai.response.id");
    public static final AttributeKey<List<String>> RESPONSE_FINISH_REASONS = stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<Long> USAGE_INPUT_TOKENS = longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> USAGE_OUTPUT_TOKENS = longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<String> TOOL_NAME = stringKey("gen_ai.tool.name");
    public static final AttributeKey<String> TOOL_TYPE = stringKey("gen_ai.tool.type");
    public static final AttributeKey<String> TOOL_CALL_ID = stringKey("gen_ai.tool.call.id");
    public static final AttributeKey<String> SERVER_ADDRESS = stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = longKey("server.port");
    public static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");

    // codeact4j's own
    public static final AttributeKey<String> RUN_ID = stringKey("codeact.run.id");
    public static final AttributeKey<String> RUN_MODE = stringKey("codeact.run.mode");
    public static final AttributeKey<Boolean> RUN_SUCCESS = booleanKey("codeact.run.success");
    public static final AttributeKey<String> RUN_REASON = stringKey("codeact.run.reason");
    public static final AttributeKey<Long> RUN_STEPS = longKey("codeact.run.steps");
    public static final AttributeKey<Long> STEP_INDEX = longKey("codeact.step.index");
    public static final AttributeKey<Long> EXECUTION_DURATION_MS = longKey("codeact.execution.duration_ms");
    public static final AttributeKey<Boolean> EXECUTION_TIMED_OUT = booleanKey("codeact.execution.timed_out");
    public static final AttributeKey<Boolean> EXECUTION_RESTARTED = booleanKey("codeact.execution.restarted");
    public static final AttributeKey<Long> EXECUTION_TOOL_CALLS = longKey("codeact.execution.tool_calls");

    public static final String AGENT = "codeact";
    private static final String RUN_SPAN = "invoke_agent " + AGENT;

    private final Tracer tracer;
    private final String provider;
    private final String model;
    private final Double temperature;
    private final Integer maxTokens;
    private final String serverAddress;
    private final int serverPort;
    private final String chatSpanName;

    /**
     * Spans for an agent on this model; every argument but {@code openTelemetry} may be null.
     *
     * @param provider    {@code gen_ai.provider.name}, e.g. {@code openai}
     * @param model       the model's name as requested
     * @param endpoint    the provider's base URL, for {@code server.address} and {@code server.port}
     */
    public AgentTracing(OpenTelemetry openTelemetry, String provider, String model, Double temperature,
                        Integer maxTokens, String endpoint) {
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.provider = provider;
        this.model = model;
        this.temperature = temperature;
        this.maxTokens = maxTokens;
        URI uri = parse(endpoint);
        this.serverAddress = uri == null ? null : uri.getHost();
        this.serverPort = uri == null ? -1 : uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        this.chatSpanName = model == null ? "chat" : "chat " + model;
    }

    /** Spans for an agent on these models: the provider, model name and request settings are taken from them. */
    public static AgentTracing of(OpenTelemetry openTelemetry, ModelSpec spec, String endpoint, ChatModel chat,
                                  StreamingChatModel streaming, String modelName) {
        ChatRequestParameters defaults = chat != null ? chat.defaultRequestParameters() : streaming.defaultRequestParameters();
        ModelProvider modelProvider = chat != null ? chat.provider() : streaming.provider();
        String provider = spec != null ? spec.provider().prefix() : providerName(modelProvider);
        String model = spec != null ? spec.model()
                : defaults != null && defaults.modelName() != null ? defaults.modelName() : modelName;
        return new AgentTracing(openTelemetry, provider, model, defaults == null ? null : defaults.temperature(),
                defaults == null ? null : defaults.maxOutputTokens(), endpoint);
    }

    /** A LangChain4j provider as {@code gen_ai.provider.name} names it, or null when it is not known. */
    static String providerName(ModelProvider provider) {
        if (provider == null || provider == ModelProvider.OTHER) {
            return null;
        }
        return switch (provider) {
            case OPEN_AI -> "openai";
            case ANTHROPIC -> "anthropic";
            case AZURE_OPEN_AI -> "azure.ai.openai";
            case AMAZON_BEDROCK -> "aws.bedrock";
            case GOOGLE_AI_GEMINI -> "gcp.gemini";
            case GOOGLE_VERTEX_AI_GEMINI, GOOGLE_VERTEX_AI_ANTHROPIC -> "gcp.vertex_ai";
            case MISTRAL_AI -> "mistral_ai";
            case WATSONX -> "ibm.watsonx.ai";
            case COHERE -> "cohere";
            default -> provider.name().toLowerCase(Locale.ROOT);
        };
    }

    // --- the run ---------------------------------------------------------------------------------------------------

    public Span startRun(String runId, String mode) {
        Span span = tracer.spanBuilder(RUN_SPAN).setSpanKind(SpanKind.INTERNAL).startSpan();
        if (span.isRecording()) {
            span.setAttribute(OPERATION_NAME, "invoke_agent");
            span.setAttribute(AGENT_NAME, AGENT);
            setModel(span);
            span.setAttribute(RUN_ID, runId);
            span.setAttribute(RUN_MODE, mode);
        }
        return span;
    }

    /** Ends the run's span; a run without an answer is an error whose type is its reason (e.g. max_steps). */
    public void endRun(Span span, boolean success, String reason, int steps, int inputTokens, int outputTokens) {
        if (span.isRecording()) {
            span.setAttribute(RUN_SUCCESS, success);
            span.setAttribute(RUN_REASON, reason);
            span.setAttribute(RUN_STEPS, steps);
            span.setAttribute(USAGE_INPUT_TOKENS, inputTokens);
            span.setAttribute(USAGE_OUTPUT_TOKENS, outputTokens);
            if (!success) {
                span.setAttribute(ERROR_TYPE, reason);
                span.setStatus(StatusCode.ERROR, "the agent reached no answer (" + reason + ")");
            }
        }
        span.end();
    }

    // --- steps and model calls -------------------------------------------------------------------------------------

    public Span startStep(int index) {
        Span span = tracer.spanBuilder("step").setSpanKind(SpanKind.INTERNAL).startSpan();
        if (span.isRecording()) {
            span.setAttribute(STEP_INDEX, index);
        }
        return span;
    }

    public Span startModelCall() {
        Span span = tracer.spanBuilder(chatSpanName).setSpanKind(SpanKind.CLIENT).startSpan();
        if (span.isRecording()) {
            span.setAttribute(OPERATION_NAME, "chat");
            setModel(span);
            if (temperature != null) {
                span.setAttribute(REQUEST_TEMPERATURE, temperature);
            }
            if (maxTokens != null) {
                span.setAttribute(REQUEST_MAX_TOKENS, maxTokens);
            }
            if (serverAddress != null) {
                span.setAttribute(SERVER_ADDRESS, serverAddress);
                span.setAttribute(SERVER_PORT, serverPort);
            }
        }
        return span;
    }

    public void endModelCall(Span span, ChatResponse response, int inputTokens, int outputTokens) {
        if (span.isRecording()) {
            span.setAttribute(USAGE_INPUT_TOKENS, inputTokens);
            span.setAttribute(USAGE_OUTPUT_TOKENS, outputTokens);
            if (response.modelName() != null) {
                span.setAttribute(RESPONSE_MODEL, response.modelName());
            }
            if (response.id() != null) {
                span.setAttribute(RESPONSE_ID, response.id());
            }
            if (response.finishReason() != null) {
                span.setAttribute(RESPONSE_FINISH_REASONS, List.of(finishReason(response)));
            }
        }
        span.end();
    }

    /** LangChain4j's finish reason as the providers name it (OpenAI's names, which the conventions use). */
    private static String finishReason(ChatResponse response) {
        return switch (response.finishReason()) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case TOOL_EXECUTION -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
            default -> response.finishReason().name().toLowerCase(Locale.ROOT);
        };
    }

    // --- code and tools --------------------------------------------------------------------------------------------

    public Span startExecution() {
        return tracer.spanBuilder("execute_code").setSpanKind(SpanKind.INTERNAL).startSpan();
    }

    /** Ends the execution's span; code that failed makes it an error whose type is the Python exception's. */
    public void endExecution(Span span, ExecutionResult execution) {
        if (span.isRecording()) {
            span.setAttribute(EXECUTION_DURATION_MS, execution.duration().toMillis());
            span.setAttribute(EXECUTION_TIMED_OUT, execution.timedOut());
            span.setAttribute(EXECUTION_RESTARTED, execution.restarted());
            span.setAttribute(EXECUTION_TOOL_CALLS, execution.toolCalls().size());
            if (!execution.ok()) {
                span.setAttribute(ERROR_TYPE, execution.error().type());
                span.setStatus(StatusCode.ERROR, execution.error().summary());
            }
        }
        span.end();
    }

    /**
     * The handler with a span around each call, a child of the span current on the thread that calls it (the
     * session calls tools on the executing thread, where the execution's span is current). Calls are numbered
     * in the order the run makes them: {@code gen_ai.tool.call.id} is {@code call_1}, {@code call_2}, ...
     */
    public ToolHandler traced(ToolHandler handler) {
        AtomicInteger calls = new AtomicInteger();
        return (name, arguments) -> {
            int number = calls.incrementAndGet();
            Span span = tracer.spanBuilder("execute_tool " + name).setSpanKind(SpanKind.INTERNAL).startSpan();
            if (span.isRecording()) {
                span.setAttribute(OPERATION_NAME, "execute_tool");
                span.setAttribute(TOOL_NAME, name);
                span.setAttribute(TOOL_TYPE, "function");
                span.setAttribute(TOOL_CALL_ID, "call_" + number);
            }
            JsonNode result;
            try (Scope ignored = span.makeCurrent()) {
                result = handler.call(name, arguments);
            } catch (Exception | Error e) {
                fail(span, e);
                throw e;
            }
            span.end();
            return result;
        };
    }

    // --- failures --------------------------------------------------------------------------------------------------

    /** Ends a span whose work threw: status ERROR, the exception as an event, {@code error.type} its class. */
    public static void fail(Span span, Throwable failure) {
        fail(span, failure, failure.getClass().getName());
    }

    /** Like {@link #fail(Span, Throwable)} with another {@code error.type}, e.g. the class of a wrapped cause. */
    public static void fail(Span span, Throwable failure, String errorType) {
        if (span.isRecording()) {
            span.recordException(failure);
            span.setAttribute(ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
        }
        span.end();
    }

    private void setModel(Span span) {
        if (provider != null) {
            span.setAttribute(PROVIDER_NAME, provider);
        }
        if (model != null) {
            span.setAttribute(REQUEST_MODEL, model);
        }
    }

    private static URI parse(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return null;
        }
        try {
            URI uri = URI.create(endpoint.strip());
            return uri.getHost() == null ? null : uri;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
