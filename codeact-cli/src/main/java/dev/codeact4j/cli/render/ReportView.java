package dev.codeact4j.cli.render;

import dev.codeact4j.server.json.ReportJson;
import dev.codeact4j.store.ExecutionReport;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code codeact report}'s figures for people (as JSON: ReportJson). */
public final class ReportView {
    private ReportView() {
    }

    /** The report for people; {@code scope} says which runs it covers (" since ...", " of MODEL"), or is empty. */
    public static void print(ExecutionReport report, String scope, PrintWriter out, Colors colors) {
        out.println(colors.bold("Execution report: " + report.runs() + (report.runs() == 1 ? " run" : " runs") + scope));
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

}
