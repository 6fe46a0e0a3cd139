package dev.codeact4j.server.settings;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a client asks a run to be ({@code POST /api/runs}): the task, and optionally the model (PROVIDER:MODEL), the
 * mode ({@code simple} or {@code multi-step}), the step limit, the answer's format ({@code json}, {@code csv},
 * {@code text}), a JSON Schema for the answer, and the language ({@code python} or {@code javascript}). Null
 * means the server's default.
 */
public record RunRequest(String task, String model, String mode, Integer maxSteps, String format, JsonNode schema,
                         String language) {
}
