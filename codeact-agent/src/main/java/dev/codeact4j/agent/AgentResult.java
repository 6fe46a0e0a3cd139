package dev.codeact4j.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.Language;

import java.util.List;

/**
 * How a run ended.
 *
 * @param runId       unique per run
 * @param task        the task as given
 * @param model       the model that worked on it
 * @param success     an answer was reached (by {@code final_answer}, or simple mode's clean run)
 * @param reason      why the run stopped
 * @param answer      the processed answer (its JSON value, text, format and any parse error); null if none
 * @param steps       every step, in order
 * @param durationMs  wall-clock time of the whole run
 * @param attempts    how many attempts it took ({@link CodeActAgent#executeWithRetry}); 1 otherwise
 * @param cached      the answer came from the agent's cache, without a model call (see {@code AgentMemory})
 * @param reusedFrom  the earlier run whose solution the model was shown to adapt, or null
 * @param language    the language of its code
 */
public record AgentResult(
        String runId,
        String task,
        String model,
        boolean success,
        StopReason reason,
        ProcessedAnswer answer,
        List<Step> steps,
        long durationMs,
        int inputTokens,
        int outputTokens,
        int attempts,
        boolean cached,
        String reusedFrom,
        Language language) {

    public AgentResult {
        steps = List.copyOf(steps);
    }

    /** A Python run's result that owes nothing to the agent's memory. */
    public AgentResult(String runId, String task, String model, boolean success, StopReason reason,
                       ProcessedAnswer answer, List<Step> steps, long durationMs, int inputTokens, int outputTokens,
                       int attempts) {
        this(runId, task, model, success, reason, answer, steps, durationMs, inputTokens, outputTokens, attempts,
                false, null, Language.PYTHON);
    }

    /** The answer's JSON value, or null. */
    public JsonNode answerValue() {
        return answer == null ? null : answer.value();
    }

    /** The answer as text, or null. */
    public String answerText() {
        return answer == null ? null : answer.text();
    }

    public AnswerFormat format() {
        return answer == null ? null : answer.format();
    }

    AgentResult withAttempts(int attempts) {
        return new AgentResult(runId, task, model, success, reason, answer, steps, durationMs, inputTokens,
                outputTokens, attempts, cached, reusedFrom, language);
    }
}
