package dev.codeact4j.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.UncheckedIOException;

/** JSON in and out of the routes: one mapper, request bodies read as objects, 400 when they are not. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** The request's body as a JSON object; an empty body is an empty object. */
    public static ObjectNode body(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) {
            return MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "The body is not JSON: " + e.getOriginalMessage()
                    + ". Send a JSON object with Content-Type: application/json.");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest(null, "The body must be a JSON object, not " + node.getNodeType()
                    .toString().toLowerCase() + ".");
        }
        return object;
    }

    /** Answers {@code value} as JSON with {@code status}. */
    public static void answer(Context ctx, int status, JsonNode value) {
        ctx.status(status).contentType("application/json").result(text(value));
    }

    public static String text(JsonNode value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An optional text field: null when absent or null, 400 when it is not a string. */
    public static String text(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest(field, field + " must be a string, not " + value.getNodeType()
                    .toString().toLowerCase() + ".");
        }
        return value.asText();
    }

    /** An optional whole number of at least {@code minimum}: null when absent, 400 otherwise when it is not. */
    public static Integer wholeNumber(ObjectNode body, String field, int minimum) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < minimum) {
            throw ApiException.badRequest(field, field + " must be a whole number of at least " + minimum
                    + ", not " + value + ".");
        }
        return value.asInt();
    }

    /** An optional positive number (seconds, say): null when absent, 400 when it is not one. */
    public static Double positiveNumber(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || value.asDouble() <= 0) {
            throw ApiException.badRequest(field, field + " must be a number greater than 0, not " + value + ".");
        }
        return value.asDouble();
    }
}
