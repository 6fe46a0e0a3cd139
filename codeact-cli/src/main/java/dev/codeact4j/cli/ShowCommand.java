package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.RunPage;
import dev.codeact4j.cli.render.RunStoreViews;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.StoredRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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
                "cached, reusedFrom, language), then mode, status (running, succeeded, failed,",
                "incomplete or cancelled), error (when the model, its provider or something",
                "else failed: what went wrong, with the provider's message; when a server",
                "stopped it on shutdown, that; else null), startedAt,",
                "finishedAt (ISO-8601, UTC) and attempts.",
                "Each step also has, after run's fields, stdout, stderr, result (the repr of",
                "the last expression), toolCalls [{name, arguments, result, error,",
                "durationMs}] and network [{host, port, method, allowed, refusal, bytesSent,",
                "bytesReceived}]; its figures are null: they are not kept."})
public final class ShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Parameters(paramLabel = "RUN_ID", description = "The run's id, or enough of its start to name one run "
            + "(the ID column of 'codeact history').")
    String runId;

    @Mixin
    OutputOptions.Json output;

    @Override
    public Integer call() {
        Optional<RunStore> opened = RunStore.openToRead(codeact.runStoreFile());
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
            out.println(JsonText.line(RunJson.of(run), "run"));
        } else {
            new RunPage(out, Colors.of(spec.commandLine())).print(run);
        }
        out.flush();
        return CodeactCommand.OK;
    }
}
