package dev.codeact4j.sandbox;

import java.time.Duration;

/**
 * How a session's interpreter was started: forked from a fork server that has the data stack imported (a few
 * milliseconds), or plainly by a sandbox of its own (a fresh interpreter: hundreds of milliseconds with the data
 * stack), and why.
 *
 * @param forked  whether it came from a fork server
 * @param reason  why it was started plainly (the policy does not fit the fork server's, it is turned off, it
 *                failed); null when forked
 * @param took    from the request to the interpreter's hello
 */
public record SessionStart(boolean forked, String reason, Duration took) {
}
