package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.ToolCall;
import dev.codeact4j.server.http.Json;
import dev.codeact4j.server.json.RunJson;

import java.util.List;

/**
 * The agent's events as the API sends them on {@code /api/runs/{id}/events}: each kind's name and data, the one
 * place they are written (openapi.json describes them for clients). The run's end ({@code end}) is the server's,
 * written when the run has ended however it did (see {@link LiveRun}).
 */
final class RunEvents {
    /** An event as sent: its kind ({@code event:}) and data ({@code data:}). */
    record Shown(String kind, ObjectNode data) {
    }

    private RunEvents() {
    }

    /**
     * {@code event} as the API shows it, or null for those it does not (the embedding model loading, the run's
     * end). {@code language} is the run's, which the code's event carries.
     */
    static Shown of(AgentEvent event, Language language) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        return switch (event) {
            case AgentEvent.RunStarted started -> new Shown("run-started", data.put("runId", started.runId())
                    .put("task", started.task()).put("model", started.model()).put("mode", started.mode())
                    .put("language", started.language().id()));
            case AgentEvent.StepStarted started -> new Shown("step-started", data.put("step", started.step()));
            case AgentEvent.ModelText text -> new Shown("model-text",
                    data.put("step", text.step()).put("text", text.text()));
            case AgentEvent.ModelReplied replied -> new Shown("model-replied", data.put("step", replied.step())
                    .put("durationMs", replied.durationMs()).put("inputTokens", replied.inputTokens())
                    .put("outputTokens", replied.outputTokens()));
            case AgentEvent.CodeReady code -> new Shown("code",
                    data.put("step", code.step()).put("code", code.code()).put("language", language.id()));
            case AgentEvent.ExecutionOutput output -> new Shown("output",
                    data.put("step", output.step()).put("stream", output.stream()).put("text", output.text()));
            case AgentEvent.ExecutionDisplay display -> new Shown("display", data.put("step", display.step())
                    .put("mime", display.display().mime()).put("data", display.display().data()));
            case AgentEvent.ToolCalled called -> new Shown("tool-call", toolCall(data.put("step", called.step()),
                    called.call()));
            case AgentEvent.Observation observation -> new Shown("observation", data.put("step", observation.step())
                    .put("text", observation.text()).put("error", observation.error())
                    .put("durationMs", observation.durationMs()));
            case AgentEvent.StepFinished finished -> {
                data.put("step", finished.step().index());
                data.setAll(RunJson.step(finished.step(), List.of()));
                yield new Shown("step-finished", data);
            }
            case AgentEvent.FinalAnswer answer -> new Shown("answer", answer(data.put("step", answer.step()),
                    answer.answer()));
            case AgentEvent.Error error -> new Shown("error",
                    data.put("step", error.step()).put("message", error.message()));
            // The run could not go on: said as an error of the step it was at; its end follows.
            case AgentEvent.RunFailed failed -> new Shown("error",
                    data.put("step", failed.steps().size()).put("message", failed.message()));
            case AgentEvent.LoadingEmbeddingModel loading -> null;
            case AgentEvent.RunFinished finished -> null;
        };
    }

    private static ObjectNode toolCall(ObjectNode data, ToolCall call) {
        data.put("name", call.name());
        data.set("arguments", call.arguments());
        data.put("ok", call.ok());
        if (call.ok()) {
            data.set("result", call.result());
        } else {
            data.put("error", call.error());
        }
        return data.put("durationMs", call.duration() == null ? 0 : call.duration().toMillis());
    }

    private static ObjectNode answer(ObjectNode data, ProcessedAnswer answer) {
        data.set("answer", answer.value() == null ? Json.MAPPER.nullNode() : answer.value());
        return data.put("answerText", answer.text())
                .put("format", answer.format() == null ? null : answer.format().label())
                .put("parseError", answer.parseError());
    }
}
