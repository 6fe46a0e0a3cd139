package dev.codeact4j.server.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.ResultValue;

import java.util.List;

/** An execution as JSON: the fields described in {@code codeact exec --help}. */
public final class ExecutionJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JSON.getNodeFactory();

    private ExecutionJson() {
    }

    /**
     * One execution as the object {@code exec --json} prints for a snippet, {@code codeact mcp}'s execute_code
     * returns and the server's sessions answer with; {@code source} says where the code came from.
     */
    public static ObjectNode of(int index, String source, ExecutionResult result, List<SavedDisplay> displays) {
        ObjectNode line = NODES.objectNode()
                .put("index", index)
                .put("source", source)
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
        return line;
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
