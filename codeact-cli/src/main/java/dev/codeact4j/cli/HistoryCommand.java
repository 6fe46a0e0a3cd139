package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.HistoryTable;
import dev.codeact4j.cli.render.RunStoreViews;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.json.RunSummaryJson;
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
import java.util.List;
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
                "'codeact show'), when it started, its model, language, status, steps, duration, tokens",
                "(in/out) and task. STEPS counts the steps that ran code, as 'show' and",
                "'report' do: a reply without code, or the model's last word at the step",
                "limit, is not one (so --max-steps 3 lists at most 3).",
                "",
                "With --json: one JSON object per run, one per line, latest first, with the",
                "fields id, startedAt (ISO-8601, UTC), model, mode, language (python or",
                "javascript), status (running, succeeded, failed, incomplete or cancelled), reason,",
                "steps, durationMs (null unless finished),",
                "inputTokens, outputTokens and task."})
public final class HistoryCommand implements Callable<Integer> {

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
        Optional<RunStore> opened = RunStore.openToRead(codeact.runStoreFile());
        List<RunSummary> runs;
        if (opened.isEmpty()) {
            runs = List.of();
        } else {
            try (RunStore store = opened.get()) {
                runs = store.history(limit);
            }
        }
        if (output.json) {
            runs.forEach(run -> out.println(JsonText.line(RunSummaryJson.of(run), "run")));
        } else if (runs.isEmpty()) {
            err.println(RunStoreViews.noRunsYet(codeact.runStoreFile()));
        } else {
            HistoryTable.print(runs, out, Colors.of(spec.commandLine()));
        }
        out.flush();
        err.flush();
        return CodeactCommand.OK;
    }
}
