package dev.codeact4j.server.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;

/** A JSON value as one line of text, for the commands' {@code --json} output and the MCP tools' answers. */
public final class JsonText {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonText() {
    }

    /** {@code value} on one line; {@code what} names it in the (unlikely) failure's message. */
    public static String line(JsonNode value, String what) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write the " + what + " as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
