package dev.codeact4j.server.http;

import java.time.Duration;

/**
 * A request answered with an error: the HTTP status, a type a program can switch on, a message a person can act
 * on, and, for bad input, the field that is wrong. Every error of the API has this one shape
 * ({@code {"error": {"type", "message", "field"?}}}), written by {@link ApiErrors}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String field;
    private final Duration retryAfter;

    private ApiException(int status, String type, String field, String message, Duration retryAfter) {
        super(message);
        this.status = status;
        this.type = type;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    /** 400: {@code field} is missing or wrong; {@code message} says why and what is expected. */
    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, "bad_request", field, message, null);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", null, message, null);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", null, message, null);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", null, message, null);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", null, message, null);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "too_large", null, message, null);
    }

    /** 413: a body of {@code length} bytes, over the server's {@code limit}. */
    public static ApiException tooLarge(long length, long limit) {
        return tooLarge("The body has " + length + " bytes; this server takes at most " + limit
                + " bytes in one request.");
    }

    /** 429: a limit is reached; the client may try again after {@code retryAfter} (sent as {@code Retry-After}). */
    public static ApiException tooMany(String message, Duration retryAfter) {
        return new ApiException(429, "too_many", null, message, retryAfter);
    }

    /** 503: the server is shutting down and takes nothing new. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", null, message, null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The request field that is wrong, or null. */
    public String field() {
        return field;
    }

    /** How long to wait before trying again, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
