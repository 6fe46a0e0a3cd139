package dev.codeact4j.tools;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Connections to MCP servers, whose tools become {@link Tool}s: each calls its server when the code calls it.
 * A tool keeps its own name (made a valid Python identifier); only when two servers, or a server and another
 * tool, offer the same name is it prefixed with its server's name, as in {@code memory_server_read_graph} (so is a
 * tool named {@code search_tools}, the agent's own tool search: {@link ToolDiscovery}). Each tool's group is its
 * server's name as an identifier, as in that prefix.
 *
 * <pre>{@code
 * try (McpServers servers = McpServers.start(List.of(McpEndpoint.commandLine("npx -y @modelcontextprotocol/server-memory")))) {
 *     CodeActAgent agent = CodeActAgent.builder().models(models).tools(servers.addTo(Tools.none())).build();
 *     ...
 * }
 * }</pre>
 *
 * A server that cannot be started or reached, or that dies, is reported by a {@link McpServerException} naming it;
 * one dying during a call fails that call (the code gets a ToolError) with the same message.
 */
public final class McpServers implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final McpJsonMapper MCP_JSON = new JacksonMcpJsonMapper(JSON);
    /** Long enough for {@code npx} to fetch a server on first use. */
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(60);
    /** Calls are limited by the tools' own time limit ({@link Tools#handler}); this only stops leaks. */
    private static final Duration REQUEST_LIMIT = Duration.ofMinutes(30);

    private final List<Connection> connections;

    private McpServers(List<Connection> connections) {
        this.connections = connections;
    }

    /** Starts (or connects to) every server, in order; if one fails, those already started are closed again. */
    public static McpServers start(List<McpEndpoint> endpoints) {
        List<Connection> connections = new ArrayList<>();
        try {
            for (McpEndpoint endpoint : endpoints) {
                connections.add(Connection.open(endpoint));
            }
        } catch (RuntimeException e) {
            connections.forEach(Connection::close);
            throw e;
        }
        return new McpServers(prefixed(connections));
    }

    public static McpServers start(McpEndpoint... endpoints) {
        return start(List.of(endpoints));
    }

    /** Every server's tools, named so that they do not clash with one another. */
    public List<Tool> tools() {
        return tools(Tools.none());
    }

    /** {@code others} and every server's tools, those whose names clash prefixed with their server's name. */
    public Tools addTo(Tools others) {
        return others.plus(tools(others));
    }

    private List<Tool> tools(Tools others) {
        Map<String, Integer> offered = new HashMap<>();
        connections.forEach(connection -> connection.tools.forEach(tool ->
                offered.merge(PythonStubs.identifier(tool.name()), 1, Integer::sum)));
        List<Tool> tools = new ArrayList<>();
        for (Connection connection : connections) {
            for (McpSchema.Tool tool : connection.tools) {
                String function = PythonStubs.identifier(tool.name());
                boolean clash = offered.get(function) > 1 || others.definesFunction(function)
                        || tool.name().equals(ToolDiscovery.SEARCH_TOOLS);
                tools.add(connection.tool(tool, clash ? connection.prefix + "_" + tool.name() : tool.name()));
            }
        }
        return tools;
    }

    /** The servers' names, in order: what each reported, or what it was started with; unique. */
    public List<String> names() {
        return connections.stream().map(connection -> connection.prefix).toList();
    }

    /** Stops the servers started here and closes the connections to the others. */
    @Override
    public void close() {
        connections.forEach(Connection::close);
    }

    /** Gives each connection a prefix for its tools: its server's name as an identifier, numbered when taken. */
    private static List<Connection> prefixed(List<Connection> connections) {
        Set<String> taken = new HashSet<>();
        for (Connection connection : connections) {
            String base = connection.name.toLowerCase().replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
            base = base.isEmpty() ? "mcp" : base;
            String prefix = base;
            for (int number = 2; !taken.add(prefix); number++) {
                prefix = base + "_" + number;
            }
            connection.prefix = prefix;
        }
        return List.copyOf(connections);
    }

    /** One server: its client and its tools; for a started one, whether it ended and what it wrote on standard error. */
    private static final class Connection {
        private final McpEndpoint endpoint;
        private final McpAsyncClient client;
        /** The transport of a server started here; null for one reached by URL. */
        private final McpProcessTransport stdio;
        /** Completed, with how, when a started server could not start or has ended; never for an HTTP one. */
        private final CompletableFuture<String> ended;
        private String name;
        private String prefix;
        private List<McpSchema.Tool> tools = List.of();

        private Connection(McpEndpoint endpoint, McpClientTransport transport, McpProcessTransport stdio) {
            this.endpoint = endpoint;
            this.stdio = stdio;
            this.ended = stdio != null ? stdio.ended : new CompletableFuture<>();
            this.client = McpClient.async(transport)
                    .clientInfo(McpSchema.Implementation.builder("codeact4j", "0.1.0").build())
                    .requestTimeout(REQUEST_LIMIT)
                    .initializationTimeout(STARTUP_LIMIT)
                    .jsonSchemaValidator(new McpSchemaValidator())
                    .build();
        }

        static Connection open(McpEndpoint endpoint) {
            Connection connection;
            if (endpoint.isStdio()) {
                McpProcessTransport transport = new McpProcessTransport(endpoint, MCP_JSON);
                connection = new Connection(endpoint, transport, transport);
            } else {
                connection = new Connection(endpoint, HttpClientStreamableHttpTransport.builder(endpoint.url().toString())
                        .endpoint(endpoint.url().toString()).jsonMapper(MCP_JSON).build(), null);
            }
            try {
                McpSchema.InitializeResult initialized = connection.await(connection.client.initialize(), "while starting", STARTUP_LIMIT);
                String reported = initialized.serverInfo() == null ? null : initialized.serverInfo().name();
                connection.name = reported == null || reported.isBlank() ? endpoint.derivedName() : reported;
                connection.tools = initialized.capabilities() == null || initialized.capabilities().tools() == null ? List.of()
                        : connection.await(connection.client.listTools(), "while listing its tools", STARTUP_LIMIT).tools();
                return connection;
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        Tool tool(McpSchema.Tool tool, String name) {
            String description = tool.description() != null && !tool.description().isBlank() ? tool.description()
                    : tool.title() != null ? tool.title() : "The tool " + tool.name() + " of the MCP server " + this.name + ".";
            JsonNode parameters = tool.inputSchema() == null ? null : JSON.valueToTree(tool.inputSchema());
            return new Tool(name, description, parameters, arguments -> call(tool.name(), arguments), prefix);
        }

        private Object call(String tool, JsonNode arguments) {
            Map<String, Object> values = JSON.convertValue(arguments, new TypeReference<Map<String, Object>>() { });
            McpSchema.CallToolResult result = await(client.callTool(new McpSchema.CallToolRequest(tool, values)),
                    "during a call to its tool " + tool, null);
            if (Boolean.TRUE.equals(result.isError())) {
                String text = texts(result);
                throw new McpToolError(text.isBlank() ? "the tool " + tool + " of the MCP server " + name + " failed" : text);
            }
            if (result.structuredContent() != null) {
                return JSON.valueToTree(result.structuredContent());
            }
            List<McpSchema.Content> content = result.content() == null ? List.of() : result.content();
            if (content.size() == 1 && content.get(0) instanceof McpSchema.TextContent text) {
                return text.text();
            }
            ArrayNode items = JSON.createArrayNode();
            for (McpSchema.Content item : content) {
                items.add(item instanceof McpSchema.TextContent text ? JSON.getNodeFactory().textNode(text.text())
                        : JSON.valueToTree(item));
            }
            return content.isEmpty() ? null : items;
        }

        private static String texts(McpSchema.CallToolResult result) {
            List<String> texts = new ArrayList<>();
            for (McpSchema.Content item : result.content() == null ? List.<McpSchema.Content>of() : result.content()) {
                if (item instanceof McpSchema.TextContent text) {
                    texts.add(text.text());
                }
            }
            return String.join("\n", texts).strip();
        }

        /** Waits for an answer, or for the server to end, whichever comes first; a null limit waits as long as it takes. */
        private <T> T await(Mono<T> request, String doing, Duration limit) {
            CompletableFuture<T> answer = request.toFuture();
            try {
                CompletableFuture<Object> first = CompletableFuture.anyOf(answer, ended);
                if (limit == null) {
                    first.get();
                } else {
                    first.get(limit.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (TimeoutException e) {
                answer.cancel(true);
                throw failure("did not answer " + doing + " within " + limit.toSeconds() + " s", e);
            } catch (InterruptedException e) {
                answer.cancel(true);
                Thread.currentThread().interrupt();
                throw failure("was abandoned " + doing, e);
            } catch (ExecutionException e) {
                // looked at below
            }
            if (answer.isDone() && !answer.isCompletedExceptionally()) {
                return answer.join();
            }
            Throwable cause = answer.isDone() ? answer.handle((value, error) -> error).join() : null;
            if (cause != null && stdio != null && !answeredWithError(cause)) {
                // a request the transport could not carry may be the first sign that the process is ending
                ended.copy().completeOnTimeout("", 1, TimeUnit.SECONDS).join();
            }
            if (ended.isDone()) {
                answer.cancel(true);
                String how = ended.join();
                throw failure(how.startsWith("exited") ? how + " " + doing : how, cause);
            }
            throw failure("failed " + doing + ": " + reason(cause), cause);
        }

        /** Whether the server answered the request with an error (rather than the request not getting through). */
        private static boolean answeredWithError(Throwable error) {
            for (Throwable cause = error; cause != null; cause = cause.getCause()) {
                if (cause instanceof McpError) {
                    return true;
                }
            }
            return false;
        }

        /** The most telling message of a chain of causes: the SDK's own say little ("Client failed to initialize"). */
        private static String reason(Throwable error) {
            String innermost = null;
            for (Throwable cause = error; cause != null; cause = cause.getCause()) {
                if (cause instanceof java.net.ConnectException) {
                    return "no connection could be made (is the server running, and is the URL right?)";
                }
                if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                    innermost = cause.getMessage();
                }
            }
            return innermost != null ? innermost : error.toString();
        }

        private McpServerException failure(String what, Throwable cause) {
            StringBuilder message = new StringBuilder("the MCP server '" + endpoint + "' " + what);
            List<String> lines = stdio == null ? List.of() : stdio.stderrTail();
            if (!lines.isEmpty()) {
                message.append("; its last lines on standard error:");
                lines.forEach(line -> message.append("\n  ").append(line));
            }
            return new McpServerException(message.toString(), cause);
        }

        void close() {
            try {
                client.closeGracefully().block(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                client.close(); // it did not stop in time, or it had already gone: let go of it all the same
            }
        }
    }

    /** A tool of an MCP server reported an error; its message is the tool's own text. */
    static final class McpToolError extends RuntimeException {
        McpToolError(String message) {
            super(message);
        }
    }
}
