package dev.codeact4j.cli.render;

import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.network.NetworkRequest;
import dev.codeact4j.sandbox.ResultValue;

import dev.codeact4j.server.json.SavedDisplay;
import java.io.PrintWriter;
import java.util.List;

/**
 * What a person wants to read: the code's output as it is printed (its stderr on stderr), then the figures
 * saved, the result as {@code => repr}, the value given to final_answer(...) as {@code => final answer: repr},
 * and problems (errors, figures not saved, timeouts, restarts) highlighted on stderr, each once.
 */
public final class HumanReport implements ExecReport {
    private final PrintWriter out;
    private final PrintWriter err;
    private final Colors colors;
    private final int snippetCount;
    // Whether each stream ends a line, so that our own lines never start in the middle of the code's output.
    private boolean outAtLineStart = true;
    private boolean errAtLineStart = true;

    public HumanReport(PrintWriter out, PrintWriter err, Colors colors, int snippetCount) {
        this.out = out;
        this.err = err;
        this.colors = colors;
        this.snippetCount = snippetCount;
    }

    // The session may call this from the thread that reads a child process's output.
    @Override
    public synchronized void onOutput(String stream, String text) {
        if (text.isEmpty()) {
            return;
        }
        if ("stderr".equals(stream)) {
            err.print(text);
            err.flush();
            errAtLineStart = text.endsWith("\n");
        } else {
            out.print(text);
            out.flush();
            outAtLineStart = text.endsWith("\n");
        }
    }

    @Override
    public synchronized void snippetFinished(int index, Snippet snippet, ExecutionResult result,
                                             List<SavedDisplay> displays) {
        ResultValue value = result.result();
        for (SavedDisplay display : displays) {
            if (display.isFile()) {
                outLine("[saved figure to " + display.path() + "]");
            } else if (display.isUnsaved()) {
                errLine(colors.red("[figure not saved: " + display.error() + "]"));
            } else if (display.mime().equals("text/plain") && (value == null || !display.data().equals(value.repr()))) {
                outLine(display.data()); // a table shown with display(); one that is the result is printed below
            }
            // application/json displays are the tables already shown as text
        }
        if (value != null) {
            outLine((value.repr().contains("\n") ? "=>\n" : "=> ") + value.repr()); // tables start on their own line
        }
        ResultValue finalAnswer = result.finalAnswer();
        if (finalAnswer != null) {
            outLine("=> final answer:" + (finalAnswer.repr().contains("\n") ? "\n" : " ") + finalAnswer.repr());
        }
        if (result.error() != null) {
            printError(index, snippet, result);
        }
        for (NetworkRequest request : result.networkRequests()) {
            String line = "[network] " + request.summary();
            errLine(request.allowed() ? colors.faint(line) : colors.yellow(line));
        }
        if (result.truncated()) {
            errLine(colors.yellow("[output was cut to the session's limit: print less, or summarise]"));
        }
        // A restart is not announced here: the error of the snippet that lost the interpreter says so, and so does
        // the session's notice when it died between snippets; a third line would only repeat them.
        out.flush();
        err.flush();
    }

    private void printError(int index, Snippet snippet, ExecutionResult result) {
        ExecutionError error = result.error();
        if (snippetCount > 1) {
            errLine(colors.red("snippet " + (index + 1) + " of " + snippetCount + " (" + snippet.source() + ") failed:"));
        }
        // A traceback ends with the error's type and message itself. A timed-out snippet's traceback says where it
        // was interrupted, which would only distract.
        if (!result.timedOut() && !error.traceback().isBlank()) {
            errLine(colors.red(error.traceback().stripTrailing()));
        } else {
            errLine(colors.red((result.timedOut() ? "[timed out] " : "") + error.summary()));
        }
    }

    private void outLine(String line) {
        if (!outAtLineStart) {
            out.println();
        }
        out.println(line);
        outAtLineStart = true;
    }

    private void errLine(String line) {
        if (!errAtLineStart) {
            err.println();
        }
        err.println(line);
        errAtLineStart = true;
    }
}
