package dev.codeact4j.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The model providers a {@link ModelSpec} can name, with their default endpoint and key variable. */
public enum Provider {
    OPENROUTER("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", WireFormat.OPENAI),
    OPENAI("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", WireFormat.OPENAI),
    ANTHROPIC("anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY", WireFormat.ANTHROPIC),
    /** Hugging Face's OpenAI-compatible inference router. */
    HUGGING_FACE("hf", "https://router.huggingface.co/v1", "HF_TOKEN", WireFormat.OPENAI),
    /** A local Ollama, through its OpenAI-compatible endpoint; it needs no key. */
    OLLAMA("ollama", "http://localhost:11434/v1", null, WireFormat.OPENAI);

    /** The HTTP protocol a provider speaks. */
    public enum WireFormat { OPENAI, ANTHROPIC }

    private final String prefix;
    private final String defaultBaseUrl;
    private final String apiKeyVariable;
    private final WireFormat wireFormat;

    Provider(String prefix, String defaultBaseUrl, String apiKeyVariable, WireFormat wireFormat) {
        this.prefix = prefix;
        this.defaultBaseUrl = defaultBaseUrl;
        this.apiKeyVariable = apiKeyVariable;
        this.wireFormat = wireFormat;
    }

    /** The name used in model specs, e.g. {@code openrouter}. */
    public String prefix() {
        return prefix;
    }

    public String defaultBaseUrl() {
        return defaultBaseUrl;
    }

    /** The environment variable holding the key, or null for providers without one. */
    public String apiKeyVariable() {
        return apiKeyVariable;
    }

    public WireFormat wireFormat() {
        return wireFormat;
    }

    public boolean needsApiKey() {
        return apiKeyVariable != null;
    }

    static Provider fromPrefix(String prefix) {
        for (Provider provider : values()) {
            if (provider.prefix.equalsIgnoreCase(prefix)) {
                return provider;
            }
        }
        throw new IllegalArgumentException("unknown model provider '" + prefix + "'; use one of: " + prefixes());
    }

    static String prefixes() {
        return Arrays.stream(values()).map(Provider::prefix).collect(Collectors.joining(", "));
    }
}
