package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.result.AnswerSchema;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;

import java.util.List;
import java.util.Map;

/**
 * The MCP SDK's schema checks (tool inputs on our server, structured results on our client) done with the
 * validator the rest of codeact4j uses: the SDK's own needs a json-schema-validator version that clashes with ours.
 * Every client and server built here must be given one, or the SDK looks for its default and fails.
 */
public final class McpSchemaValidator implements JsonSchemaValidator {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object content) {
        try {
            var tree = content instanceof String text ? JSON.readTree(text) : JSON.valueToTree(content);
            List<String> violations = AnswerSchema.of(JSON.valueToTree(schema)).violations(tree);
            return violations.isEmpty() ? ValidationResponse.asValid(tree.toString())
                    : ValidationResponse.asInvalid(String.join("; ", violations));
        } catch (Exception e) {
            return ValidationResponse.asInvalid("cannot validate against the schema: " + e.getMessage());
        }
    }
}
