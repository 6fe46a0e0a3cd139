package dev.codeact4j.model;

import java.time.Duration;

/**
 * Hears that a provider asked the client to wait before trying again (a 429 or a 5xx with {@code Retry-After}),
 * as the wait begins, so that a person watching knows why nothing happens. Called on the thread that made the
 * request or on the HTTP client's; it must return quickly. Set with {@link ModelSettings#withRetryListener}.
 */
@FunctionalInterface
public interface RetryListener {
    /** Hears nothing. */
    RetryListener NONE = (status, wait) -> { };

    /**
     * @param status the HTTP status of the answer: 429 (rate limited) or a 5xx
     * @param wait   how long the client waits before the model client tries again: the provider's
     *               {@code Retry-After}, at most {@link ModelSettings#maxRetryAfter()}
     */
    void retrying(int status, Duration wait);
}
