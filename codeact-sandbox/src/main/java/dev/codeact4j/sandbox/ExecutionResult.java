package dev.codeact4j.sandbox;

import dev.codeact4j.sandbox.network.NetworkRequest;

import java.time.Duration;
import java.util.List;

/**
 * What one {@link Session#execute} produced.
 *
 * @param stdout    everything printed to standard output (head and tail kept when over the limit)
 * @param stderr    everything printed to standard error
 * @param result    the trailing expression's value, or null when the snippet ends in a statement or None
 * @param finalAnswer the value the code passed to {@code final_answer(...)}, which ends the snippet; else null
 * @param error     why it failed, or null when it succeeded
 * @param displays  figures and tables, in the order they were shown
 * @param toolCalls the host tools the code called, in order
 * @param networkRequests what the code asked of the network through the sandbox's egress proxy (hosts allowed by
 *                  {@link SandboxPolicy#allowHosts()}), allowed and refused, in order; empty without an allowlist
 * @param duration  wall-clock time as seen by the host
 * @param timedOut  the time limit was reached
 * @param truncated output was cut to the limit
 * @param restarted the interpreter had to be replaced, by this execution (its error says why) or just before it
 *                  (the one before lost it): the session's variables and imports are gone
 */
public record ExecutionResult(
        String stdout,
        String stderr,
        ResultValue result,
        ResultValue finalAnswer,
        ExecutionError error,
        List<Display> displays,
        List<ToolCall> toolCalls,
        List<NetworkRequest> networkRequests,
        Duration duration,
        boolean timedOut,
        boolean truncated,
        boolean restarted) {

    public ExecutionResult {
        displays = List.copyOf(displays);
        toolCalls = List.copyOf(toolCalls);
        networkRequests = List.copyOf(networkRequests);
    }

    public boolean ok() {
        return error == null;
    }
}
