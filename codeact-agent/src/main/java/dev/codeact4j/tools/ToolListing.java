package dev.codeact4j.tools;

import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.PythonTool;

import java.util.List;
import java.util.Locale;

/**
 * How the host tools are shown to the model. With a few tools, every signature and docstring in the system prompt
 * is right; with several MCP servers (fifty tools and more) that costs thousands of tokens at every step, and the
 * code had better find the tools it needs: {@code search_tools(query)} and {@code help(tool)} (see
 * {@link ToolDiscovery}).
 */
public enum ToolListing {
    /** Every tool's signature and docstring in the system prompt. */
    FULL,
    /**
     * The system prompt names the tool groups and their tools with one line each (only the groups when even that
     * takes more than the budget), and the code finds the rest with search_tools and help.
     */
    SEARCH,
    /** {@link #FULL} while the full listing fits in the budget, else {@link #SEARCH}. */
    AUTO;

    /**
     * The budget for the tool descriptions, in tokens, when none is given: the full listing of about twenty
     * tools, a knowledge-graph server and a file-system server together (see BENCHMARKS.md).
     */
    public static final int DEFAULT_BUDGET = 8_000;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ToolListing parse(String label) {
        for (ToolListing listing : values()) {
            if (listing.label().equalsIgnoreCase(label.strip())) {
                return listing;
            }
        }
        throw new IllegalArgumentException("unknown tool listing '" + label + "'; use full, search or auto");
    }

    /**
     * What this listing comes to for these tools: {@link #FULL} or {@link #SEARCH}; for {@link #AUTO}, search when
     * the full listing in this language ({@link Tools#stubs}) takes more than {@code budgetTokens} tokens
     * ({@link TokenCount}). No tools: full (there is nothing to list).
     */
    public ToolListing resolve(Tools tools, Language language, int budgetTokens) {
        return resolve(tools, List.of(), language, budgetTokens);
    }

    /**
     * As {@link #resolve(Tools, Language, int)}, for these tools and a session's Python tools (the functions of its
     * Python tool files), which the full listing shows after them and the budget counts with them.
     */
    public ToolListing resolve(Tools tools, List<PythonTool> pythonTools, Language language, int budgetTokens) {
        if (budgetTokens < 0) {
            throw new IllegalArgumentException("the tool listing's budget must be 0 tokens or more, got " + budgetTokens);
        }
        if (tools.isEmpty() && pythonTools.isEmpty()) {
            return FULL;
        }
        return switch (this) {
            case FULL, SEARCH -> this;
            case AUTO -> TokenCount.exceeds(tools.stubs(language, pythonTools), budgetTokens) ? SEARCH : FULL;
        };
    }
}
