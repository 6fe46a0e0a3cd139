package dev.codeact4j.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
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

    /**
     * Reads a schema (draft 2020-12 unless its {@code $schema} names another). Throws an IllegalArgumentException
     * that says what is wrong when the text is not JSON or not a valid JSON Schema.
     */
    public static AnswerSchema parse(String json) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the answer schema is not valid JSON: " + e.getMessage(), e);
        }
        return of(node);
    }

    /**
     * A schema given as a JSON value. It is checked against its draft's metaschema first: a schema with a typo
     * ({@code "type": "objekt"}, {@code "required": "name"}) would otherwise refuse every answer, or none.
     * Throws an IllegalArgumentException that says what is wrong.
     */
    public static AnswerSchema of(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("the answer schema must be a JSON object");
        }
        SpecVersion.VersionFlag version;
        try {
            version = node.has("$schema") ? SpecVersionDetector.detect(node) : SpecVersion.VersionFlag.V202012;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the answer schema's \"$schema\" names no draft this validator knows ("
                    + e.getMessage() + "); leave it out for draft 2020-12", e);
        }
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(version);
        // The metaschemas ship inside the validator's jar: no network is needed to read them.
        List<String> problems = factory.getSchema(SchemaLocation.of(version.getId())).validate(node).stream()
                .map(ValidationMessage::getMessage).distinct().sorted().toList();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the answer schema is not a valid JSON Schema (" + draft(version)
                    + "): " + String.join("; ", problems));
        }
        return new AnswerSchema(node, factory.getSchema(node));
    }

    /** "draft 2020-12" and the like, from the metaschema's URI. */
    private static String draft(SpecVersion.VersionFlag version) {
        String id = version.getId();
        int draft = id.indexOf("draft");
        return draft < 0 ? id : id.substring(draft).replace("/schema", "").replace("/", " ").replace("#", "").strip();
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
