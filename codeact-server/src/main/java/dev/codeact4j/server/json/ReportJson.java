package dev.codeact4j.server.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.store.ExecutionReport;

/** The report as one JSON object: the fields of {@code codeact report --help}, also the server's {@code /api/report}. */
public final class ReportJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportJson() {
    }

    /** The report as {@code report --json} prints it; {@code byModel} and {@code byDay} only at the top. */
    public static ObjectNode of(ExecutionReport report) {
        return json(report, true);
    }

    private static ObjectNode json(ExecutionReport report, boolean withModels) {
        ObjectNode node = JSON.createObjectNode()
                .put("runs", report.runs())
                .put("succeeded", report.succeeded())
                .put("successRate", report.successRate())
                .put("averageDurationMs", report.averageDurationMs())
                .put("p50DurationMs", report.p50DurationMs())
                .put("p95DurationMs", report.p95DurationMs())
                .put("averageSteps", report.averageSteps())
                .put("executionTimeMs", report.executionTimeMs());
        ArrayNode errors = node.putArray("commonErrors");
        for (ExecutionReport.CommonError error : report.commonErrors()) {
            errors.addObject().put("type", error.type()).put("count", error.count()).put("example", error.example());
        }
        node.put("inputTokens", report.inputTokens()).put("outputTokens", report.outputTokens())
                .put("cacheHits", report.cacheHits());
        if (withModels) {
            ObjectNode byModel = node.putObject("byModel");
            report.byModel().forEach((name, figures) -> byModel.set(name, json(figures, false)));
            ArrayNode byDay = node.putArray("byDay");
            for (ExecutionReport.Day day : report.byDay()) {
                byDay.addObject()
                        .put("day", day.day().toString())
                        .put("runs", day.runs())
                        .put("succeeded", day.succeeded())
                        .put("successRate", day.successRate())
                        .put("p50DurationMs", day.p50DurationMs())
                        .put("p95DurationMs", day.p95DurationMs())
                        .put("inputTokens", day.inputTokens())
                        .put("outputTokens", day.outputTokens());
            }
        }
        return node;
    }
}
