package dev.codeact4j.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.util.List;

/** A JSON Schema that a final answer must satisfy; the errors go back to the model as an observation. */
public final class AnswerSchema {
    private final JsonNode source;
    private final JsonSchema schema;

    private AnswerSchema(JsonNode source, JsonSchema schema) {
        this.source = source;
        this.schema = schema;
    }

    /** Reads a schema (draft 2020-12 unless its {@code $schema} names another). */
    public static AnswerSchema parse(String json) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the answer schema is not valid JSON: " + e.getMessage(), e);
        }
        return of(node);
    }

    public static AnswerSchema of(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("the answer schema must be a JSON object");
        }
        SpecVersion.VersionFlag version = node.has("$schema")
                ? SpecVersionDetector.detect(node) : SpecVersion.VersionFlag.V202012;
        return new AnswerSchema(node, JsonSchemaFactory.getInstance(version).getSchema(node));
    }

    /** The ways the answer breaks the schema; empty when it conforms. */
    public List<String> violations(JsonNode answer) {
        return schema.validate(answer).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    public JsonNode source() {
        return source;
    }

    @Override
    public String toString() {
        return source.toString();
    }
}
