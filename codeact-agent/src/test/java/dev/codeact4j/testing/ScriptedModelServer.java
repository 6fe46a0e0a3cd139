package dev.codeact4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * A model provider on 127.0.0.1 that serves scripted replies over the real wire protocol: OpenAI chat completions
 * ({@code POST {base}/chat/completions}) or Anthropic messages ({@code POST {base}/messages}), each blocking or
 * streaming (server-sent events) as the request asks. Every request is recorded, scripted or not.
 *
 * <pre>{@code
 * try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
 *     server.fail(429, Map.of("Retry-After", "1")).reply("print(42)", 120, 8);
 *     ChatModels models = ChatModels.create(spec, ModelSettings.defaults().withBaseUrl(server.baseUrl()), env);
 *     ...
 *     assertThat(server.requests()).hasSize(2);
 *     assertThat(server.lastRequest().body().path("temperature").asDouble()).isEqualTo(0.1);
 * }
 * }</pre>
 *
 * When the script has run out, requests get a 500 whose message says so, so a test that calls the model more often
 * than it scripted fails with a clear message rather than hanging.
 */
public final class ScriptedModelServer implements AutoCloseable {

    /** The wire protocol the server speaks. */
    public enum Protocol { OPENAI, ANTHROPIC }

    /** One request as received: {@code body} is the parsed JSON (a missing node if it was not JSON). */
    public record Request(String method, String path, Map<String, List<String>> headers, String rawBody,
                          JsonNode body, long receivedNanos) {

        /** The first value of a header, by case-insensitive name, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** Whether the request asked for a streamed (server-sent events) reply. */
        public boolean streaming() {
            return body.path("stream").asBoolean(false);
        }

        /** How long after {@code earlier} this request arrived (by the server's monotonic clock). */
        public Duration after(Request earlier) {
            return Duration.ofNanos(receivedNanos - earlier.receivedNanos);
        }
    }

    private sealed interface Scripted permits Text, ToolCallReply, Failure, Stall {}

    /** A request that is never answered while the server is open: a model that hangs. */
    private record Stall() implements Scripted {}

    /** A reply that calls a function (OpenAI's tool_calls, Anthropic's tool_use), {@code arguments} a JSON object. */
    private record ToolCallReply(String name, String arguments) implements Scripted {}

    /** {@code cutOff}: the reply stopped at the output token limit (OpenAI's finish_reason "length", Anthropic's "max_tokens"). */
    private record Text(String text, int inputTokens, int outputTokens, boolean cutOff) implements Scripted {
        String openAiFinishReason() {
            return cutOff ? "length" : "stop";
        }

        String anthropicStopReason() {
            return cutOff ? "max_tokens" : "end_turn";
        }
    }

    private record Failure(int status, String message, Map<String, String> headers) implements Scripted {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PIECES = Pattern.compile("(?<=\\s)"); // split after whitespace, keeping it

    private final Protocol protocol;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Deque<Scripted> script = new ArrayDeque<>();
    private final List<Request> requests = new ArrayList<>();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private int served;

    private ScriptedModelServer(Protocol protocol) {
        this.protocol = protocol;
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** A server speaking the OpenAI chat-completions protocol (OpenRouter, OpenAI, Hugging Face, Ollama). */
    public static ScriptedModelServer openAi() {
        return new ScriptedModelServer(Protocol.OPENAI);
    }

    /** A server speaking the Anthropic messages protocol. */
    public static ScriptedModelServer anthropic() {
        return new ScriptedModelServer(Protocol.ANTHROPIC);
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The base URL to give the client, e.g. {@code http://127.0.0.1:40123/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
    }

    /** Queues a text reply reporting the given token usage. */
    public synchronized ScriptedModelServer reply(String text, int inputTokens, int outputTokens) {
        script.add(new Text(text, inputTokens, outputTokens, false));
        return this;
    }

    /** Queues a text reply that the model's output token limit cut off (finish reason {@code length}). */
    public synchronized ScriptedModelServer replyCutOff(String text) {
        script.add(new Text(text, 10, Math.max(1, text.length() / 4), true));
        return this;
    }

    /** Queues a text reply with made-up usage: 10 input tokens, one output token per 4 characters. */
    public ScriptedModelServer reply(String text) {
        return reply(text, 10, Math.max(1, text.length() / 4));
    }

    /**
     * Queues a reply that is only a call of the function {@code name} with {@code arguments} (a JSON object), as
     * models trained on function calling send one even when no tool was offered.
     */
    public synchronized ScriptedModelServer replyToolCall(String name, String arguments) {
        script.add(new ToolCallReply(name, arguments));
        return this;
    }

    /** Queues an error answer with a typical message for the status, in the provider's error format. */
    public ScriptedModelServer fail(int status) {
        return fail(status, null, Map.of());
    }

    /** Queues an error answer with extra response headers, e.g. {@code Map.of("Retry-After", "1")}. */
    public ScriptedModelServer fail(int status, Map<String, String> headers) {
        return fail(status, null, headers);
    }

    /** Queues an error answer; a null {@code message} stands for a typical message for the status. */
    public synchronized ScriptedModelServer fail(int status, String message, Map<String, String> headers) {
        script.add(new Failure(status, message, Map.copyOf(headers)));
        return this;
    }

    /** Queues a request that gets no answer until the server is closed: a model that hangs, for tests that give up on it. */
    public synchronized ScriptedModelServer stall() {
        script.add(new Stall());
        return this;
    }

    /** Every request received so far, in order. */
    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The latest request; fails if there was none. */
    public synchronized Request lastRequest() {
        if (requests.isEmpty()) {
            throw new IllegalStateException("the scripted model server has received no request");
        }
        return requests.get(requests.size() - 1);
    }

    /** How many scripted replies have not been served yet. */
    public synchronized int remaining() {
        return script.size();
    }

    @Override
    public void close() {
        closed.countDown();
        http.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            long received = System.nanoTime();
            String rawBody = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            JsonNode body;
            try {
                body = rawBody.isBlank() ? MissingNode.getInstance() : JSON.readTree(rawBody);
            } catch (IOException notJson) {
                body = MissingNode.getInstance();
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Collections.unmodifiableMap(headers), rawBody, body, received);

            String expectedPath = "/v1" + (protocol == Protocol.OPENAI ? "/chat/completions" : "/messages");
            Scripted next;
            int number;
            synchronized (this) {
                requests.add(request);
                number = requests.size();
                boolean routed = request.method().equals("POST") && request.path().equals(expectedPath);
                next = routed ? script.poll() : null;
                if (routed && next != null) {
                    served++;
                }
                if (!routed) {
                    next = new Failure(404, "ScriptedModelServer serves only POST " + expectedPath + ", not "
                            + request.method() + " " + request.path(), Map.of());
                } else if (next == null) {
                    next = new Failure(500, "ScriptedModelServer: the script ran out; request #" + number
                            + " has no scripted reply (" + served + " served). Script more replies, or the code"
                            + " under test calls the model more often than expected.", Map.of());
                }
            }
            String model = body.path("model").asText("scripted-model");
            switch (next) {
                case Stall stall -> awaitClose();
                case Failure failure -> sendError(exchange, failure, model);
                case Text text when request.streaming() -> stream(exchange, text, model, number, body);
                case ToolCallReply call when request.streaming() -> streamToolCall(exchange, call, model, number);
                case ToolCallReply call -> sendJson(exchange, 200, protocol == Protocol.OPENAI
                        ? openAiToolCall(call, model, number) : anthropicToolUse(call, model, number));
                case Text text -> sendJson(exchange, 200, protocol == Protocol.OPENAI
                        ? openAiCompletion(text, model, number) : anthropicMessage(text, model, number));
            }
        }
    }

    private void awaitClose() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- OpenAI chat completions -------------------------------------------------------------------------------------

    private static ObjectNode openAiCompletion(Text text, String model, int number) {
        ObjectNode completion = openAiEnvelope("chat.completion", model, number);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", text.text());
        choice.put("finish_reason", text.openAiFinishReason());
        completion.set("usage", openAiUsage(text));
        return completion;
    }

    private static List<ObjectNode> openAiChunks(Text text, String model, int number, boolean includeUsage) {
        List<ObjectNode> chunks = new ArrayList<>();
        chunks.add(openAiChunk(model, number, JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        for (String piece : pieces(text.text())) {
            chunks.add(openAiChunk(model, number, JSON.createObjectNode().put("content", piece), null));
        }
        chunks.add(openAiChunk(model, number, JSON.createObjectNode(), text.openAiFinishReason()));
        if (includeUsage) { // as OpenAI does: a last chunk with no choices, only the usage
            ObjectNode usage = openAiEnvelope("chat.completion.chunk", model, number);
            usage.putArray("choices");
            usage.set("usage", openAiUsage(text));
            chunks.add(usage);
        }
        return chunks;
    }

    private static ObjectNode openAiChunk(String model, int number, ObjectNode delta, String finishReason) {
        ObjectNode chunk = openAiEnvelope("chat.completion.chunk", model, number);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return chunk;
    }

    private static ObjectNode openAiEnvelope(String object, String model, int number) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", "chatcmpl-scripted-" + number);
        node.put("object", object);
        node.put("created", System.currentTimeMillis() / 1000);
        node.put("model", model);
        return node;
    }

    private static ObjectNode openAiUsage(Text text) {
        return JSON.createObjectNode()
                .put("prompt_tokens", text.inputTokens())
                .put("completion_tokens", text.outputTokens())
                .put("total_tokens", text.inputTokens() + text.outputTokens());
    }

    private static ObjectNode openAiError(int status, String message) {
        String type = switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_exceeded";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("message", message).put("type", type).putNull("param").put("code", switch (status) {
            case 401 -> "invalid_api_key";
            case 404 -> "model_not_found";
            case 429 -> "rate_limit_exceeded";
            default -> null;
        });
        return error;
    }

    private static ObjectNode openAiToolCall(ToolCallReply call, String model, int number) {
        ObjectNode completion = openAiEnvelope("chat.completion", model, number);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        message.putNull("content");
        ObjectNode toolCall = message.putArray("tool_calls").addObject().put("id", "call_" + number).put("type", "function");
        toolCall.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        choice.put("finish_reason", "tool_calls");
        completion.set("usage", openAiUsage(new Text("", 10, 10, false)));
        return completion;
    }

    private static ObjectNode anthropicToolUse(ToolCallReply call, String model, int number) {
        ObjectNode message = anthropicEnvelope(model, number);
        message.putArray("content").addObject().put("type", "tool_use").put("id", "toolu_" + number)
                .put("name", call.name()).set("input", parse(call.arguments()));
        message.put("stop_reason", "tool_use");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 10).put("output_tokens", 10);
        return message;
    }

    private void streamToolCall(HttpExchange exchange, ToolCallReply call, String model, int number) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        if (protocol == Protocol.OPENAI) {
            sendEvent(out, null, JSON.writeValueAsString(openAiChunk(model, number,
                    JSON.createObjectNode().put("role", "assistant"), null)));
            ObjectNode start = JSON.createObjectNode();
            ObjectNode first = start.putArray("tool_calls").addObject().put("index", 0).put("id", "call_" + number)
                    .put("type", "function");
            first.putObject("function").put("name", call.name()).put("arguments", "");
            sendEvent(out, null, JSON.writeValueAsString(openAiChunk(model, number, start, null)));
            ObjectNode arguments = JSON.createObjectNode();
            arguments.putArray("tool_calls").addObject().put("index", 0).putObject("function")
                    .put("arguments", call.arguments());
            sendEvent(out, null, JSON.writeValueAsString(openAiChunk(model, number, arguments, null)));
            sendEvent(out, null, JSON.writeValueAsString(openAiChunk(model, number, JSON.createObjectNode(), "tool_calls")));
            sendEvent(out, null, "[DONE]");
            return;
        }
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message").setAll(anthropicEnvelope(model, number));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 10).put("output_tokens", 1);
        sendEvent(out, "message_start", JSON.writeValueAsString(start));
        ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "tool_use").put("id", "toolu_" + number)
                .put("name", call.name()).putObject("input");
        sendEvent(out, "content_block_start", JSON.writeValueAsString(blockStart));
        ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
        delta.putObject("delta").put("type", "input_json_delta").put("partial_json", call.arguments());
        sendEvent(out, "content_block_delta", JSON.writeValueAsString(delta));
        sendEvent(out, "content_block_stop", JSON.writeValueAsString(
                JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", "tool_use").putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", 10);
        sendEvent(out, "message_delta", JSON.writeValueAsString(messageDelta));
        sendEvent(out, "message_stop", JSON.writeValueAsString(JSON.createObjectNode().put("type", "message_stop")));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("scripted tool arguments are not JSON: " + json, e);
        }
    }

    // --- Anthropic messages ------------------------------------------------------------------------------------------

    private static ObjectNode anthropicMessage(Text text, String model, int number) {
        ObjectNode message = anthropicEnvelope(model, number);
        message.putArray("content").addObject().put("type", "text").put("text", text.text());
        message.put("stop_reason", text.anthropicStopReason());
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", text.inputTokens()).put("output_tokens", text.outputTokens());
        return message;
    }

    private static List<Map.Entry<String, ObjectNode>> anthropicEvents(Text text, String model, int number) {
        List<Map.Entry<String, ObjectNode>> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message").setAll(anthropicEnvelope(model, number));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", text.inputTokens()).put("output_tokens", 1);
        events.add(Map.entry("message_start", start));

        ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        events.add(Map.entry("content_block_start", blockStart));
        for (String piece : pieces(text.text())) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            events.add(Map.entry("content_block_delta", delta));
        }
        events.add(Map.entry("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));

        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", text.anthropicStopReason()).putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", text.outputTokens());
        events.add(Map.entry("message_delta", messageDelta));
        events.add(Map.entry("message_stop", JSON.createObjectNode().put("type", "message_stop")));
        return events;
    }

    private static ObjectNode anthropicEnvelope(String model, int number) {
        return JSON.createObjectNode()
                .put("id", "msg_scripted_" + number)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model);
    }

    private static ObjectNode anthropicError(int status, String message) {
        String type = switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
        ObjectNode error = JSON.createObjectNode().put("type", "error");
        error.putObject("error").put("type", type).put("message", message);
        return error;
    }

    // --- sending -----------------------------------------------------------------------------------------------------

    private void sendError(HttpExchange exchange, Failure failure, String model) throws IOException {
        String message = failure.message() != null ? failure.message() : typicalMessage(failure.status(), model);
        failure.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        sendJson(exchange, failure.status(), protocol == Protocol.OPENAI
                ? openAiError(failure.status(), message) : anthropicError(failure.status(), message));
    }

    private String typicalMessage(int status, String model) {
        return switch (status) {
            case 400 -> "Invalid request.";
            case 401 -> protocol == Protocol.OPENAI ? "Incorrect API key provided." : "invalid x-api-key";
            case 403 -> "Your API key does not have permission to use the specified resource.";
            case 404 -> protocol == Protocol.OPENAI
                    ? "The model `" + model + "` does not exist or you do not have access to it."
                    : "model: " + model;
            case 429 -> "Rate limit reached. Please try again later.";
            case 500 -> "The server had an error while processing your request.";
            case 503, 529 -> "Overloaded. Please try again later.";
            default -> "Scripted error " + status + ".";
        };
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void stream(HttpExchange exchange, Text text, String model, int number, JsonNode request) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0); // chunked
        OutputStream out = exchange.getResponseBody();
        if (protocol == Protocol.OPENAI) {
            boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
            for (ObjectNode chunk : openAiChunks(text, model, number, includeUsage)) {
                sendEvent(out, null, JSON.writeValueAsString(chunk));
            }
            sendEvent(out, null, "[DONE]");
        } else {
            for (Map.Entry<String, ObjectNode> event : anthropicEvents(text, model, number)) {
                sendEvent(out, event.getKey(), JSON.writeValueAsString(event.getValue()));
            }
        }
    }

    private static void sendEvent(OutputStream out, String event, String data) throws IOException {
        String frame = (event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The text in a few pieces, so that streaming sends several deltas. */
    private static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>(List.of(PIECES.split(text)));
        pieces.removeIf(String::isEmpty);
        return pieces.isEmpty() ? List.of(text) : pieces;
    }
}
