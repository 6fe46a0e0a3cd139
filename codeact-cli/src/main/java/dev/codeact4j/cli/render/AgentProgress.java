package dev.codeact4j.cli.render;

import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.AgentListener;
import dev.codeact4j.sandbox.Language;
import picocli.CommandLine.Help.Ansi.Style;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A run as it happens, on standard error: each step's number, the model's words before its code (dimmed, as
 * they stream in), the code (coloured on a terminal), what the code prints, and what the step cost in time and
 * tokens. Events may come from the sandbox's output thread, hence {@code synchronized}.
 */
public final class AgentProgress implements AgentListener {
    private static final int RULE_WIDTH = 72;
    private static final int TRACEBACK_FRAMES = 3;
    private static final int TASK_LINES = 8;

    private final PrintWriter err;
    private final Colors colors;
    private final CodeHighlighter highlighter;
    private final String model;
    private final int maxSteps;

    // The step under way.
    private final StringBuilder partialLine = new StringBuilder();
    private boolean inCodeFence;
    private int codeLinesStreamed;
    private boolean codeProgressShown;
    private boolean thoughtShown;
    private boolean blankLinePending;
    private long modelMillis;
    private int inputTokens;
    private int outputTokens;
    private long codeStartedNanos;
    private boolean outputShown;
    private boolean outputAtLineStart = true;

    AgentProgress(PrintWriter err, Colors colors, String model, int maxSteps, Language language) {
        this.err = err;
        this.colors = colors;
        this.highlighter = new CodeHighlighter(colors, language);
        this.model = model;
        this.maxSteps = maxSteps;
    }

    @Override
    public synchronized void onEvent(AgentEvent event) {
        switch (event) {
            case AgentEvent.RunStarted started -> runStarted(started);
            case AgentEvent.LoadingEmbeddingModel loading -> err.println(colors.faint("  Loading the embedding model "
                    + "to compare the task with " + loading.pastSolutions() + " past solution"
                    + (loading.pastSolutions() == 1 ? "" : "s") + "…"));
            case AgentEvent.StepStarted started -> stepStarted(started.step());
            case AgentEvent.ModelText text -> modelText(text.text());
            case AgentEvent.ModelReplied replied -> modelReplied(replied);
            case AgentEvent.CodeReady ready -> codeReady(ready.code());
            case AgentEvent.ExecutionOutput output -> output(output.stream(), output.text());
            case AgentEvent.ExecutionDisplay display -> { /* the command lists the figures with the result */ }
            case AgentEvent.ToolCalled call -> { /* the step's tool calls are in its observation */ }
            case AgentEvent.Observation observation -> observed(observation);
            case AgentEvent.StepFinished finished -> { /* shown piece by piece above */ }
            case AgentEvent.FinalAnswer answer -> answered();
            case AgentEvent.Error problem -> problem(problem.message());
            case AgentEvent.RunFinished finished -> { /* the command reports the result */ }
            case AgentEvent.RunFailed failed -> { /* the command reports the exception */ }
        }
        err.flush();
    }

    /**
     * The provider asked to wait before the next try (see {@code ModelSettings.withRetryListener}): say so, or
     * the wait looks like a hang.
     */
    public synchronized void retrying(int status, Duration wait) {
        clearCodeProgress();
        endOutput();
        String why = status == 429 ? "rate limited" : "the provider is unavailable";
        err.println(colors.yellow("  ! " + why + " (HTTP " + status + "), retrying in " + waitSeconds(wait)));
        err.flush();
    }

    /** "1 s", "1.5 s": a wait as the provider would have put it. */
    private static String waitSeconds(Duration wait) {
        long millis = wait.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private void runStarted(AgentEvent.RunStarted started) {
        String plan = started.mode().equals("simple") ? "simple: one program, run once"
                : started.mode() + " · up to " + maxSteps + (maxSteps == 1 ? " step" : " steps");
        err.println(colors.bold("▶ " + model) + colors.faint(" · " + plan));
        List<String> lines = wrap("Task: " + started.task().strip(), RULE_WIDTH + 8);
        for (String line : lines.subList(0, Math.min(lines.size(), TASK_LINES))) {
            err.println("  " + line);
        }
        if (lines.size() > TASK_LINES) { // a long task read from a file need not fill the screen
            err.println(colors.faint("  … (" + (lines.size() - TASK_LINES) + " more lines)"));
        }
    }

    private void stepStarted(int step) {
        partialLine.setLength(0);
        inCodeFence = false;
        codeLinesStreamed = 0;
        codeProgressShown = false;
        thoughtShown = false;
        blankLinePending = false;
        modelMillis = 0;
        inputTokens = 0;
        outputTokens = 0;
        outputShown = false;
        outputAtLineStart = true;
        String title = step >= maxSteps ? "Step limit reached: asking for the model's best answer" : "Step " + (step + 1);
        err.println();
        err.println(colors.styled("── " + title + " " + "─".repeat(Math.max(3, RULE_WIDTH - title.length() - 4)),
                Style.bold, Style.fg_cyan));
    }

    /** The model's words are shown line by line as they come; its code only when complete, coloured. */
    private void modelText(String text) {
        partialLine.append(text);
        int newline;
        while ((newline = partialLine.indexOf("\n")) >= 0) {
            String line = partialLine.substring(0, newline);
            partialLine.delete(0, newline + 1);
            modelLine(line);
        }
    }

    private void modelLine(String line) {
        String trimmed = line.strip();
        if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
            inCodeFence = !inCodeFence;
            return;
        }
        if (inCodeFence) {
            codeLinesStreamed++;
            if (colors.enabled()) { // on a terminal, one line that counts up while the code streams in
                err.print("\r" + colors.faint("  writing code… " + codeLinesStreamed
                        + (codeLinesStreamed == 1 ? " line" : " lines")));
                codeProgressShown = true;
            }
            return;
        }
        if (trimmed.isEmpty()) { // kept only between lines of words, never before or after them
            blankLinePending = thoughtShown;
            return;
        }
        clearCodeProgress();
        if (blankLinePending) {
            err.println();
            blankLinePending = false;
        }
        for (String wrapped : wrap(line, RULE_WIDTH + 8)) {
            err.println(colors.faint(wrapped));
        }
        thoughtShown = true;
    }

    private void modelReplied(AgentEvent.ModelReplied replied) {
        if (!partialLine.isEmpty() && !inCodeFence) {
            modelLine(partialLine.toString());
        }
        partialLine.setLength(0);
        clearCodeProgress();
        modelMillis = replied.durationMs();
        inputTokens = replied.inputTokens();
        outputTokens = replied.outputTokens();
    }

    private void clearCodeProgress() {
        if (codeProgressShown) {
            err.print("\r\u001B[2K");
            codeProgressShown = false;
        }
    }

    private void codeReady(String code) {
        if (thoughtShown) {
            err.println();
        }
        List<String> lines = highlighter.lines(code.stripTrailing());
        int width = Integer.toString(lines.size()).length();
        for (int i = 0; i < lines.size(); i++) {
            err.println(colors.faint(String.format(Locale.ROOT, " %" + Math.max(3, width) + "d │ ", i + 1)) + lines.get(i));
        }
        codeStartedNanos = System.nanoTime();
    }

    private void output(String stream, String text) {
        if (text.isEmpty()) {
            return;
        }
        if (!outputShown) {
            err.println(colors.faint("  ── output"));
            outputShown = true;
        }
        StringBuilder indented = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (outputAtLineStart && c != '\n') {
                indented.append("  ");
            }
            indented.append(c);
            outputAtLineStart = c == '\n';
        }
        err.print("stderr".equals(stream) ? colors.yellow(indented.toString()) : indented.toString());
    }

    private void endOutput() {
        if (!outputAtLineStart) {
            err.println();
            outputAtLineStart = true;
        }
    }

    private void observed(AgentEvent.Observation observation) {
        endOutput();
        if (observation.error()) {
            String traceback = errorPart(observation.text());
            for (String line : shortTraceback(traceback)) {
                err.println(colors.red("  " + line));
            }
            err.println(colors.red("  ✗ " + lastLine(traceback)) + colors.faint(" · " + cost(observation.durationMs())));
        } else {
            err.println(colors.green("  ✓") + colors.faint(" ran · " + cost(observation.durationMs())));
        }
    }

    private void answered() {
        endOutput();
        long millis = (System.nanoTime() - codeStartedNanos) / 1_000_000;
        err.println(colors.green("  ✓ final answer") + colors.faint(" · " + cost(millis)));
    }

    private void problem(String message) {
        endOutput();
        err.println(colors.yellow("  ! " + message));
    }

    private String cost(long executionMillis) {
        return "code " + seconds(executionMillis) + " · model " + seconds(modelMillis) + ", "
                + tokens(inputTokens, outputTokens);
    }

    /** The error part of an observation: the traceback, or the one-line error of a limit. */
    private static String errorPart(String observation) {
        int traceback = observation.lastIndexOf("Error:\n");
        if (traceback >= 0 && (traceback == 0 || observation.charAt(traceback - 1) == '\n')) {
            return observation.substring(traceback + "Error:\n".length()).strip();
        }
        int oneLine = observation.lastIndexOf("Error: ");
        return oneLine >= 0 ? observation.substring(oneLine + "Error: ".length()).strip() : observation.strip();
    }

    /**
     * A traceback without the frames inside libraries: the code's own frames ({@code <cell-N>}) say where it
     * went wrong; pandas' internals would only push them off the screen. Each exception of a chain keeps its
     * "Traceback" header, its last few frames of the code's own, its "Type: message" line and the line that links
     * it to the next ("The above exception was the direct cause of the following exception:"). The last line,
     * the error itself, is shown separately.
     */
    static List<String> shortTraceback(String traceback) {
        List<String> lines = traceback.lines().toList();
        if (lines.size() <= 1) {
            return List.of();
        }
        List<String> shown = new ArrayList<>();
        Stack stack = null; // the stack under way, between a "Traceback" header and the exception's line
        for (String line : lines.subList(0, lines.size() - 1)) {
            if (line.startsWith("Traceback (most recent call last):")) {
                shown.add(line);
                stack = new Stack();
            } else if (stack != null && line.startsWith("  File ")) {
                stack.frame(line);
            } else if (stack != null && (line.startsWith("    ") || line.startsWith("  ["))) {
                stack.frameLine(line); // the frame's source, its ^^^ marks, "[Previous line repeated N more times]"
            } else {
                if (stack != null) {
                    stack.addTo(shown);
                    stack = null;
                }
                shown.add(line);
            }
        }
        if (stack != null) {
            stack.addTo(shown);
        }
        return shown;
    }

    /** The frames of one exception's stack as they are read: its own kept, those inside libraries counted. */
    private static final class Stack {
        private final List<List<String>> ownFrames = new ArrayList<>();
        private boolean inOwnFrame;
        private boolean librariesLeftOut;

        void frame(String line) {
            inOwnFrame = line.contains("\"<cell-");
            if (inOwnFrame) {
                ownFrames.add(new ArrayList<>(List.of(line)));
            } else {
                librariesLeftOut = true;
            }
        }

        void frameLine(String line) {
            if (inOwnFrame) {
                ownFrames.get(ownFrames.size() - 1).add(line);
            }
        }

        void addTo(List<String> shown) {
            int earlier = Math.max(0, ownFrames.size() - TRACEBACK_FRAMES);
            if (earlier > 0) {
                shown.add("  … (" + earlier + (earlier == 1 ? " earlier frame" : " earlier frames") + " left out)");
            }
            ownFrames.subList(earlier, ownFrames.size()).forEach(shown::addAll);
            if (librariesLeftOut) {
                shown.add("  … (frames inside libraries left out)");
            }
        }
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        return lines.isEmpty() ? "the code failed" : lines.get(lines.size() - 1).strip();
    }

    static String seconds(long millis) {
        return millis < 10_000 ? String.format(Locale.ROOT, "%.2f s", millis / 1000.0)
                : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static String tokens(int input, int output) {
        return String.format(Locale.ROOT, "%,d in + %,d out tokens", input, output);
    }

    /** Words wrapped to lines of at most {@code width} characters (a longer word gets a line of its own). */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.split("\n")) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.split(" ")) {
                if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.isEmpty() ? "" : " ").append(word);
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
