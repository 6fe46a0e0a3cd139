package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value of a snippet's trailing expression: its Python {@code repr}, its type name, and its JSON form
 * when it has one (numbers, strings, lists, dicts, numpy arrays, pandas frames as records), else null.
 */
public record ResultValue(String repr, String type, JsonNode json) {
}
