package dev.codeact4j.agent;

import dev.codeact4j.model.ModelException;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.trace.AgentTracing;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One model call: streamed when a streaming model is given (its text goes to the caller as it comes), else
 * blocking. LangChain4j's streaming models do not retry, so a retriable failure before any text arrived is
 * answered by the blocking model, which does (with backoff, honouring Retry-After). Each call is a {@code chat} span.
 */
final class ModelCaller {
    /**
     * A reply.
     *
     * @param cutOff whether the model stopped at its output token limit (finish reason {@code length}), so the
     *               reply is not whole
     */
    record Reply(String text, int inputTokens, int outputTokens, long millis, boolean cutOff) { }

    /**
     * Where the model is stopped: at a line where it starts an observation it should wait for, and at smolagents'
     * end-of-code marker. The reply is cut there anyway (see {@link CodeExtractor#actedOn}); stopping the model
     * saves the tokens it would have spent inventing what follows.
     */
    /** Names under which models call a code interpreter. */
    private static final Set<String> CODE_TOOLS = Set.of("python", "ipython", "execute", "execute_code", "execute_python",
            "run_code", "run_python", "code_interpreter", "exec");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> STOP_SEQUENCES = List.of("\nObservation:", "<end_code>");
    /** OpenAI's reasoning models refuse {@code stop}: "Unsupported parameter". */
    private static final Pattern REFUSES_STOP = Pattern.compile("(?i)^(openai/)?(o\\d|gpt-5)");

    private final ChatModel chat;
    private final StreamingChatModel streaming;
    private final ModelSpec spec;
    private final String endpoint;
    private final Duration streamTimeout;
    private final AgentTracing tracing;

    ModelCaller(ChatModel chat, StreamingChatModel streaming, ModelSpec spec, String endpoint, Duration streamTimeout,
                AgentTracing tracing) {
        this.chat = chat;
        this.streaming = streaming;
        this.spec = spec;
        this.endpoint = endpoint;
        this.streamTimeout = streamTimeout;
        this.tracing = tracing;
    }

    /** Asks the model; a run asked to stop meanwhile abandons the call ({@link Cancellation.Cancelled}). */
    Reply call(List<ChatMessage> messages, Consumer<String> onText, Cancellation cancellation) {
        long started = System.nanoTime();
        ChatRequest.Builder builder = ChatRequest.builder().messages(messages);
        if (acceptsStopSequences()) {
            builder.stopSequences(STOP_SEQUENCES);
        }
        ChatRequest request = builder.build();
        ChatResponse response;
        Span span = tracing.startModelCall();
        try (Scope ignored = span.makeCurrent()) {
            response = streaming == null ? cancellation.call(() -> chat.chat(request))
                    : stream(request, onText, cancellation);
        } catch (Cancellation.Cancelled e) {
            AgentTracing.fail(span, e);
            throw e;
        } catch (RuntimeException e) {
            ModelException failure = ModelException.from(e, spec, endpoint);
            // error.type: what the client threw (e.g. LangChain4j's RateLimitException), not our wrapper
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            AgentTracing.fail(span, failure, cause.getClass().getName());
            throw failure;
        }
        String text = withCodeToolCalls(response.aiMessage());
        TokenUsage usage = response.tokenUsage();
        int in = usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
        int out = usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
        tracing.endModelCall(span, response, in, out);
        return new Reply(text, in, out, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                response.finishReason() == FinishReason.LENGTH);
    }

    /**
     * The reply's text, with the code of any call of a code tool appended as a Python block. No tool is offered,
     * but models trained on function calling call one anyway ({@code python}, {@code execute}, {@code run_code}
     * with a {@code code} argument): that code is what they mean to run, so it runs as if fenced rather than
     * being dropped. Calls of other names are left out, as before.
     */
    static String withCodeToolCalls(AiMessage message) {
        String text = message == null || message.text() == null ? "" : message.text();
        if (message == null || !message.hasToolExecutionRequests()) {
            return text;
        }
        StringBuilder reply = new StringBuilder(text);
        for (ToolExecutionRequest request : message.toolExecutionRequests()) {
            String code = request.name() == null || !CODE_TOOLS.contains(request.name().toLowerCase(Locale.ROOT))
                    ? null : codeArgument(request.arguments());
            if (code != null && !code.isBlank()) {
                reply.append(reply.isEmpty() ? "" : "\n\n").append("```python\n").append(code.strip()).append("\n```");
            }
        }
        return reply.toString();
    }

    /** The {@code code} (or {@code source}) argument; arguments that are not JSON at all are the code itself. */
    private static String codeArgument(String arguments) {
        if (arguments == null) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(arguments);
            JsonNode code = json.isObject() ? (json.has("code") ? json.get("code") : json.get("source")) : null;
            return code != null && code.isTextual() ? code.asText() : null;
        } catch (JsonProcessingException notJson) {
            return arguments; // e.g. gpt-oss's python tool sends the code as it is
        }
    }

    /**
     * Stop sequences go only to providers known to take them: a model given as a plain LangChain4j ChatModel
     * may not support them (and would fail the call), and OpenAI's reasoning models refuse the parameter.
     */
    private boolean acceptsStopSequences() {
        if (spec == null) {
            return false;
        }
        return switch (spec.provider()) {
            case ANTHROPIC, OPENROUTER, OLLAMA -> true;
            case OPENAI, HUGGING_FACE -> !REFUSES_STOP.matcher(spec.model()).find();
        };
    }

    private ChatResponse stream(ChatRequest request, Consumer<String> onText, Cancellation cancellation) {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        AtomicBoolean sawText = new AtomicBoolean();
        streaming.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                sawText.set(true);
                if (!cancellation.requested()) { // an abandoned reply streams on unheard
                    onText.accept(partial);
                }
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        try {
            return cancellation.await(done, streamTimeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RetriableException && !sawText.get() && chat != null) {
                return cancellation.call(() -> chat.chat(request));
            }
            throw ModelException.from(cause, spec, endpoint);
        } catch (TimeoutException e) {
            throw new ModelException((spec == null ? "the model" : spec.provider().prefix())
                    + " streamed no complete reply within " + streamTimeout.toSeconds() + " s; try again or raise the timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException("interrupted while waiting for the model", e);
        }
    }
}
