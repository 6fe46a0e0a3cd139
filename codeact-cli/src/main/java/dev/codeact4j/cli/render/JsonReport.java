package dev.codeact4j.cli.render;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.server.json.ExecutionJson;
import dev.codeact4j.server.json.JsonText;
import dev.codeact4j.server.json.SavedDisplay;

import java.io.PrintWriter;
import java.util.List;

/**
 * One JSON object per snippet, one per line, written when the snippet has finished (nothing is streamed, so
 * standard output stays parseable line by line). The fields are described in {@code codeact exec --help}.
 */
public final class JsonReport implements ExecReport {
    private final PrintWriter out;

    public JsonReport(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void onOutput(String stream, String text) {
        // collected in the result and written with it
    }

    @Override
    public void snippetFinished(int index, Snippet snippet, ExecutionResult result, List<SavedDisplay> displays) {
        out.println(line(index, snippet.source(), result, displays));
        out.flush();
    }

    /** One snippet's object on one line, as {@code exec --json} prints it. */
    public static String line(int index, String source, ExecutionResult result, List<SavedDisplay> displays) {
        return JsonText.line(ExecutionJson.of(index, source, result, displays), "result");
    }
}
