package dev.codeact4j.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.sandbox.ExecutionError;

/**
 * A step as stored: what {@link dev.codeact4j.agent.Step} holds, with the execution kept as its text.
 *
 * @param code        the code that ran, or null when the reply had none
 * @param observation what the model was shown next
 * @param stdout      what the code printed, or null when nothing ran
 * @param stderr      what it printed to standard error, or null when nothing ran
 * @param result      the repr of the code's last expression, or null
 * @param error       the execution's error, or null
 * @param toolCalls   the host tools the code called: a JSON list of {name, arguments, result, error, durationMs}
 * @param network     what the code asked of the network through the egress proxy: a JSON list of
 *                    {host, port, method, allowed, refusal, bytesSent, bytesReceived}
 */
public record StoredStep(
        int index,
        String thought,
        String code,
        String observation,
        String stdout,
        String stderr,
        String result,
        ExecutionError error,
        long modelMs,
        long executionMs,
        int inputTokens,
        int outputTokens,
        JsonNode toolCalls,
        JsonNode network) {

    /** Whether code ran in this step, as {@link dev.codeact4j.agent.Step#ranCode()} says of a step. */
    public boolean ranCode() {
        return code != null;
    }
}
