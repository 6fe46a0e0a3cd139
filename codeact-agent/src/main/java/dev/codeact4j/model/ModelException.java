package dev.codeact4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;

/** A model could not be called; the message names the provider, what went wrong and what to do. */
public class ModelException extends RuntimeException {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Turns whatever the model client threw into a message a user can act on. */
    public static ModelException from(Throwable failure, ModelSpec spec, String endpoint) {
        if (failure instanceof ModelException known) {
            return known;
        }
        String provider = spec == null ? "the model provider" : spec.provider().prefix();
        String keyHint = spec != null && spec.provider().needsApiKey()
                ? "check " + spec.provider().apiKeyVariable() + " or pass --api-key" : "check the endpoint's settings";
        String providerMessage = providerMessage(failure);
        String message;
        if (failure instanceof AuthenticationException || status(failure) == 401 || status(failure) == 403) {
            message = provider + " refused the API key (" + providerMessage + "); " + keyHint + ".";
        } else if (failure instanceof ModelNotFoundException || status(failure) == 404) {
            message = provider + " does not know the model '" + (spec == null ? "?" : spec.model()) + "' ("
                    + providerMessage + "); check the model name in --model.";
        } else if (failure instanceof RateLimitException) {
            message = provider + " kept refusing with rate limits after the retries (" + providerMessage
                    + "); wait, or raise your quota.";
        } else if (failure instanceof InternalServerException) {
            message = provider + " failed with a server error after the retries (" + providerMessage + "); try again later.";
        } else if (failure instanceof TimeoutException) {
            message = provider + " did not answer in time (" + providerMessage + "); try again or raise the timeout.";
        } else if (hasCause(failure, ConnectException.class) || hasCause(failure, UnknownHostException.class)
                || hasCause(failure, UnresolvedAddressException.class)) {
            message = "cannot reach " + provider + " at " + endpoint + " (" + connectionProblem(failure)
                    + "); check the network, or point --base-url at a reachable endpoint.";
        } else if (failure instanceof InvalidRequestException) {
            message = provider + " rejected the request (" + providerMessage + ").";
        } else {
            message = provider + " call failed: " + providerMessage;
        }
        return new ModelException(message, failure);
    }

    private static int status(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpException http) {
                return http.statusCode();
            }
        }
        return -1;
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String providerMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getMessage() == null && root.getCause() != null) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName() : errorMessageIn(root.getMessage().strip());
        int status = status(failure);
        if (status > 0 && !text.startsWith(Integer.toString(status))) {
            text = "HTTP " + status + ": " + text;
        }
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    /**
     * The readable part of a JSON error body: {@code {"error":{"message":...}}} (OpenAI, OpenRouter, Anthropic),
     * {@code {"error":"..."}} (Ollama), {@code {"message":...}} or {@code {"detail":...}}; other text as it is.
     */
    static String errorMessageIn(String text) {
        if (!text.startsWith("{")) {
            return text;
        }
        try {
            JsonNode body = JSON.readTree(text);
            JsonNode error = body.path("error");
            for (JsonNode candidate : List.of(error.path("message"), error, body.path("message"), body.path("detail"))) {
                if (candidate.isTextual() && !candidate.asText().isBlank()) {
                    return candidate.asText().strip();
                }
            }
        } catch (Exception notJson) {
            // not JSON after all: keep the text
        }
        return text;
    }

    /** What kept the client from connecting, in words (the JDK's exceptions here often have no message). */
    private static String connectionProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host" + (t.getMessage() == null ? "" : ": " + t.getMessage());
            }
            if (t instanceof ConnectException) {
                return t.getMessage() == null || t.getMessage().isBlank() ? "connection refused" : t.getMessage();
            }
        }
        return providerMessage(failure);
    }
}
