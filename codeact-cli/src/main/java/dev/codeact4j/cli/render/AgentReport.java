package dev.codeact4j.cli.render;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.Step;
import dev.codeact4j.agent.StopReason;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.server.json.SavedDisplay;
import picocli.CommandLine.Help.Ansi.Style;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code run} and {@code demo} show an agent's work: live progress on standard error while it runs
 * ({@link #progress}), then, when it has finished ({@link #finished}), its figures saved as files and either a
 * summary on standard error with the answer on standard output, or (with {@code --json}) one JSON object
 * on one line of standard output.
 */
public final class AgentReport {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final PrintWriter out;
    private final PrintWriter err;
    private final Colors colors;
    private final boolean json;
    private final DisplayFiles displayFiles;

    public AgentReport(PrintWriter out, PrintWriter err, Colors colors, boolean json, DisplayFiles displayFiles) {
        this.out = out;
        this.err = err;
        this.colors = colors;
        this.json = json;
        this.displayFiles = displayFiles;
    }

    /** Says, before {@code demo}'s examples, that the model's replies are replayed and the code really runs. */
    public void demoStarted() {
        err.println(colors.yellow("codeact demo: replaying recorded model replies — no model is called, no API key "
                + "is needed. The code in the replies runs for real, in the sandbox."));
        err.flush();
    }

    /** A heading before one of {@code demo}'s examples. */
    public void exampleStarted(String heading) {
        err.println();
        err.println(colors.styled("━━ " + heading + " " + "━".repeat(Math.max(3, 72 - heading.length() - 4)), Style.bold));
        err.flush();
    }

    /** After {@code demo}'s examples (but with --json): how they went, and how to have a live model do the same. */
    public void demoFinished(int succeeded, int examples) {
        if (json) {
            return;
        }
        err.println();
        String outcome = examples == 1 ? (succeeded == 1 ? "The example reached its answer." : "The example reached no answer.")
                : succeeded == examples ? "All " + succeeded + " examples reached their answer."
                : succeeded + " of " + examples + " examples reached their answer.";
        err.println(colors.bold(outcome) + " The model's replies were recorded; to have a live model write the code:");
        err.println("  export OPENROUTER_API_KEY=...    # or OPENAI_API_KEY, ANTHROPIC_API_KEY, HF_TOKEN");
        err.println("  codeact run --model openrouter:google/gemini-2.5-flash \"your task\"");
        err.flush();
    }

    /** Shows a run of this model, writing code in this language, as it goes. */
    public AgentProgress progress(String model, int maxSteps, Language language) {
        return new AgentProgress(err, colors, model, maxSteps, language);
    }

    /** Reports a finished run; {@code example} names the demo example it was, or is null. */
    public void finished(AgentResult result, String example) throws IOException {
        finished(result, example, null);
    }

    /**
     * Reports a finished run whose answer was asked for in {@code asked} (--format), or in any format when null.
     * Returns whether the run gave an answer in that format: an answer that does not parse in it is no answer
     * for a program reading standard output, so it is not printed there (--json still holds it).
     */
    public boolean finished(AgentResult result, String example, AnswerFormat asked) throws IOException {
        Map<Integer, List<Path>> figures = saveFigures(result, displayFiles);
        String notInFormat = notInFormat(result, asked);
        if (json) {
            ObjectNode line = NODES.objectNode();
            if (example != null) {
                line.put("example", example);
            }
            line.setAll(RunJson.of(result, figures));
            out.println(JsonText.line(line, "result"));
            if (notInFormat != null) {
                err.println(colors.red("✗ No answer in the format asked: " + notInFormat));
            }
        } else {
            summary(result, figures, notInFormat);
        }
        out.flush();
        err.flush();
        return result.success() && notInFormat == null;
    }

    /** Why a successful run's answer is not in the format asked for, or null when it is (or none was asked). */
    private static String notInFormat(AgentResult result, AnswerFormat asked) {
        if (asked == null || !result.success() || result.answer() == null || result.answer().parseError() == null) {
            return null;
        }
        return "--format " + asked.label() + " asked for " + asked.label().toUpperCase(Locale.ROOT) + ", and the answer is "
                + result.answer().parseError();
    }

    /** Saves the figures of every step as files; by step index, their paths. One that cannot be saved fails all. */
    public static Map<Integer, List<Path>> saveFigures(AgentResult result, DisplayFiles displayFiles) throws IOException {
        Map<Integer, List<Path>> figures = new LinkedHashMap<>();
        for (Step step : result.steps()) {
            if (step.execution() == null) {
                continue;
            }
            List<Path> paths = new ArrayList<>();
            for (SavedDisplay saved : displayFiles.save(step.execution().displays().stream()
                    .filter(Display::isImage).toList())) {
                if (saved.isUnsaved()) {
                    throw new IOException(saved.error());
                }
                paths.add(saved.path());
            }
            if (!paths.isEmpty()) {
                figures.put(step.index(), paths);
            }
        }
        return figures;
    }

    private void summary(AgentResult result, Map<Integer, List<Path>> figures, String notInFormat) {
        err.println();
        figures.forEach((step, paths) -> paths.forEach(path ->
                err.println(colors.faint("[saved figure of step " + (step + 1) + " to " + shown(path) + "]"))));
        long modelMillis = result.steps().stream().mapToLong(Step::modelMillis).sum();
        long codeMillis = result.steps().stream().mapToLong(Step::executionMillis).sum();
        int steps = (int) result.steps().stream().filter(Step::ranCode).count(); // as the history counts them
        String cost = " · " + AgentProgress.seconds(result.durationMs()) + " (model " + AgentProgress.seconds(modelMillis)
                + ", code " + AgentProgress.seconds(codeMillis) + ") · "
                + AgentProgress.tokens(result.inputTokens(), result.outputTokens()) + " · " + result.model();
        if (notInFormat != null) { // nothing on standard output: a program reading it would choke on the text
            err.println(colors.red("✗ No answer in the format asked: " + notInFormat) + colors.faint(cost));
            err.println(colors.yellow("The answer as given:"));
            err.println(result.answerText().strip());
            return;
        }
        if (result.success()) {
            String how = !result.cached() ? "after " + steps + (steps == 1 ? " step" : " steps")
                    : steps == 0 ? "from the cache" : "from the cached program, run again";
            err.println(colors.green("✓ Answer " + how) + colors.faint(cost));
            if (result.reusedFrom() != null) {
                err.println(colors.faint("  adapted from the solution of run " + RunStoreViews.shortId(result.reusedFrom())));
            }
            ProcessedAnswer answer = result.answer();
            if (answer.parseError() != null) {
                err.println(colors.yellow("! " + answer.parseError() + "; the answer is printed as given"));
            }
            err.flush();
            out.println(answerText(answer));
            return;
        }
        // The step limit's last step is the one that asked for the best answer: its index is the limit.
        String why = result.reason() == StopReason.MAX_STEPS
                ? "the step limit of " + result.steps().get(result.steps().size() - 1).index() + " was reached"
                : "the code failed, and simple mode runs it only once";
        err.println(colors.red("✗ No answer: " + why) + colors.faint(cost));
        if (result.answerText() != null && !result.answerText().isBlank()) {
            err.println(colors.yellow("The model's last word (not an answer, unchecked):"));
            err.println(result.answerText().strip());
        }
    }

    /** JSON answers pretty-printed; text and CSV as they were given. */
    private static String answerText(ProcessedAnswer answer) {
        if (answer.format() == AnswerFormat.JSON && answer.parseError() == null) {
            return PrettyJson.format(answer.value());
        }
        return answer.text().strip();
    }

    /** A path under the current directory is shown relative to it, as a person would type it. */
    private static String shown(Path path) {
        Path here = Path.of("").toAbsolutePath();
        return path.startsWith(here) ? here.relativize(path).toString() : path.toString();
    }
}
