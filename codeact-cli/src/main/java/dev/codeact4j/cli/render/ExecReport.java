package dev.codeact4j.cli.render;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.OutputListener;

import dev.codeact4j.server.json.SavedDisplay;
import java.util.List;

/**
 * How {@code exec} shows what the snippets did: for a person ({@link HumanReport}) or as one JSON object per
 * snippet ({@link JsonReport}). Output arrives while a snippet runs, through {@link #onOutput}; the rest
 * once it has finished.
 */
public interface ExecReport extends OutputListener {

    void snippetFinished(int index, Snippet snippet, ExecutionResult result, List<SavedDisplay> displays);
}
