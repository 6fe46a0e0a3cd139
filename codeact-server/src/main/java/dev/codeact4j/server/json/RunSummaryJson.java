package dev.codeact4j.server.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.store.RunSummary;

/** A run of the history as JSON: a line of {@code codeact history --json}, an item of the server's {@code /api/runs}. */
public final class RunSummaryJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunSummaryJson() {
    }

    /** One run as {@code history --json} prints it: one JSON object on one line. */
    public static ObjectNode of(RunSummary run) {
        ObjectNode node = JSON.createObjectNode()
                .put("id", run.id())
                .put("startedAt", run.startedAt().toString())
                .put("model", run.model())
                .put("mode", run.mode())
                .put("language", run.language().id())
                .put("status", run.status().label())
                .put("reason", run.reason())
                .put("steps", run.steps())
                .put("durationMs", run.durationMs())
                .put("inputTokens", run.inputTokens())
                .put("outputTokens", run.outputTokens())
                .put("task", run.task());
        return node;
    }
}
