package dev.codeact4j.cli.render;

/**
 * One piece of code to run, and where it came from: {@code -c} for code given inline, a file's path,
 * or {@code -} for standard input.
 */
public record Snippet(String source, String code) {

    /** What tracebacks call the code: the file's name, {@code <stdin>} as Python says, or null for a numbered cell. */
    public String filename() {
        return switch (source) {
            case "-c" -> null;
            case "-" -> "<stdin>";
            default -> source;
        };
    }
}
