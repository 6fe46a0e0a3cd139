package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * MCP over standard input and output for {@code codeact mcp}, one JSON-RPC message per line, in place of the SDK's
 * {@code StdioServerTransportProvider}. That one stops reading for good at the first line that is not a JSON-RPC
 * message: it closes the session and only logs why (through SLF4J, which prints nothing here), and as nobody reads
 * standard input any more the client's end of input goes unseen, so the server neither answers again nor exits.
 * Here each line is checked before the SDK's session gets it: a line that is not JSON is answered with a parse
 * error (-32700), JSON that is not a JSON-RPC message with an invalid-request error (-32600), both also said on
 * standard error, and reading goes on until the end of input, which ends the connection. A call of a tool that is
 * not served is answered here too, naming it, where the SDK would answer "Unknown tool: invalid_tool_name".
 */
final class StdioTransport implements McpServerTransportProvider {
    /** As in the SDK's transport: a longer line is refused rather than held in memory. */
    static final int MAX_LINE_CHARS = 16 * 1024 * 1024;
    private static final int LINE_SHOWN_CHARS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final McpJsonMapper json;
    private final BufferedReader input;
    private final OutputStream output;
    private final PrintWriter err;
    private final List<String> toolNames;
    private volatile McpServerSession session;
    /** Whether the client has said notifications/initialized; only the reading thread uses it. */
    private boolean clientInitialized;

    /**
     * @param output    standard output, which carries only the protocol
     * @param err       where refused lines are reported
     * @param toolNames the tools served; a call of another is answered with an error that names it
     */
    StdioTransport(McpJsonMapper json, InputStream input, OutputStream output, PrintWriter err, List<String> toolNames) {
        this.json = json;
        this.input = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
        this.output = output;
        this.err = err;
        this.toolNames = List.copyOf(toolNames);
    }

    /** Called by the SDK as the server is built: stdio has exactly one connection. */
    @Override
    public void setSessionFactory(McpServerSession.Factory sessionFactory) {
        session = sessionFactory.create(new Connection());
    }

    /** Reads messages and hands them to the server until the client closes standard input. */
    void serveUntilEndOfInput() throws IOException {
        if (session == null) {
            throw new IllegalStateException("build the MCP server with this transport before serving");
        }
        for (Line line = readLine(); line != null; line = readLine()) {
            if (line.overLimit()) {
                refuse(null, McpSchema.ErrorCodes.INVALID_REQUEST, "Invalid Request: a message longer than "
                        + MAX_LINE_CHARS + " characters", line.text());
            } else if (!line.text().isBlank()) { // an empty line carries no message, so it needs no answer
                handle(line.text());
            }
        }
    }

    private void handle(String line) {
        JSONRPCMessage message;
        try {
            message = McpSchema.deserializeJsonRpcMessage(json, line);
        } catch (Exception notAMessage) {
            refuseUnreadable(line);
            return;
        }
        if (message instanceof JSONRPCNotification notification
                && McpSchema.METHOD_NOTIFICATION_INITIALIZED.equals(notification.method())) {
            clientInitialized = true;
        } else if (message instanceof JSONRPCRequest request && !clientInitialized
                && !McpSchema.METHOD_INITIALIZE.equals(request.method())) {
            // The SDK holds such a request, silently, until the notification comes: a client that never sends it
            // would wait for ever without a clue.
            say("request " + request.id() + " (" + request.method() + ") waits for the client's "
                    + McpSchema.METHOD_NOTIFICATION_INITIALIZED + ", which MCP asks for after the answer to initialize");
        }
        if (message instanceof JSONRPCRequest request && unservedTool(request) instanceof String tool) {
            refuse(request.id(), McpSchema.ErrorCodes.INVALID_PARAMS, "Unknown tool: " + tool + ". This server has "
                    + String.join(", ", toolNames) + ".", null);
            return;
        }
        try {
            session.handle(message).subscribe(done -> { }, failure -> cannotHandle(line, failure));
        } catch (RuntimeException failure) {
            cannotHandle(line, failure);
        }
    }

    private void cannotHandle(String line, Throwable failure) {
        say("could not handle the message " + shown(line) + ": " + failure);
    }

    /** The tool a tools/call request names, when this server has no tool of that name; else null. */
    private String unservedTool(JSONRPCRequest request) {
        if (McpSchema.METHOD_TOOLS_CALL.equals(request.method())
                && request.params() instanceof Map<?, ?> params
                && params.get("name") instanceof String name
                && !toolNames.contains(name)) {
            return name;
        }
        return null; // not a call, or one the server can answer (a call without a name included)
    }

    /** Says why the SDK could not read the line: not JSON at all, or JSON that is not a JSON-RPC message. */
    private void refuseUnreadable(String line) {
        JsonNode tree;
        try {
            tree = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            refuse(null, McpSchema.ErrorCodes.PARSE_ERROR, "Parse error: not JSON (" + e.getOriginalMessage() + ")",
                    line);
            return;
        }
        JsonNode id = tree.path("id");
        refuse(id.isTextual() || id.isNumber() ? id : null, McpSchema.ErrorCodes.INVALID_REQUEST,
                "Invalid Request: not a JSON-RPC message, which is an object with \"jsonrpc\": \"2.0\" and a "
                        + "\"method\" (a request or a notification) or a \"result\" or an \"error\" (a response)",
                line);
    }

    /**
     * Answers with a JSON-RPC error, written here rather than by the SDK's classes, which leave out an id that is
     * null, as one must be when the request's could not be read. A refused {@code line} is also said on standard
     * error, for whoever is watching the server rather than the client.
     */
    private void refuse(Object id, int code, String message, String line) {
        ObjectNode answer = JSON.createObjectNode().put("jsonrpc", McpSchema.JSONRPC_VERSION);
        answer.set("id", JSON.valueToTree(id));
        answer.putObject("error").put("code", code).put("message", message);
        write(answer.toString());
        if (line != null) {
            say("answered " + code + " (" + message + ") to the line " + shown(line));
        }
    }

    private void say(String message) {
        synchronized (err) {
            err.println("codeact: mcp: " + message);
            err.flush();
        }
    }

    private static String shown(String line) {
        String text = line.length() > LINE_SHOWN_CHARS ? line.substring(0, LINE_SHOWN_CHARS) + "..." : line;
        return "'" + text + "'";
    }

    private void write(String message) {
        byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            synchronized (output) {
                output.write(bytes);
                output.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to standard output (has the client gone?): " + e.getMessage(), e);
        }
    }

    /** One line of input without its end; over the limit, only its start is kept (the rest is read and dropped). */
    private record Line(String text, boolean overLimit) {
    }

    /** The next line, ended by \n, \r\n or the end of input; null at the end of input. */
    private Line readLine() throws IOException {
        StringBuilder text = new StringBuilder();
        boolean overLimit = false;
        int next;
        while ((next = input.read()) != -1 && next != '\n') {
            if (text.length() < MAX_LINE_CHARS) {
                text.append((char) next);
            } else {
                overLimit = true;
            }
        }
        if (next == -1 && text.isEmpty()) {
            return null;
        }
        if (!overLimit && !text.isEmpty() && text.charAt(text.length() - 1) == '\r') {
            text.setLength(text.length() - 1);
        }
        return new Line(text.toString(), overLimit);
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return session == null ? Mono.error(new IllegalStateException("no client to notify yet"))
                : session.sendNotification(method, params);
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return session != null && session.getId().equals(sessionId) ? session.sendNotification(method, params)
                : Mono.error(new IllegalStateException("no client session " + sessionId + " on standard input"));
    }

    @Override
    public Mono<Void> closeGracefully() {
        return session == null ? Mono.empty() : session.closeGracefully();
    }

    /** The session's side: what the server sends goes out one message per line. */
    private final class Connection implements McpServerTransport {
        @Override
        public Mono<Void> sendMessage(JSONRPCMessage message) {
            return Mono.fromRunnable(() -> {
                try {
                    write(json.writeValueAsString(message));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write an MCP message as JSON: " + e.getMessage(), e);
                }
            });
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
            return json.convertValue(data, type);
        }

        /** Reading stops at the end of input, not here: the server closes its session only then. */
        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }
    }
}
