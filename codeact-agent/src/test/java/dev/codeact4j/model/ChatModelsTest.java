package dev.codeact4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Model calls through LangChain4j against a loopback server speaking the providers' wire protocols. */
class ChatModelsTest {
    private static final ModelSpec OPENROUTER = ModelSpec.parse("openrouter:google/gemini-2.5-flash");
    private static final ModelSpec ANTHROPIC = ModelSpec.parse("anthropic:claude-sonnet-4-5");
    private static final Map<String, String> ENV = Map.of(
            "OPENROUTER_API_KEY", "sk-or-test-key",
            "ANTHROPIC_API_KEY", "sk-ant-test-key");
    private static final ChatRequest REQUEST = ChatRequest.builder()
            .messages(SystemMessage.from("You write Python."), UserMessage.from("What is 6 * 7?"))
            .build();

    private static ModelSettings settings(ScriptedModelServer server) {
        return ModelSettings.defaults().withBaseUrl(server.baseUrl()).withMaxOutputTokens(321)
                .withTimeout(Duration.ofSeconds(5)).withMaxRetries(1);
    }

    // --- OpenAI wire format --------------------------------------------------------------------------------------

    @Test
    void openAiBlockingCallReturnsTextAndUsageAndSendsSettingsAndKey() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("print(6 * 7)", 42, 7);
            ChatModels models = ChatModels.create(OPENROUTER, settings(server), ENV);

            ChatResponse response = models.chat().chat(REQUEST);

            assertThat(response.aiMessage().text()).isEqualTo("print(6 * 7)");
            assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(42);
            assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(7);
            assertThat(response.tokenUsage().totalTokenCount()).isEqualTo(49);
            assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(models.endpoint()).isEqualTo(server.baseUrl());

            ScriptedModelServer.Request request = server.lastRequest();
            assertThat(request.path()).isEqualTo("/v1/chat/completions");
            assertThat(request.header("Authorization")).isEqualTo("Bearer sk-or-test-key");
            assertThat(request.streaming()).isFalse();
            JsonNode body = request.body();
            assertThat(body.path("model").asText()).isEqualTo("google/gemini-2.5-flash");
            assertThat(body.path("temperature").asDouble()).isEqualTo(0.1);
            assertThat(body.path("max_tokens").asInt()).isEqualTo(321);
            assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("system");
            assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo("You write Python.");
            assertThat(body.path("messages").get(1).path("role").asText()).isEqualTo("user");
            assertThat(body.path("messages").get(1).path("content").asText()).isEqualTo("What is 6 * 7?");
        }
    }

    @Test
    void openAiStreamingCallDeliversPiecesTextAndUsage() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("x = 6 * 7\nprint(x)", 30, 9);
            ChatModels models = ChatModels.create(OPENROUTER, settings(server), ENV);

            Streamed streamed = stream(models.streaming(), REQUEST);

            assertThat(streamed.pieces()).hasSizeGreaterThan(1);
            assertThat(String.join("", streamed.pieces())).isEqualTo("x = 6 * 7\nprint(x)");
            assertThat(streamed.response().aiMessage().text()).isEqualTo("x = 6 * 7\nprint(x)");
            assertThat(streamed.response().tokenUsage().inputTokenCount()).isEqualTo(30);
            assertThat(streamed.response().tokenUsage().outputTokenCount()).isEqualTo(9);
            assertThat(streamed.response().finishReason()).isEqualTo(FinishReason.STOP);

            ScriptedModelServer.Request request = server.lastRequest();
            assertThat(request.streaming()).isTrue();
            assertThat(request.header("Authorization")).isEqualTo("Bearer sk-or-test-key");
            assertThat(request.body().path("stream_options").path("include_usage").asBoolean()).isTrue();
            assertThat(request.body().path("temperature").asDouble()).isEqualTo(0.1);
            assertThat(request.body().path("max_tokens").asInt()).isEqualTo(321);
        }
    }

    @Test
    void anExplicitApiKeyWinsOverTheEnvironment() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("ok");
            ChatModels models = ChatModels.create(OPENROUTER, settings(server).withApiKey("sk-explicit"), ENV);
            models.chat().chat(REQUEST);
            assertThat(server.lastRequest().header("Authorization")).isEqualTo("Bearer sk-explicit");
        }
    }

    // --- Anthropic wire format -----------------------------------------------------------------------------------

    @Test
    void anthropicBlockingCallReturnsTextAndUsageAndSendsSettingsAndKey() {
        try (ScriptedModelServer server = ScriptedModelServer.anthropic()) {
            server.reply("print(6 * 7)", 55, 6);
            ChatModels models = ChatModels.create(ANTHROPIC, settings(server), ENV);

            ChatResponse response = models.chat().chat(REQUEST);

            assertThat(response.aiMessage().text()).isEqualTo("print(6 * 7)");
            assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(55);
            assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(6);
            assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);

            ScriptedModelServer.Request request = server.lastRequest();
            assertThat(request.path()).isEqualTo("/v1/messages");
            assertThat(request.header("x-api-key")).isEqualTo("sk-ant-test-key");
            assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
            assertThat(request.streaming()).isFalse();
            JsonNode body = request.body();
            assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
            assertThat(body.path("temperature").asDouble()).isEqualTo(0.1);
            assertThat(body.path("max_tokens").asInt()).isEqualTo(321);
            assertThat(body.path("system").get(0).path("text").asText()).isEqualTo("You write Python.");
            assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("user");
            assertThat(body.path("messages").get(0).toString()).contains("What is 6 * 7?");
        }
    }

    @Test
    void anthropicStreamingCallDeliversPiecesTextAndUsage() {
        try (ScriptedModelServer server = ScriptedModelServer.anthropic()) {
            server.reply("x = 6 * 7\nprint(x)", 61, 11);
            ChatModels models = ChatModels.create(ANTHROPIC, settings(server), ENV);

            Streamed streamed = stream(models.streaming(), REQUEST);

            assertThat(streamed.pieces()).hasSizeGreaterThan(1);
            assertThat(String.join("", streamed.pieces())).isEqualTo("x = 6 * 7\nprint(x)");
            assertThat(streamed.response().aiMessage().text()).isEqualTo("x = 6 * 7\nprint(x)");
            assertThat(streamed.response().tokenUsage().inputTokenCount()).isEqualTo(61);
            assertThat(streamed.response().tokenUsage().outputTokenCount()).isEqualTo(11);
            assertThat(streamed.response().finishReason()).isEqualTo(FinishReason.STOP);

            ScriptedModelServer.Request request = server.lastRequest();
            assertThat(request.streaming()).isTrue();
            assertThat(request.header("x-api-key")).isEqualTo("sk-ant-test-key");
            assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
            assertThat(request.body().path("temperature").asDouble()).isEqualTo(0.1);
            assertThat(request.body().path("max_tokens").asInt()).isEqualTo(321);
        }
    }

    // --- retries -------------------------------------------------------------------------------------------------

    @Test
    void rateLimitWithRetryAfterIsRetriedNoEarlierThanAsked() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.fail(429, Map.of("Retry-After", "1")).reply("done", 5, 1);
            List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            ChatModels models = ChatModels.create(OPENROUTER,
                    settings(server).withRetryListener((status, wait) -> told.add(status + " " + wait)), ENV);

            assertThat(models.chat().chat(REQUEST).aiMessage().text()).isEqualTo("done");

            assertThat(told).containsExactly("429 PT1S");
            List<ScriptedModelServer.Request> requests = server.requests();
            assertThat(requests).hasSize(2);
            // LangChain4j's own backoff alone would retry after about 0.5 s
            assertThat(requests.get(1).after(requests.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        }
    }

    @Test
    void anthropicRateLimitWithRetryAfterIsRetriedNoEarlierThanAsked() {
        try (ScriptedModelServer server = ScriptedModelServer.anthropic()) {
            server.fail(429, Map.of("Retry-After", "1")).reply("done", 5, 1);
            ChatModels models = ChatModels.create(ANTHROPIC, settings(server), ENV);

            assertThat(models.chat().chat(REQUEST).aiMessage().text()).isEqualTo("done");

            List<ScriptedModelServer.Request> requests = server.requests();
            assertThat(requests).hasSize(2);
            assertThat(requests.get(1).after(requests.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        }
    }

    @Test
    void serverErrorIsRetried() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.fail(503).reply("recovered", 5, 2);
            ChatModels models = ChatModels.create(OPENROUTER, settings(server), ENV);

            assertThat(models.chat().chat(REQUEST).aiMessage().text()).isEqualTo("recovered");
            assertThat(server.requests()).hasSize(2);
            assertThat(server.remaining()).isZero();
        }
    }

    // --- failures as ModelException ------------------------------------------------------------------------------

    @Test
    void refusedKeyNamesTheProviderAndTheKeyVariable() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.fail(401);
            ChatModels models = ChatModels.create(OPENROUTER, settings(server), ENV);

            ModelException failure = ModelException.from(catchThrowable(() -> models.chat().chat(REQUEST)),
                    OPENROUTER, models.endpoint());

            assertThat(failure.getMessage())
                    .isEqualTo("openrouter refused the API key (HTTP 401: Incorrect API key provided.); "
                            + "check OPENROUTER_API_KEY or pass --api-key.");
            assertThat(server.requests()).as("a refused key is not retried").hasSize(1);
        }
    }

    @Test
    void refusedKeyWhileStreamingFromAnthropicNamesTheKeyVariable() {
        try (ScriptedModelServer server = ScriptedModelServer.anthropic()) {
            server.fail(401);
            ChatModels models = ChatModels.create(ANTHROPIC, settings(server), ENV);

            Throwable thrown = catchThrowable(() -> stream(models.streaming(), REQUEST));
            ModelException failure = ModelException.from(thrown, ANTHROPIC, models.endpoint());

            assertThat(failure.getMessage())
                    .isEqualTo("anthropic refused the API key (HTTP 401: invalid x-api-key); "
                            + "check ANTHROPIC_API_KEY or pass --api-key.");
        }
    }

    @Test
    void unknownModelIsNamed() {
        ModelSpec spec = ModelSpec.parse("openrouter:no-such/model-9000");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.fail(404);
            ChatModels models = ChatModels.create(spec, settings(server), ENV);

            ModelException failure = ModelException.from(catchThrowable(() -> models.chat().chat(REQUEST)),
                    spec, models.endpoint());

            assertThat(failure.getMessage())
                    .startsWith("openrouter does not know the model 'no-such/model-9000' (HTTP 404: The model")
                    .endsWith("; check the model name in --model.");
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void unreachableEndpointSaysCannotReach() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + closedPort + "/v1";
        ModelSettings settings = ModelSettings.defaults().withBaseUrl(endpoint)
                .withTimeout(Duration.ofSeconds(2)).withMaxRetries(1);
        ChatModels models = ChatModels.create(OPENROUTER, settings, ENV);

        ModelException failure = ModelException.from(catchThrowable(() -> models.chat().chat(REQUEST)),
                OPENROUTER, models.endpoint());

        assertThat(failure.getMessage())
                .startsWith("cannot reach openrouter at " + endpoint + " (connection refused)")
                .contains("--base-url");
    }

    @Test
    void callingMoreOftenThanScriptedFailsClearly() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            ChatModels models = ChatModels.create(OPENROUTER, settings(server).withMaxRetries(0), ENV);

            ModelException failure = ModelException.from(catchThrowable(() -> models.chat().chat(REQUEST)),
                    OPENROUTER, models.endpoint());

            assertThat(failure.getMessage()).contains("the script ran out");
        }
    }

    @Test
    void errorBodiesAreReducedToTheirMessage() {
        assertThat(ModelException.errorMessageIn("{\"error\":{\"message\":\"No auth credentials found\",\"code\":401}}"))
                .isEqualTo("No auth credentials found"); // OpenRouter, OpenAI, Anthropic
        assertThat(ModelException.errorMessageIn("{\"error\":\"model 'qwen' not found\"}"))
                .isEqualTo("model 'qwen' not found"); // Ollama
        assertThat(ModelException.errorMessageIn("{\"object\":\"error\",\"message\":\"bad model\",\"code\":404}"))
                .isEqualTo("bad model"); // vLLM
        assertThat(ModelException.errorMessageIn("{\"detail\":\"Not Found\"}")).isEqualTo("Not Found");
        assertThat(ModelException.errorMessageIn("Bad Gateway")).isEqualTo("Bad Gateway");
        assertThat(ModelException.errorMessageIn("{not json")).isEqualTo("{not json");
        assertThat(ModelException.errorMessageIn("{\"error\":{\"code\":500}}")).isEqualTo("{\"error\":{\"code\":500}}");
    }

    @ParameterizedTest
    @CsvSource({
            "openrouter:google/gemini-2.5-flash, OPENROUTER_API_KEY",
            "openai:gpt-4o-mini, OPENAI_API_KEY",
            "anthropic:claude-sonnet-4-5, ANTHROPIC_API_KEY",
            "hf:Qwen/Qwen2.5-Coder-32B-Instruct, HF_TOKEN"})
    void missingKeyNamesTheVariable(String spec, String variable) {
        assertThatThrownBy(() -> ChatModels.create(ModelSpec.parse(spec), ModelSettings.defaults(), Map.of()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("no API key for " + spec.substring(0, spec.indexOf(':')))
                .hasMessageContaining("set " + variable)
                .hasMessageContaining("--api-key");
    }

    @Test
    void ollamaNeedsNoKey() {
        ModelSpec spec = ModelSpec.parse("ollama:qwen2.5-coder:7b");
        assertThat(ChatModels.create(spec, ModelSettings.defaults(), Map.of()).endpoint())
                .isEqualTo("http://localhost:11434/v1");

        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply("hello from ollama");
            ChatModels models = ChatModels.create(spec, settings(server), Map.of());
            assertThat(models.chat().chat(REQUEST).aiMessage().text()).isEqualTo("hello from ollama");
            assertThat(server.lastRequest().body().path("model").asText()).isEqualTo("qwen2.5-coder:7b");
        }
    }

    // --- model specs ---------------------------------------------------------------------------------------------

    @Test
    void goodSpecsParse() {
        assertThat(ModelSpec.parse("openrouter:google/gemini-2.5-flash"))
                .isEqualTo(new ModelSpec(Provider.OPENROUTER, "google/gemini-2.5-flash"));
        assertThat(ModelSpec.parse("anthropic:claude-sonnet-4-5").provider()).isEqualTo(Provider.ANTHROPIC);
        assertThat(ModelSpec.parse("hf:Qwen/Qwen2.5-Coder-32B-Instruct"))
                .isEqualTo(new ModelSpec(Provider.HUGGING_FACE, "Qwen/Qwen2.5-Coder-32B-Instruct"));
        assertThat(ModelSpec.parse("ollama:qwen2.5-coder:7b").model()).as("only the first colon separates")
                .isEqualTo("qwen2.5-coder:7b");
        assertThat(ModelSpec.parse(" OpenAI : gpt-4o ")).isEqualTo(new ModelSpec(Provider.OPENAI, "gpt-4o"));
        assertThat(ModelSpec.parse("openrouter:google/gemini-2.5-flash").toString())
                .isEqualTo("openrouter:google/gemini-2.5-flash");
    }

    @Test
    void aBaseUrlMustBeAnHttpUrlWithAHost() {
        assertThat(ModelSettings.defaults().withBaseUrl(" http://localhost:8000/v1 ").baseUrl())
                .isEqualTo("http://localhost:8000/v1");
        assertThat(ModelSettings.defaults().withBaseUrl(" ").baseUrl()).isNull();
        assertThatThrownBy(() -> ModelSettings.defaults().withBaseUrl("not a url"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'not a url' is not a URL (Illegal character in path at index 3); give the endpoint's "
                        + "base URL, such as http://localhost:8000/v1 or https://openrouter.ai/api/v1");
        assertThatThrownBy(() -> ModelSettings.defaults().withBaseUrl("localhost:8000/v1"))
                .hasMessageContaining("is not an http:// or https:// URL");
        assertThatThrownBy(() -> ModelSettings.defaults().withBaseUrl("http:///v1")).hasMessageContaining("names no host");
    }

    @Test
    void badSpecsSayWhatIsWrong() {
        assertThatThrownBy(() -> ModelSpec.parse(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no model given").hasMessageContaining("PROVIDER:MODEL");
        assertThatThrownBy(() -> ModelSpec.parse(null)).hasMessageContaining("no model given");
        assertThatThrownBy(() -> ModelSpec.parse("gpt-4o"))
                .hasMessageContaining("'gpt-4o' is not a model spec")
                .hasMessageContaining("openrouter, openai, anthropic, hf, ollama")
                .hasMessageContaining("openrouter:gpt-4o");
        assertThatThrownBy(() -> ModelSpec.parse(":gpt-4o")).hasMessageContaining("is not a model spec");
        assertThatThrownBy(() -> ModelSpec.parse("azure:gpt-4o"))
                .hasMessageContaining("unknown model provider 'azure'")
                .hasMessageContaining("openrouter, openai, anthropic, hf, ollama");
        assertThatThrownBy(() -> ModelSpec.parse("openrouter:"))
                .hasMessageContaining("needs a model name after 'openrouter:'");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private record Streamed(List<String> pieces, ChatResponse response) {}

    /** Streams a request to its end; an error reported to the handler is thrown. */
    private static Streamed stream(StreamingChatModel model, ChatRequest request) {
        List<String> pieces = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.add(partial);
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
            return new Streamed(pieces, done.get(10, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("the stream did not complete", e);
        }
    }
}
