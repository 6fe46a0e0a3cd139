package dev.codeact4j.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.sandbox.Language;

import java.time.Instant;
import java.util.List;

/**
 * A whole stored run: what {@link dev.codeact4j.agent.AgentResult} holds, with where it stands and who ran it.
 *
 * @param mode        simple or multi-step
 * @param reason      why it stopped (final_answer, max_steps, execution_failed, model_error, error); null until
 *                    it finishes
 * @param error       when the model, its provider or something else failed: what went wrong, in the words of
 *                    the exception (for a model, with the provider's message); else null
 * @param answer      the answer's JSON value, or null
 * @param format      json, csv or text, or null without an answer
 * @param finishedAt  null while it runs, or when it never finished
 * @param durationMs  null while it runs, or when it never finished
 * @param pid         the process that ran it, on {@code host}
 * @param cached      its answer came from the cache, without a model call
 * @param reusedFrom  the earlier run whose solution the model was shown to adapt, or null
 * @param language    the language of its code (runs stored before languages were recorded are Python)
 */
public record StoredRun(
        String id,
        String task,
        String model,
        String mode,
        RunStatus status,
        String reason,
        String error,
        JsonNode answer,
        String answerText,
        String format,
        String parseError,
        Instant startedAt,
        Instant finishedAt,
        Long durationMs,
        int inputTokens,
        int outputTokens,
        int attempts,
        Long pid,
        String host,
        List<StoredStep> steps,
        boolean cached,
        String reusedFrom,
        Language language) {

    public StoredRun {
        steps = List.copyOf(steps);
    }
}
