package dev.codeact4j.model;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * How models are called. Temperature is low by default because code must be reliable, not creative.
 *
 * @param baseUrl         another endpoint for the provider (vLLM, llama.cpp, LM Studio, a proxy), or null; an
 *                        absolute http:// or https:// URL (see {@link #checkedBaseUrl})
 * @param apiKey          the key, overriding the provider's environment variable, or null
 * @param temperature     sampling temperature (default 0.1)
 * @param maxOutputTokens the most tokens one reply may have
 * @param timeout         how long one request may take
 * @param maxRetries      retries on rate limits (429), server errors (5xx) and timeouts, with backoff
 * @param maxRetryAfter   the longest a provider's Retry-After is honoured before retrying
 * @param retryListener   told when a provider's Retry-After makes the client wait (see {@link RetryListener})
 */
public record ModelSettings(
        String baseUrl,
        String apiKey,
        double temperature,
        int maxOutputTokens,
        Duration timeout,
        int maxRetries,
        Duration maxRetryAfter,
        RetryListener retryListener) {

    public ModelSettings {
        baseUrl = checkedBaseUrl(baseUrl);
        retryListener = retryListener == null ? RetryListener.NONE : retryListener;
    }

    /**
     * The base URL stripped, or null when none is given (null or blank). An IllegalArgumentException that says
     * what a valid one looks like when it is not an absolute http:// or https:// URL with a host: such a URL
     * would otherwise fail only at the first model call, with the HTTP client's words.
     */
    public static String checkedBaseUrl(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            return null;
        }
        String url = baseUrl.strip();
        String valid = "; give the endpoint's base URL, such as http://localhost:8000/v1 or https://openrouter.ai/api/v1";
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL (" + e.getReason() + " at index " + e.getIndex()
                    + ")" + valid, e);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("'" + url + "' is not an http:// or https:// URL" + valid);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("'" + url + "' names no host" + valid);
        }
        return url;
    }

    public static ModelSettings defaults() {
        return new ModelSettings(null, null, 0.1, 4096, Duration.ofSeconds(120), 3, Duration.ofSeconds(60),
                RetryListener.NONE);
    }

    public ModelSettings withBaseUrl(String baseUrl) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                retryListener);
    }

    public ModelSettings withApiKey(String apiKey) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                retryListener);
    }

    public ModelSettings withTemperature(double temperature) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                retryListener);
    }

    public ModelSettings withMaxOutputTokens(int maxOutputTokens) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                retryListener);
    }

    public ModelSettings withTimeout(Duration timeout) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                retryListener);
    }

    public ModelSettings withMaxRetries(int maxRetries) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                retryListener);
    }

    /** Tells {@code listener} whenever a provider's Retry-After makes the client wait before the next try. */
    public ModelSettings withRetryListener(RetryListener listener) {
        return new ModelSettings(baseUrl, apiKey, temperature, maxOutputTokens, timeout, maxRetries, maxRetryAfter,
                listener);
    }
}
