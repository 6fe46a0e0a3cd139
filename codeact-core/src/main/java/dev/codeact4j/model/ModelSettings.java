package dev.codeact4j.model;

import java.time.Duration;

/**
 * How models are called. Temperature is low by default because code must be reliable, not creative.
 *
 * @param baseUrl         another endpoint for the provider (vLLM, llama.cpp, LM Studio, a proxy), or null
 * @param apiKey          the key, overriding the provider's environment variable, or null
 * @param temperature     sampling temperature (default 0.1)
 * @param maxOutputTokens the most tokens one reply may have
 * @param timeout         how long one request may take
 * @param maxRetries      retries on rate limits (429), server errors (5xx) and timeouts, with backoff
 * @param maxRetryAfter   the longest a provider's Retry-After is honoured before retrying
 */
public record ModelSettings(
        String baseUrl,
        String apiKey,
        double temperature,
        int maxOutputTokens,
        Duration timeout,
        int maxRetries,
        Duration maxRetryAfter) {

    public static ModelSettings defaults() {
        return new ModelSettings(null, null, 0.1, 4096, Duration.ofSeconds(120), 3, Duration.ofSeconds(60));
    }

    public ModelSettings withBaseUrl(String baseUrl) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter);
    }

    public ModelSettings withApiKey(String apiKey) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter);
    }

    public ModelSettings withTemperature(double temperature) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter);
    }

    public ModelSettings withMaxOutputTokens(int maxOutputTokens) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter);
    }

    public ModelSettings withTimeout(Duration timeout) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter);
    }

    public ModelSettings withMaxRetries(int maxRetries) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter);
    }
}
