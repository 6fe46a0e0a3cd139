package dev.codeact4j.store.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

/** JSON values in the run store's columns: written and read back the same way by the store and the memory. */
public final class StoreJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoreJson() {
    }

    public static String json(JsonNode value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON value could not be written: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(json); // written by us as JSON; kept as text should it ever not be
        }
    }

}
