package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.StopReason;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.NetworkRequest;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.StoredRun;
import dev.codeact4j.store.StoredStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi.Style;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code codeact show}: one recorded run, whole: its task, every step's code, output and errors, its answer. */
@Command(name = "show",
        customSynopsis = "codeact show [--json] RUN_ID",
        description = {
                "Shows a run recorded in $CODEACT_HOME/runs.db, whole: the task, the model, how it ended, and each "
                        + "step's thought, code, output and error with its traceback, then the answer.",
                ""},
        exitCodeList = {
                "0:success",
                "1:the run store could not be read (the message names the file)",
                "2:usage error: no such run, or an id that starts several runs' ids"},
        footerHeading = "%nOutput:%n",
        footer = {
                "With --json: one JSON object with the fields of 'codeact run --json', in its",
                "order and with the same values (runId, model, task, success, reason, answer,",
                "answerText, format, parseError, steps, durationMs, inputTokens, outputTokens,",
                "cached, reusedFrom), then mode, status (running, succeeded, failed or",
                "incomplete), error (when the model, its provider or something else failed:",
                "what went wrong, with the provider's message; else null), startedAt,",
                "finishedAt (ISO-8601, UTC) and attempts.",
                "Each step also has, after run's fields, stdout, stderr, result (the repr of",
                "the last expression), toolCalls [{name, arguments, result, error,",
                "durationMs}] and network [{host, port, method, allowed, refusal, bytesSent,",
                "bytesReceived}]; its figures are null: they are not kept."})
public final class ShowCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ID_PREFIX = 8;
    private static final int RULE_WIDTH = 72;

    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Parameters(paramLabel = "RUN_ID", description = "The run's id, or enough of its start to name one run "
            + "(the ID column of 'codeact history').")
    String runId;

    @Mixin
    OutputOptions.Json output;

    /** As much of a run id as the history shows: enough to tell runs apart, short enough to type. */
    static String shortId(String id) {
        return id.length() <= ID_PREFIX ? id : id.substring(0, ID_PREFIX);
    }

    @Override
    public Integer call() {
        Optional<RunStore> opened = RunStoreViews.openIfRecorded(codeact.runStoreFile());
        if (opened.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "No run '" + runId + "': "
                    + RunStoreViews.noRunsYet(codeact.runStoreFile()));
        }
        StoredRun run;
        try (RunStore store = opened.get()) {
            run = store.find(runId).orElseThrow(() -> new ParameterException(spec.commandLine(), "No run '" + runId
                    + "' in " + codeact.runStoreFile() + "; 'codeact history' lists the latest."));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + ".");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            try {
                out.println(JSON.writeValueAsString(RunJson.of(run)));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("cannot write the run as JSON: " + e.getOriginalMessage(), e);
            }
        } else {
            new Whole(out, Colors.of(spec.commandLine())).print(run);
        }
        out.flush();
        return CodeactCommand.OK;
    }

    /** A run for a person to read, laid out like the live progress of {@code codeact run}. */
    private record Whole(PrintWriter out, Colors colors) {

        void print(StoredRun run) {
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
                step(step, step == lastWord ? "Step limit reached: the model's best answer" : "Step " + (step.index() + 1));
            }
            answer(run);
        }

        private void field(String name, String value) {
            out.println("  " + colors.faint(String.format(Locale.ROOT, "%-8s", name)) + " " + value);
        }

        private static String statusDetail(StoredRun run) {
            return switch (run.status()) {
                case SUCCEEDED, FAILED -> run.reason() == null ? "" : " (" + run.reason() + ")";
                case INCOMPLETE -> " (its process ended before the run finished)";
                case RUNNING -> " (under way in process " + run.pid() + " on " + run.host() + ")";
            };
        }

        private void step(StoredStep step, String title) {
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
            List<String> lines = new PythonHighlighter(colors).lines(step.code().stripTrailing());
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
                out.println(colors.yellow(run.status() == RunStatus.RUNNING ? "No answer yet: the run is under way."
                        : "No answer: the run never finished."));
            }
        }
    }
}
