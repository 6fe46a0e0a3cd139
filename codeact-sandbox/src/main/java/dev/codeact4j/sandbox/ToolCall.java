package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/** One call the code made to a host tool: with its result, or its error (then result is null). */
public record ToolCall(String name, JsonNode arguments, JsonNode result, String error, Duration duration) {
    public boolean ok() {
        return error == null;
    }
}
