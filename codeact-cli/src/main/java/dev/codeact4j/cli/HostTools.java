package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.OutputListener;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.McpServers;
import dev.codeact4j.tools.Tools;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/**
 * The host tools of one command: those of {@code --tools-class} classes and of the MCP servers it started, which
 * closing stops. {@code servers} is null when there are none.
 */
record HostTools(Tools tools, McpServers servers) implements AutoCloseable {
    /** How long one tool call may take, as in the agent. */
    static final Duration CALL_LIMIT = Duration.ofSeconds(60);

    /** Starts the MCP servers and puts their tools beside the classes' ones; says on {@code err} what each offers. */
    static HostTools start(Tools classTools, List<McpEndpoint> endpoints, PrintWriter err, Colors colors) {
        if (endpoints.isEmpty()) {
            return new HostTools(classTools, null);
        }
        McpServers servers = McpServers.start(endpoints);
        Tools tools;
        try {
            tools = servers.addTo(classTools);
        } catch (RuntimeException e) {
            servers.close();
            throw e;
        }
        List<String> names = tools.list().stream().map(tool -> tool.name()).toList();
        err.println(colors.faint("[tools: " + String.join(", ", names) + "]"));
        err.flush();
        return new HostTools(tools, servers);
    }

    /** Defines the tools as functions in the session and routes their calls here. */
    void offerTo(Session session) {
        tools.offerTo(session, CALL_LIMIT);
    }

    /** Runs code in a session the tools were offered to, defining them again in a replaced interpreter. */
    ExecutionResult execute(Session session, String code, Duration timeout, OutputListener listener) {
        return execute(session, code, null, timeout, listener);
    }

    /** As above, for code read from a file: tracebacks name it {@code filename} (null: {@code <cell-N>}). */
    ExecutionResult execute(Session session, String code, String filename, Duration timeout, OutputListener listener) {
        return tools.execute(session, code, filename, timeout, listener, CALL_LIMIT);
    }

    @Override
    public void close() {
        if (servers != null) {
            servers.close();
        }
    }
}
