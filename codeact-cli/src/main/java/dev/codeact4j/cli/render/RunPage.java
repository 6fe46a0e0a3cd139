package dev.codeact4j.cli.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.StopReason;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.network.NetworkRequest;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.StoredRun;
import dev.codeact4j.store.StoredStep;
import picocli.CommandLine.Help.Ansi.Style;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/** A recorded run for a person to read ({@code codeact show}), laid out like the live progress of {@code codeact run}. */
public record RunPage(PrintWriter out, Colors colors) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RULE_WIDTH = 72;

    /** The run whole, on the writer. */
    public void print(StoredRun run) {
        out.println(colors.bold("Run " + run.id()));
        field("task", String.join("\n" + " ".repeat(11), AgentProgress.wrap(run.task().strip(), RULE_WIDTH)));
        field("model", (run.model() == null ? "?" : run.model()) + (run.mode() == null ? "" : " · " + run.mode()));
        field("status", RunStoreViews.status(run.status(), colors) + colors.faint(statusDetail(run)));
        long modelMs = run.steps().stream().mapToLong(StoredStep::modelMs).sum();
        long codeMs = run.steps().stream().mapToLong(StoredStep::executionMs).sum();
        String took = run.durationMs() == null ? "" : " · took " + AgentProgress.seconds(run.durationMs());
        long steps = run.steps().stream().filter(StoredStep::ranCode).count(); // as the history counts them
        field("started", RunStoreViews.second(run.startedAt()) + took + " (model " + AgentProgress.seconds(modelMs)
                + ", code " + AgentProgress.seconds(codeMs) + ") · " + steps
                + (steps == 1 ? " step · " : " steps · ")
                + AgentProgress.tokens(run.inputTokens(), run.outputTokens()));
        // At the step limit, the last call asks for the model's best answer: it is no step, as in the progress.
        StoredStep lastWord = StopReason.MAX_STEPS.label().equals(run.reason()) && !run.steps().isEmpty()
                ? run.steps().get(run.steps().size() - 1) : null;
        for (StoredStep step : run.steps()) {
            step(step, run.language(), step == lastWord ? "Step limit reached: the model's best answer" : "Step " + (step.index() + 1));
        }
        answer(run);
    }

    private void field(String name, String value) {
        out.println("  " + colors.faint(String.format(Locale.ROOT, "%-8s", name)) + " " + value);
    }

    private static String statusDetail(StoredRun run) {
        return switch (run.status()) {
            case SUCCEEDED, FAILED -> run.reason() == null ? "" : " (" + run.reason() + ")";
            case INCOMPLETE -> run.error() != null ? " (" + run.error() + ")" : " (its process ended before the run finished)";
            case CANCELLED -> " (stopped by whoever started it)";
            case RUNNING -> " (under way in process " + run.pid() + " on " + run.host() + ")";
        };
    }

    private void step(StoredStep step, Language language, String title) {
        out.println();
        out.println(colors.styled("── " + title + " " + "─".repeat(RULE_WIDTH - title.length() - 4), Style.bold, Style.fg_cyan));
        if (step.thought() != null && !step.thought().isBlank()) {
            AgentProgress.wrap(step.thought().strip(), RULE_WIDTH + 8).forEach(line -> out.println(colors.faint(line)));
        }
        if (step.code() == null) {
            out.println(colors.yellow("  ! " + step.observation()));
            out.println(colors.faint("  model " + AgentProgress.seconds(step.modelMs()) + ", "
                    + AgentProgress.tokens(step.inputTokens(), step.outputTokens())));
            return;
        }
        if (step.thought() != null && !step.thought().isBlank()) {
            out.println();
        }
        List<String> lines = new CodeHighlighter(colors, language).lines(step.code().stripTrailing());
        int width = Math.max(3, Integer.toString(lines.size()).length());
        for (int i = 0; i < lines.size(); i++) {
            out.println(colors.faint(String.format(Locale.ROOT, " %" + width + "d │ ", i + 1)) + lines.get(i));
        }
        output(step);
        String cost = " · code " + AgentProgress.seconds(step.executionMs()) + " · model "
                + AgentProgress.seconds(step.modelMs()) + ", " + AgentProgress.tokens(step.inputTokens(), step.outputTokens());
        ExecutionError error = step.error();
        if (error != null) {
            List<String> traceback = error.traceback().stripTrailing().lines().toList();
            // A Python traceback ends with the error as Python words it ("json.decoder.JSONDecodeError: ...",
            // a SyntaxError without its location): that line closes the step, so the error is said once.
            String last = traceback.isEmpty() ? "" : traceback.get(traceback.size() - 1).strip();
            boolean endsWithTheError = last.equals(error.type()) || last.startsWith(error.type() + ":")
                    || last.contains("." + error.type() + ":");
            String summary = endsWithTheError ? last : error.summary();
            if (endsWithTheError) {
                traceback = traceback.subList(0, traceback.size() - 1);
            }
            traceback.forEach(line -> out.println(colors.red("  " + line)));
            out.println(colors.red("  ✗ " + summary) + colors.faint(cost));
        } else if (step.observation() != null && step.observation().startsWith("Final answer")) {
            out.println(colors.green("  ✓ final answer") + colors.faint(cost));
        } else if (step.observation() != null && !step.observation().startsWith("Observation:")) {
            out.println(colors.yellow("  ! " + step.observation())); // e.g. an answer the schema refused
        } else {
            out.println(colors.green("  ✓ ran") + colors.faint(cost));
        }
    }

    private void output(StoredStep step) {
        boolean printed = step.stdout() != null && !step.stdout().isEmpty();
        boolean warned = step.stderr() != null && !step.stderr().isEmpty();
        if (printed || warned) {
            out.println(colors.faint("  ── output"));
        }
        if (printed) {
            step.stdout().stripTrailing().lines().forEach(line -> out.println("  " + line));
        }
        if (warned) {
            step.stderr().stripTrailing().lines().forEach(line -> out.println(colors.yellow("  " + line)));
        }
        if (step.result() != null) {
            out.println("  => " + step.result().replace("\n", "\n     "));
        }
        for (JsonNode stored : step.network()) {
            NetworkRequest request = networkRequest(stored);
            String line = "  network: " + request.summary();
            out.println(request.allowed() ? colors.faint(line) : colors.yellow(line));
        }
    }

    /** A request as the store keeps it: the fields of {@link NetworkRequest}, written by Jackson. */
    private static NetworkRequest networkRequest(JsonNode stored) {
        try {
            return JSON.treeToValue(stored, NetworkRequest.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a network request in the store is not readable: " + stored, e);
        }
    }

    private void answer(StoredRun run) {
        out.println();
        if (run.status() == RunStatus.SUCCEEDED && run.answerText() != null) {
            String format = run.format() == null ? "" : " (" + run.format() + ")";
            out.println(colors.styled("── Answer" + format + " " + "─".repeat(RULE_WIDTH - 10 - format.length()),
                    Style.bold, Style.fg_green));
            if (run.parseError() != null) {
                out.println(colors.yellow("! " + run.parseError() + "; the answer is shown as given"));
            }
            boolean json = AnswerFormat.JSON.label().equals(run.format()) && run.parseError() == null && run.answer() != null;
            out.println(json ? PrettyJson.format(run.answer()) : run.answerText().strip());
        } else if (run.status() == RunStatus.FAILED && run.error() != null) {
            out.println(colors.red("✗ No answer: " + run.error()) + colors.faint(" (" + run.reason() + ")"));
        } else if (run.status() == RunStatus.FAILED) {
            out.println(colors.red("✗ No answer") + colors.faint(run.reason() == null ? "" : " (" + run.reason() + ")"));
            if (run.answerText() != null && !run.answerText().isBlank()) {
                out.println(colors.yellow("The model's last word (not an answer, unchecked):"));
                out.println(run.answerText().strip());
            }
        } else {
            out.println(colors.yellow(switch (run.status()) {
                case RUNNING -> "No answer yet: the run is under way.";
                case CANCELLED -> "No answer: the run was cancelled.";
                default -> "No answer: the run never finished.";
            }));
        }
    }
}
