package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@code search_tools(query)} ranks the tools (see {@link ToolDiscovery}): {@link #keywords()} by default;
 * {@code dev.codeact4j.memory.ToolEmbeddings} by meaning, with the memory module's embedding model. Give one to
 * {@code CodeActAgent.builder().toolSearch(...)}.
 */
public interface ToolSearch {

    /**
     * Ready to rank these tools: called once per agent, on its first search, so that what is costly (an embedding of
     * each tool) is done once.
     */
    Index index(List<Tool> tools);

    /** The tools of one agent, ready to be searched; used by several runs at once. */
    @FunctionalInterface
    interface Index {
        /** At most {@code limit} of the tools, the most relevant to the query first; none that plainly does not match. */
        List<Tool> search(String query, int limit);
    }

    /** BM25 over each tool's {@link #text}, its name counting twice: no model, nothing to load. */
    static ToolSearch keywords() {
        return KeywordToolSearch.INSTANCE;
    }

    /**
     * What a tool is found by: its name (its words apart: {@code read_graph}, {@code readGraph} as "read graph"),
     * its group, its description, and its parameters' names and descriptions, nested ones too.
     */
    static String text(Tool tool) {
        List<String> parts = new ArrayList<>();
        parts.add(KeywordToolSearch.words(tool.name()));
        if (!tool.group().isEmpty()) {
            parts.add(KeywordToolSearch.words(tool.group()));
        }
        if (!tool.description().isEmpty()) {
            parts.add(tool.description());
        }
        parameters(tool.parameters(), parts);
        return String.join("\n", parts);
    }

    private static void parameters(JsonNode schema, List<String> parts) {
        schema.path("properties").properties().forEach(entry -> {
            String description = entry.getValue().path("description").asText("").strip();
            parts.add(KeywordToolSearch.words(entry.getKey()) + (description.isEmpty() ? "" : ": " + description));
            parameters(entry.getValue(), parts);
            parameters(entry.getValue().path("items"), parts);
        });
    }
}
