package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.server.settings.RunRequest;
import dev.codeact4j.server.http.ApiException;
import dev.codeact4j.server.http.Json;

import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * The body of {@code POST /api/runs} read into a {@link RunRequest}, every field checked here with the agent's own
 * parsers, so that a bad request gets its 400 naming the field whatever {@code RunAgents} the server was given
 * (what only the agents know, such as an unknown model, they refuse themselves).
 */
final class RunRequests {
    static final List<String> FIELDS = List.of("task", "model", "mode", "maxSteps", "format", "schema", "language");

    private RunRequests() {
    }

    static RunRequest read(ObjectNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest(name, "There is no field '" + name + "' in a run's request; the fields "
                        + "are " + String.join(", ", FIELDS) + ".");
            }
        }
        String task = Json.text(body, "task");
        if (task == null || task.isBlank()) {
            throw ApiException.badRequest("task", "A run needs a task: send {\"task\": \"what to do\"}.");
        }
        String mode = checked(body, "mode", AgentMode::parse);
        Integer maxSteps = Json.wholeNumber(body, "maxSteps", 1);
        String format = checked(body, "format", AnswerFormat::parse);
        String language = checked(body, "language", Language::parse);
        JsonNode schema = body.get("schema");
        if (schema != null && !schema.isNull()) {
            try {
                AnswerSchema.of(schema);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("schema", "schema: " + e.getMessage() + ".");
            }
        } else {
            schema = null;
        }
        return new RunRequest(task, Json.text(body, "model"), mode, maxSteps, format, schema, language);
    }

    /** A text field that {@code parse} must accept; its message says what is accepted when it does not. */
    private static String checked(ObjectNode body, String field, Function<String, ?> parse) {
        String value = Json.text(body, field);
        if (value != null) {
            try {
                parse.apply(value);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(field, field + ": " + e.getMessage() + ".");
            }
        }
        return value;
    }
}
