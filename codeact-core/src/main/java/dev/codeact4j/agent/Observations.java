package dev.codeact4j.agent;

import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.ExecutionResult;

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
        long figures = result.displays().stream().filter(Display::isBinary).count();
        if (figures > 0) {
            text.append(figures == 1 ? "1 figure was drawn and shown to the user.\n" : figures + " figures were drawn and shown to the user.\n");
        }
        if (result.error() != null) {
            String traceback = result.error().traceback().strip();
            // A Python traceback ends with "Type: message" itself; limits and crashes come without one.
            text.append(traceback.isEmpty() ? "Error: " + result.error().summary() : "Error:\n" + traceback).append('\n');
        }
        if (text.isEmpty()) {
            text.append("The code ran and printed nothing. Print the values you need to see.");
        }
        return cut(text.toString().strip(), maxChars);
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
