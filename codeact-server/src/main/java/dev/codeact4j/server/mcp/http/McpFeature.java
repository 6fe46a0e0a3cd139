package dev.codeact4j.server.mcp.http;

import dev.codeact4j.server.http.Feature;
import dev.codeact4j.server.mcp.Figures;
import dev.codeact4j.server.mcp.McpTools;
import dev.codeact4j.server.settings.ServerLimits;
import dev.codeact4j.server.settings.ServerSettings;
import io.javalin.config.RoutesConfig;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.http.HttpServlet;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * MCP over streamable HTTP at {@code /mcp}: the tools of {@code codeact mcp} ({@link McpTools}), served by the MCP
 * SDK's servlet transport behind the API's checks. Each MCP session has its own sandbox session per language,
 * ended with it (see {@link McpSessionServlet}) and when the server stops; figures come back inline, as the client
 * shares no file system with the server.
 */
public final class McpFeature implements Feature {
    public static final String PATH = "/mcp";
    /** How long one host tool call may take, as in the agents. */
    private static final Duration TOOL_CALL_LIMIT = Duration.ofSeconds(60);
    /** The most between two pings of a client's event stream: a client gone without a word is noticed by them. */
    private static final Duration MAX_KEEP_ALIVE = Duration.ofSeconds(30);

    private final McpTools tools;
    private final McpSyncServer server;
    private final McpSessionServlet servlet;
    private final ScheduledExecutorService sweeper;

    /** @param version the server's version, told to clients */
    public McpFeature(ServerSettings settings, String version) {
        ServerLimits limits = settings.limits();
        Duration ttl = limits.sessionTtl();
        tools = McpTools.builder(settings.sandbox(), settings.agents())
                .policy(settings.policy())
                .tools(settings.tools(), TOOL_CALL_LIMIT)
                .defaultModel(settings.defaultModel(), null)
                .figures(Figures.inline())
                .limits(limits.maxSessions(), limits.maxRuns())
                .build();
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpTools.JSON)
                .mcpEndpoint(PATH)
                .maxRequestSize((int) Math.min(Integer.MAX_VALUE, limits.maxBodyBytes()))
                .keepAliveInterval(ttl.compareTo(MAX_KEEP_ALIVE) < 0 ? ttl : MAX_KEEP_ALIVE)
                .sessionSweepInterval(ttl)
                .build();
        server = tools.serve(McpServer.sync(transport), version);
        servlet = new McpSessionServlet(transport, tools, ttl);
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("codeact-mcp-sessions").factory());
        // A quarter of the TTL: a session is ended between one TTL and one and a quarter after its last request.
        long period = Math.max(100, ttl.toMillis() / 4);
        sweeper.scheduleWithFixedDelay(() -> servlet.endIdle(Instant.now()), period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void addRoutes(RoutesConfig routes) {
        // none: the transport is a servlet of its own
    }

    @Override
    public Map<String, HttpServlet> servlets() {
        return Map.of(PATH, servlet);
    }

    @Override
    public void stopAccepting() {
        servlet.stopAccepting();
        tools.stopAccepting();
    }

    /** Lets the tool calls being answered end by the deadline, then ends the MCP sessions and their sandbox sessions. */
    @Override
    public void shutdown(Instant deadline) {
        try {
            servlet.awaitCalls(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sweeper.shutdownNow();
        tools.close(); // first: a call still running is interrupted and answered
        server.closeGracefully();
    }
}
