package dev.codeact4j.cli.render;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.ResultValue;

import java.io.PrintWriter;
import java.util.List;

/**
 * One JSON object per snippet, one per line, written when the snippet has finished (nothing is streamed, so
 * standard output stays parseable line by line). The fields are described in {@code codeact exec --help}.
 */
public final class JsonReport implements ExecReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JSON.getNodeFactory();

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
        out.println(line(index, snippet, result, displays));
        out.flush();
    }

    /** One snippet's object on one line, as {@code exec --json} prints it (and {@code codeact mcp}'s execute_code returns it). */
    public static String line(int index, Snippet snippet, ExecutionResult result, List<SavedDisplay> displays) {
        ObjectNode line = NODES.objectNode()
                .put("index", index)
                .put("source", snippet.source())
                .put("ok", result.ok())
                .put("stdout", result.stdout())
                .put("stderr", result.stderr());
        line.set("result", result(result.result()));
        line.set("final", result(result.finalAnswer()));
        line.set("error", error(result.error()));
        line.set("displays", displays(displays));
        // The record's own fields: host, port, method, allowed, refusal, bytesSent, bytesReceived.
        line.set("network", JSON.valueToTree(result.networkRequests()));
        line.put("durationMs", result.duration().toMillis())
                .put("timedOut", result.timedOut())
                .put("truncated", result.truncated())
                .put("restarted", result.restarted());
        return JsonText.line(line, "result");
    }

    /**
     * A value (the result, or the final answer) as {repr, type, json}: the repr is kept next to the JSON value,
     * which only some types have ({@code json} is null otherwise).
     */
    private static ObjectNode result(ResultValue value) {
        if (value == null) {
            return null;
        }
        ObjectNode node = NODES.objectNode().put("repr", value.repr()).put("type", value.type());
        node.set("json", value.json() == null ? NODES.nullNode() : value.json());
        return node;
    }

    private static ObjectNode error(ExecutionError error) {
        if (error == null) {
            return null;
        }
        return NODES.objectNode()
                .put("type", error.type())
                .put("message", error.message())
                .put("traceback", error.traceback());
    }

    private static ArrayNode displays(List<SavedDisplay> displays) {
        ArrayNode array = NODES.arrayNode();
        for (SavedDisplay display : displays) {
            ObjectNode node = array.addObject().put("mime", display.mime());
            if (display.isFile()) {
                node.put("path", display.path().toString());
            } else if (display.isUnsaved()) {
                node.put("error", display.error());
            } else {
                node.put("data", display.data());
            }
        }
        return array;
    }
}
