package dev.codeact4j.agent;

import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.ExecutionResult;

import java.util.ArrayList;
import java.util.List;

/** Turns an execution into what the model reads next, cut to a size with the cut said. */
final class Observations {
    private Observations() {
    }

    static String describe(ExecutionResult result, int maxChars) {
        StringBuilder text = new StringBuilder();
        if (!result.stdout().isEmpty()) {
            text.append("Output:\n").append(result.stdout().stripTrailing()).append('\n');
        }
        if (!result.stderr().isEmpty()) {
            text.append("Standard error:\n").append(result.stderr().stripTrailing()).append('\n');
        }
        if (result.result() != null) {
            text.append("Last expression: ").append(result.result().repr()).append('\n');
        }
        long figures = result.displays().stream().filter(Display::isImage).count();
        if (figures > 0) {
            text.append(figures == 1 ? "1 figure was drawn and shown to the user.\n" : figures + " figures were drawn and shown to the user.\n");
        }
        if (result.error() != null) {
            text.append(error(result)).append('\n');
        }
        if (text.isEmpty()) {
            text.append("The code ran and printed nothing. Print the values you need to see.");
        }
        return cut(text.toString().strip(), maxChars);
    }

    /**
     * The error as the model should read it. A Python traceback ends with "Type: message" itself; limits and
     * crashes come without one. A time limit interrupts the code, so its traceback (which says where the code
     * was) ends in a bare KeyboardInterrupt: that line gives way to the sandbox's own message, which says what
     * the limit was, that the state was kept and what to do.
     */
    private static String error(ExecutionResult result) {
        String summary = result.error().summary();
        String traceback = result.error().traceback().strip();
        if (traceback.isEmpty()) {
            return "Error: " + summary;
        }
        if (result.timedOut()) {
            List<String> lines = new ArrayList<>(traceback.lines().toList());
            if (!lines.isEmpty() && lines.get(lines.size() - 1).strip().equals("KeyboardInterrupt")) {
                lines.remove(lines.size() - 1);
            }
            lines.add(summary);
            traceback = String.join("\n", lines);
        }
        return "Error:\n" + traceback;
    }

    /** Keeps the head and the tail, saying how much was left out. */
    static String cut(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int half = maxChars / 2;
        return text.substring(0, half) + "\n[... " + (text.length() - 2 * half)
                + " characters of this observation were cut; print less, or summarise ...]\n" + text.substring(text.length() - half);
    }
}
