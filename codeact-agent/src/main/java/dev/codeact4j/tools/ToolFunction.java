package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;

/** What a tool does: from its arguments (a JSON object) to a result Jackson can turn into JSON. */
@FunctionalInterface
public interface ToolFunction {
    Object apply(JsonNode arguments) throws Exception;
}
