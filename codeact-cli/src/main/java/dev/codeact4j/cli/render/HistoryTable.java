package dev.codeact4j.cli.render;

import dev.codeact4j.server.json.RunSummaryJson;
import dev.codeact4j.store.RunSummary;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code codeact history}'s runs for people, one line each (JSON lines: RunSummaryJson). */
public final class HistoryTable {
    private static final int TASK_WIDTH = 60;
    private static final int MODEL_WIDTH = 32;

    private HistoryTable() {
    }

    /** The runs as a table, a header line first. */
    public static void print(List<RunSummary> runs, PrintWriter out, Colors colors) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "STARTED", "MODEL", "LANG", "STATUS", "STEPS", "DURATION", "TOKENS IN/OUT", "TASK"});
        for (RunSummary run : runs) {
            rows.add(new String[] {
                    RunStoreViews.shortId(run.id()),
                    RunStoreViews.minute(run.startedAt()),
                    RunStoreViews.abbreviated(run.model() == null ? "?" : run.model(), MODEL_WIDTH),
                    run.language().id(),
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
        boolean[] numeric = {false, false, false, false, false, true, true, true, false};
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String shown = r == 0 ? colors.bold(row[i])
                        : i == 4 ? RunStoreViews.status(runs.get(r - 1).status(), colors) : row[i];
                line.append(i == row.length - 1 ? shown : RunStoreViews.padded(row[i], shown, widths[i], numeric[i]));
                if (i < row.length - 1) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

}
