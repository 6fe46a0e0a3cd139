package dev.codeact4j.cli;

/**
 * One piece of code to run, and where it came from: {@code -c} for code given inline, a file's path,
 * or {@code -} for standard input.
 */
record Snippet(String source, String code) {
}
