package dev.codeact4j.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.Step;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.StoredRun;
import dev.codeact4j.store.StoredStep;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A run as JSON, in the one shape of {@code run --json}, {@code demo --json}, {@code mcp}'s run_agent and
 * {@code show --json}: the fields listed in {@code codeact run --help}, from a run just finished or one read
 * back from the run store. A stored run has, after them, what only the store knows (listed in
 * {@code codeact show --help}): where the run stands and each step's output; its figures are not kept (null).
 */
public final class RunJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The fields every run has, whatever it is read from; {@code recorded} holds the stored run's own. */
    private record Run(String runId, String model, String task, boolean success, String reason, JsonNode answer,
                       String answerText, String format, String parseError, List<RunStep> steps, Long durationMs,
                       int inputTokens, int outputTokens, boolean cached, String reusedFrom, Language language,
                       ObjectNode recorded) {
    }

    /** A step's fields; {@code figures} is null when they were not kept. */
    private record RunStep(int index, String thought, String code, String observation, ExecutionError error,
                           List<Path> figures, long modelMs, long executionMs, int inputTokens, int outputTokens,
                           ObjectNode recorded) {
    }

    private RunJson() {
    }

    /** A finished run whose figures were saved to these files (by step index). */
    public static ObjectNode of(AgentResult result, Map<Integer, List<Path>> figures) {
        ProcessedAnswer answer = result.answer();
        List<RunStep> steps = result.steps().stream()
                .map(step -> runStep(step, figures.getOrDefault(step.index(), List.of()))).toList();
        return write(new Run(result.runId(), result.model(), result.task(), result.success(), result.reason().label(),
                answer == null ? null : answer.value(), answer == null ? null : answer.text(),
                answer == null ? null : answer.format().label(), answer == null ? null : answer.parseError(), steps,
                result.durationMs(), result.inputTokens(), result.outputTokens(), result.cached(), result.reusedFrom(),
                result.language(), null));
    }

    /**
     * A run still under way, with its steps so far: no answer and no reason yet, success false, durationMs null,
     * the tokens of its steps so far.
     */
    public static ObjectNode running(String runId, String task, String model, Language language, List<Step> steps) {
        return write(new Run(runId, model, task, false, null, null, null, null, null,
                steps.stream().map(step -> runStep(step, List.of())).toList(), null,
                steps.stream().mapToInt(Step::inputTokens).sum(), steps.stream().mapToInt(Step::outputTokens).sum(),
                false, null, language, null));
    }

    /** One step as in a run's {@code steps}, its figures saved to these files (none: an empty list). */
    public static ObjectNode step(Step step, List<Path> figures) {
        return step(runStep(step, figures));
    }

    private static RunStep runStep(Step step, List<Path> figures) {
        return new RunStep(step.index(), step.thought(), step.code(), step.observation(), step.error(), figures,
                step.modelMillis(), step.executionMillis(), step.inputTokens(), step.outputTokens(), null);
    }

    /** A run read back from the run store. */
    public static ObjectNode of(StoredRun run) {
        List<RunStep> steps = run.steps().stream().map(step -> new RunStep(step.index(), step.thought(), step.code(),
                step.observation(), step.error(), null, step.modelMs(), step.executionMs(), step.inputTokens(),
                step.outputTokens(), recorded(step))).toList();
        ObjectNode recorded = NODES.objectNode()
                .put("mode", run.mode())
                .put("status", run.status().label())
                .put("error", run.error())
                .put("startedAt", run.startedAt().toString())
                .put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString())
                .put("attempts", run.attempts());
        return write(new Run(run.id(), run.model(), run.task(), run.status() == RunStatus.SUCCEEDED, run.reason(),
                run.answer(), run.answerText(), run.format(), run.parseError(), steps, run.durationMs(),
                run.inputTokens(), run.outputTokens(), run.cached(), run.reusedFrom(), run.language(), recorded));
    }

    private static ObjectNode recorded(StoredStep step) {
        ObjectNode node = NODES.objectNode()
                .put("stdout", step.stdout())
                .put("stderr", step.stderr())
                .put("result", step.result());
        node.set("toolCalls", step.toolCalls());
        node.set("network", step.network());
        return node;
    }

    private static ObjectNode write(Run run) {
        ObjectNode node = NODES.objectNode()
                .put("runId", run.runId())
                .put("model", run.model())
                .put("task", run.task())
                .put("success", run.success())
                .put("reason", run.reason());
        node.set("answer", run.answer() == null ? NODES.nullNode() : run.answer());
        node.put("answerText", run.answerText())
                .put("format", run.format())
                .put("parseError", run.parseError());
        ArrayNode steps = node.putArray("steps");
        run.steps().forEach(step -> steps.add(step(step)));
        node.put("durationMs", run.durationMs())
                .put("inputTokens", run.inputTokens())
                .put("outputTokens", run.outputTokens())
                .put("cached", run.cached())
                .put("reusedFrom", run.reusedFrom())
                .put("language", run.language().id());
        if (run.recorded() != null) {
            node.setAll(run.recorded());
        }
        return node;
    }

    private static ObjectNode step(RunStep step) {
        ObjectNode node = NODES.objectNode()
                .put("index", step.index())
                .put("thought", step.thought())
                .put("code", step.code())
                .put("observation", step.observation());
        node.set("error", error(step.error()));
        if (step.figures() == null) {
            node.putNull("figures");
        } else {
            ArrayNode paths = node.putArray("figures");
            step.figures().forEach(path -> paths.add(path.toString()));
        }
        node.put("durationMs", step.modelMs() + step.executionMs())
                .put("modelMs", step.modelMs())
                .put("executionMs", step.executionMs())
                .put("inputTokens", step.inputTokens())
                .put("outputTokens", step.outputTokens());
        if (step.recorded() != null) {
            node.setAll(step.recorded());
        }
        return node;
    }

    private static JsonNode error(ExecutionError error) {
        if (error == null) {
            return NODES.nullNode();
        }
        return NODES.objectNode()
                .put("type", error.type())
                .put("message", error.message())
                .put("traceback", error.traceback());
    }
}
