package dev.codeact4j.store;

import dev.codeact4j.sandbox.Language;

import java.time.Instant;

/**
 * One line of the history: a stored run without its steps.
 *
 * @param durationMs   wall-clock time of the whole run; null while it runs, or when it never finished
 * @param steps        how many steps ran code ({@link dev.codeact4j.agent.Step#ranCode()}), at most the step limit
 * @param inputTokens  for the whole run (so far, for a run that has not finished)
 * @param language     the language of its code
 */
public record RunSummary(
        String id,
        String task,
        String model,
        String mode,
        RunStatus status,
        String reason,
        Instant startedAt,
        Long durationMs,
        int steps,
        int inputTokens,
        int outputTokens,
        Language language) {
}
