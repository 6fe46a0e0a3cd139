package dev.codeact4j.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.Step;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.server.json.SavedDisplay;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * What the MCP tools do with the figures their code draws, besides returning them as images: {@code codeact mcp}
 * saves them as files under its output directory and names the files in the JSON; over HTTP, where the client is
 * on another machine and shares no file system, they stay in the JSON ({@link #inline()}).
 */
public interface Figures {
    /** execute_code: the execution's displays as its JSON lists them ({@code path}, {@code data} or {@code error}). */
    List<SavedDisplay> displays(List<Display> displays);

    /** run_agent: the run's JSON (that of {@code codeact run --json}), each step's {@code figures} filled in. */
    ObjectNode run(AgentResult result) throws IOException;

    /**
     * Figures kept in the JSON: execute_code's displays as {@code {mime, data}} (a PNG's data in base64, an SVG's
     * text), as the sessions API answers; run_agent's step figures as {@code data:} URIs where a file's path would
     * be, so that the field stays a list of strings a browser can show.
     */
    static Figures inline() {
        return new Figures() {
            @Override
            public List<SavedDisplay> displays(List<Display> displays) {
                return displays.stream().map(display -> SavedDisplay.inline(display.mime(), display.data())).toList();
            }

            @Override
            public ObjectNode run(AgentResult result) {
                ObjectNode run = RunJson.of(result, Map.of());
                for (JsonNode stepNode : run.withArray("steps")) {
                    ArrayNode figures = ((ObjectNode) stepNode).putArray("figures");
                    result.steps().stream().filter(step -> step.index() == stepNode.path("index").asInt())
                            .findFirst().map(Step::execution).ifPresent(execution -> execution.displays().stream()
                                    .filter(Display::isImage).forEach(display -> figures.add(dataUri(display))));
                }
                return run;
            }

            private static String dataUri(Display display) {
                return "data:" + display.mime() + ";base64," + Base64.getEncoder().encodeToString(display.bytes());
            }
        };
    }
}
