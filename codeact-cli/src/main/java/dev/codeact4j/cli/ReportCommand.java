package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.store.ExecutionReport;
import dev.codeact4j.store.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
                "  byModel              {MODEL: {the fields above but byModel}}, most runs first"})
public final class ReportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        Optional<RunStore> opened = RunStoreViews.openIfRecorded(codeact.runStoreFile());
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
            try {
                out.println(JSON.writeValueAsString(json(report, true)));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("cannot write the report as JSON: " + e.getOriginalMessage(), e);
            }
        } else if (opened.isEmpty()) {
            err.println(RunStoreViews.noRunsYet(codeact.runStoreFile()));
        } else if (report.runs() == 0) {
            err.println("No runs" + scope(from) + ".");
        } else {
            print(report, from, out, Colors.of(spec.commandLine()));
        }
        out.flush();
        err.flush();
        return CodeactCommand.OK;
    }

    private String scope(Instant from) {
        return (from == null ? "" : " since " + RunStoreViews.minute(from) + " (the last " + spec.findOption("--since")
                .originalStringValues().get(0) + ")") + (model == null ? "" : " of " + model);
    }

    private void print(ExecutionReport report, Instant from, PrintWriter out, Colors colors) {
        out.println(colors.bold("Execution report: " + report.runs() + (report.runs() == 1 ? " run" : " runs") + scope(from)));
        line(out, colors, "succeeded", report.succeeded() + " of " + report.runs() + " (" + percent(report.successRate()) + ")");
        line(out, colors, "run time", "average " + AgentProgress.seconds(report.averageDurationMs()) + " · p50 "
                + AgentProgress.seconds(report.p50DurationMs()) + " · p95 " + AgentProgress.seconds(report.p95DurationMs()));
        line(out, colors, "steps", String.format(Locale.ROOT, "%.1f per run", report.averageSteps()));
        line(out, colors, "code time", AgentProgress.seconds(report.executionTimeMs()) + " in all");
        line(out, colors, "tokens", String.format(Locale.ROOT, "%,d in + %,d out", report.inputTokens(), report.outputTokens()));
        line(out, colors, "cache", report.cacheHits() + (report.cacheHits() == 1 ? " run" : " runs") + " answered from it");
        if (!report.commonErrors().isEmpty()) {
            out.println();
            out.println(colors.bold("Common errors"));
            int width = report.commonErrors().stream().mapToInt(error -> error.type().length()).max().orElse(0);
            int countWidth = String.valueOf(report.commonErrors().get(0).count()).length();
            for (ExecutionReport.CommonError error : report.commonErrors()) {
                out.println("  " + colors.red(String.format(Locale.ROOT, "%-" + width + "s", error.type()))
                        + String.format(Locale.ROOT, "  %" + countWidth + "d  ", error.count())
                        + colors.faint(RunStoreViews.abbreviated(error.example(), 80)));
            }
        }
        if (!report.byModel().isEmpty()) {
            out.println();
            out.println(colors.bold("By model"));
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"MODEL", "RUNS", "SUCCEEDED", "AVERAGE", "P95", "STEPS", "CODE", "TOKENS"});
            report.byModel().forEach((name, figures) -> rows.add(new String[] {
                    name,
                    String.valueOf(figures.runs()),
                    percent(figures.successRate()),
                    AgentProgress.seconds(figures.averageDurationMs()),
                    AgentProgress.seconds(figures.p95DurationMs()),
                    String.format(Locale.ROOT, "%.1f", figures.averageSteps()),
                    AgentProgress.seconds(figures.executionTimeMs()),
                    String.format(Locale.ROOT, "%,d/%,d", figures.inputTokens(), figures.outputTokens())}));
            int[] widths = new int[rows.get(0).length];
            rows.forEach(row -> {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            });
            for (int r = 0; r < rows.size(); r++) {
                StringBuilder text = new StringBuilder(" ");
                for (int i = 0; i < widths.length; i++) {
                    String cell = rows.get(r)[i];
                    text.append(' ').append(RunStoreViews.padded(cell, r == 0 ? colors.bold(cell) : cell, widths[i], i > 0));
                    text.append(' ');
                }
                out.println(text.toString().stripTrailing());
            }
        }
    }

    private static void line(PrintWriter out, Colors colors, String name, String value) {
        out.println("  " + colors.faint(String.format(Locale.ROOT, "%-10s", name)) + " " + value);
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", rate * 100);
    }

    /** The report as {@code report --json} prints it; {@code byModel} only at the top. */
    static ObjectNode json(ExecutionReport report, boolean withModels) {
        ObjectNode node = JSON.createObjectNode()
                .put("runs", report.runs())
                .put("succeeded", report.succeeded())
                .put("successRate", report.successRate())
                .put("averageDurationMs", report.averageDurationMs())
                .put("p50DurationMs", report.p50DurationMs())
                .put("p95DurationMs", report.p95DurationMs())
                .put("averageSteps", report.averageSteps())
                .put("executionTimeMs", report.executionTimeMs());
        ArrayNode errors = node.putArray("commonErrors");
        for (ExecutionReport.CommonError error : report.commonErrors()) {
            errors.addObject().put("type", error.type()).put("count", error.count()).put("example", error.example());
        }
        node.put("inputTokens", report.inputTokens()).put("outputTokens", report.outputTokens())
                .put("cacheHits", report.cacheHits());
        if (withModels) {
            ObjectNode byModel = node.putObject("byModel");
            report.byModel().forEach((name, figures) -> byModel.set(name, json(figures, false)));
        }
        return node;
    }

    /** 7d, 12h, 30m: an age back from now. */
    static final class AgeConverter implements ITypeConverter<Duration> {
        private static final Pattern AGE = Pattern.compile("(\\d{1,6})([dhm])");

        @Override
        public Duration convert(String value) {
            Matcher age = AGE.matcher(value.strip().toLowerCase(Locale.ROOT));
            if (!age.matches()) {
                throw new TypeConversionException("'" + value + "' is not an age; write a number and d, h or m, "
                        + "e.g. 7d (days), 12h (hours) or 30m (minutes)");
            }
            long amount = Long.parseLong(age.group(1));
            return switch (age.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofMinutes(amount);
            };
        }
    }
}
