package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.json.ReportJson;
import dev.codeact4j.cli.render.ReportView;
import dev.codeact4j.cli.render.RunStoreViews;
import dev.codeact4j.store.Age;
import dev.codeact4j.store.ExecutionReport;
import dev.codeact4j.store.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code codeact report}: how the recorded runs went, in figures: the seed's execution report. */
@Command(name = "report",
        customSynopsis = "codeact report [--json] [--since AGE] [--model SPEC]",
        description = {
                "Sums up the runs recorded in $CODEACT_HOME/runs.db: how many succeeded, how long they took, how "
                        + "many steps they needed, how long their code ran, which errors the code ran into most, "
                        + "and the tokens they used, in all and by model.",
                "Finished runs and incomplete ones (which count as unsuccessful) are included; runs still under way "
                        + "are not.",
                ""},
        exitCodeList = {
                "0:success, also when no run matches",
                "1:the run store could not be read (the message names the file)",
                "2:usage error: a bad --since"},
        footerHeading = "%nOutput:%n",
        footer = {
                "With --json: one JSON object with the fields:",
                "  runs, succeeded      how many runs, and how many ended with an answer",
                "  successRate          succeeded / runs, from 0 to 1",
                "  averageDurationMs    the wall-clock time of a finished run: the average,",
                "  p50DurationMs,       the median and the 95th percentile (nearest rank)",
                "  p95DurationMs",
                "  averageSteps         steps that ran code, per run (as 'history' counts them)",
                "  executionTimeMs      the time the code ran, in all (summed over every step)",
                "  commonErrors         [{type, count, example}]: the code's errors by exception",
                "                       type, most frequent first (ten at most); example is the",
                "                       message of the latest",
                "  inputTokens, outputTokens   in all",
                "  cacheHits            how many runs were answered from the cache, without the model",
                "  byModel              {MODEL: {the fields above but byModel and byDay}}, most",
                "                       runs first",
                "  byDay                [{day, runs, succeeded, successRate, p50DurationMs,",
                "                       p95DurationMs, inputTokens, outputTokens}]: every day (local",
                "                       time) from --since (the first run's day without it) to",
                "                       today, days without runs included"})
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Mixin
    OutputOptions.Json output;

    @Option(names = "--since", paramLabel = "AGE", converter = AgeConverter.class,
            description = "Only the runs started in the last AGE: Nd (days), Nh (hours) or Nm (minutes), e.g. 7d.")
    Duration since;

    @Option(names = "--model", paramLabel = "SPEC", description = "Only the runs of this model, e.g. openai:gpt-4o-mini.")
    String model;

    @Override
    public Integer call() {
        Instant from = since == null ? null : Instant.now().minus(since);
        Optional<RunStore> opened = RunStore.openToRead(codeact.runStoreFile());
        ExecutionReport report;
        if (opened.isEmpty()) {
            report = new ExecutionReport(0, 0, 0, 0, 0, 0, 0, 0, List.of(), 0, 0, Map.of());
        } else {
            try (RunStore store = opened.get()) {
                report = store.report(from, model);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (output.json) {
            out.println(JsonText.line(ReportJson.of(report), "report"));
        } else if (opened.isEmpty()) {
            err.println(RunStoreViews.noRunsYet(codeact.runStoreFile()));
        } else if (report.runs() == 0) {
            err.println("No runs" + scope(from) + ".");
        } else {
            ReportView.print(report, scope(from), out, Colors.of(spec.commandLine()));
        }
        out.flush();
        err.flush();
        return CodeactCommand.OK;
    }

    private String scope(Instant from) {
        return (from == null ? "" : " since " + RunStoreViews.minute(from) + " (the last " + spec.findOption("--since")
                .originalStringValues().get(0) + ")") + (model == null ? "" : " of " + model);
    }

    /** 7d, 12h, 30m: an age back from now (see {@link Age}). */
    static final class AgeConverter extends ParsingConverter<Duration> {
        AgeConverter() {
            super(Age::parse);
        }
    }
}
