package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code codeact history}: the latest runs recorded in the run store, one line each. */
@Command(name = "history",
        customSynopsis = "codeact history [--json] [-n N]",
        description = {
                "Lists the latest runs of 'codeact run' and 'codeact demo', latest first.",
                "Every run is recorded in $CODEACT_HOME/runs.db (CODEACT_HOME defaults to ~/.codeact): its task, "
                        + "model, steps, code, outputs, errors, tokens, times and answer. A run the model or its provider "
                        + "failed is listed as failed (reason model_error; 'codeact show' has the provider's message), "
                        + "one whose process ended before it finished (a crash, a kill) as incomplete. "
                        + "'codeact show ID' shows a run whole; 'codeact report' sums them up. A store that cannot "
                        + "be written (on a read-only mount, say) is read all the same, read-only.",
                ""},
        exitCodeList = {
                "0:success, also when no run is recorded yet",
                "1:the run store could not be read (the message names the file)",
                "2:usage error"},
        footerHeading = "%nOutput:%n",
        footer = {
                "Without --json: a table with the start of each run's id (enough for",
                "'codeact show'), when it started, its model, status, steps, duration, tokens",
                "(in/out) and task. STEPS counts the steps that ran code, as 'show' and",
                "'report' do: a reply without code, or the model's last word at the step",
                "limit, is not one (so --max-steps 3 lists at most 3).",
                "",
                "With --json: one JSON object per run, one per line, latest first, with the",
                "fields id, startedAt (ISO-8601, UTC), model, mode, status (running, succeeded,",
                "failed or incomplete), reason, steps, durationMs (null unless finished),",
                "inputTokens, outputTokens and task."})
public final class HistoryCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TASK_WIDTH = 60;
    private static final int MODEL_WIDTH = 32;

    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Option(names = "-n", paramLabel = "N", defaultValue = "20", description = "How many runs (default: ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    OutputOptions.Json output;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "-n must be at least 1, got " + limit + ".");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<RunStore> opened = RunStoreViews.openIfRecorded(codeact.runStoreFile());
        List<RunSummary> runs;
        if (opened.isEmpty()) {
            runs = List.of();
        } else {
            try (RunStore store = opened.get()) {
                runs = store.history(limit);
            }
        }
        if (output.json) {
            runs.forEach(run -> out.println(json(run)));
        } else if (runs.isEmpty()) {
            err.println(RunStoreViews.noRunsYet(codeact.runStoreFile()));
        } else {
            table(runs, out, Colors.of(spec.commandLine()));
        }
        out.flush();
        err.flush();
        return CodeactCommand.OK;
    }

    private static void table(List<RunSummary> runs, PrintWriter out, Colors colors) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "STARTED", "MODEL", "STATUS", "STEPS", "DURATION", "TOKENS IN/OUT", "TASK"});
        for (RunSummary run : runs) {
            rows.add(new String[] {
                    ShowCommand.shortId(run.id()),
                    RunStoreViews.minute(run.startedAt()),
                    RunStoreViews.abbreviated(run.model() == null ? "?" : run.model(), MODEL_WIDTH),
                    run.status().label(),
                    String.valueOf(run.steps()),
                    run.durationMs() == null ? "-" : AgentProgress.seconds(run.durationMs()),
                    String.format(Locale.ROOT, "%,d/%,d", run.inputTokens(), run.outputTokens()),
                    RunStoreViews.abbreviated(run.task(), TASK_WIDTH)});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        boolean[] numeric = {false, false, false, false, true, true, true, false};
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String shown = r == 0 ? colors.bold(row[i])
                        : i == 3 ? RunStoreViews.status(runs.get(r - 1).status(), colors) : row[i];
                line.append(i == row.length - 1 ? shown : RunStoreViews.padded(row[i], shown, widths[i], numeric[i]));
                if (i < row.length - 1) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String json(RunSummary run) {
        ObjectNode node = JSON.createObjectNode()
                .put("id", run.id())
                .put("startedAt", run.startedAt().toString())
                .put("model", run.model())
                .put("mode", run.mode())
                .put("status", run.status().label())
                .put("reason", run.reason())
                .put("steps", run.steps())
                .put("durationMs", run.durationMs())
                .put("inputTokens", run.inputTokens())
                .put("outputTokens", run.outputTokens())
                .put("task", run.task());
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write the run as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
