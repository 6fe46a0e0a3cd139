package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Answers the code's calls to host tools. The session calls it on the executing thread while the code waits;
 * what it returns comes back to the code as Python values, and what it throws as a {@code ToolError} with
 * the exception's message.
 */
@FunctionalInterface
public interface ToolHandler {
    JsonNode call(String name, JsonNode arguments) throws Exception;
}
