package dev.codeact4j.model;

import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.http.client.jdk.JdkHttpClientBuilder;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;

import java.net.http.HttpClient;
import java.util.Map;

/**
 * A model named by a {@link ModelSpec}, as LangChain4j's blocking and streaming chat models.
 *
 * @param spec      what was asked for
 * @param endpoint  the base URL actually used
 * @param chat      the blocking model; it retries 429, 5xx and timeouts with backoff, honouring Retry-After
 * @param streaming the streaming model (no retries of its own: the agent falls back to {@code chat})
 */
public record ChatModels(ModelSpec spec, String endpoint, ChatModel chat, StreamingChatModel streaming) {

    /** Builds the models, taking the key from the provider's variable in the process environment. */
    public static ChatModels create(ModelSpec spec, ModelSettings settings) {
        return create(spec, settings, System.getenv());
    }

    /** Builds the models; {@code environment} is where the provider's key variable is looked up. */
    public static ChatModels create(ModelSpec spec, ModelSettings settings, Map<String, String> environment) {
        Provider provider = spec.provider();
        String endpoint = settings.baseUrl() != null && !settings.baseUrl().isBlank()
                ? settings.baseUrl().strip() : provider.defaultBaseUrl();
        String apiKey = settings.apiKey();
        if ((apiKey == null || apiKey.isBlank()) && provider.needsApiKey()) {
            apiKey = environment.get(provider.apiKeyVariable());
        }
        if ((apiKey == null || apiKey.isBlank()) && provider.needsApiKey()) {
            throw new ModelException("no API key for " + provider.prefix() + ": set " + provider.apiKeyVariable()
                    + " or pass --api-key (or run `codeact demo`, which needs no key)");
        }
        if (apiKey == null || apiKey.isBlank()) {
            apiKey = "none"; // servers without authentication still get a syntactically valid header
        }
        return switch (provider.wireFormat()) {
            case OPENAI -> new ChatModels(spec, endpoint, openAi(spec, settings, endpoint, apiKey), openAiStreaming(spec, settings, endpoint, apiKey));
            case ANTHROPIC -> new ChatModels(spec, endpoint, anthropic(spec, settings, endpoint, apiKey), anthropicStreaming(spec, settings, endpoint, apiKey));
        };
    }

    private static JdkHttpClientBuilder httpClient(ModelSettings settings) {
        HttpClient.Builder builder = RetryAfterHttpClient.newBuilder(settings.maxRetryAfter(), settings.retryListener())
                .version(HttpClient.Version.HTTP_1_1);
        return JdkHttpClient.builder().httpClientBuilder(builder);
    }

    private static ChatModel openAi(ModelSpec spec, ModelSettings settings, String endpoint, String apiKey) {
        return OpenAiChatModel.builder()
                .httpClientBuilder(httpClient(settings))
                .baseUrl(endpoint).apiKey(apiKey).modelName(spec.model())
                .temperature(settings.temperature()).maxTokens(settings.maxOutputTokens())
                .timeout(settings.timeout()).maxRetries(settings.maxRetries())
                .build();
    }

    private static StreamingChatModel openAiStreaming(ModelSpec spec, ModelSettings settings, String endpoint, String apiKey) {
        return OpenAiStreamingChatModel.builder()
                .httpClientBuilder(httpClient(settings))
                .baseUrl(endpoint).apiKey(apiKey).modelName(spec.model())
                .temperature(settings.temperature()).maxTokens(settings.maxOutputTokens())
                .timeout(settings.timeout())
                .build();
    }

    private static ChatModel anthropic(ModelSpec spec, ModelSettings settings, String endpoint, String apiKey) {
        return AnthropicChatModel.builder()
                .httpClientBuilder(httpClient(settings))
                .baseUrl(endpoint).apiKey(apiKey).modelName(spec.model())
                .temperature(settings.temperature()).maxTokens(settings.maxOutputTokens())
                .timeout(settings.timeout()).maxRetries(settings.maxRetries())
                .build();
    }

    private static StreamingChatModel anthropicStreaming(ModelSpec spec, ModelSettings settings, String endpoint, String apiKey) {
        return AnthropicStreamingChatModel.builder()
                .httpClientBuilder(httpClient(settings))
                .baseUrl(endpoint).apiKey(apiKey).modelName(spec.model())
                .temperature(settings.temperature()).maxTokens(settings.maxOutputTokens())
                .timeout(settings.timeout())
                .build();
    }
}
