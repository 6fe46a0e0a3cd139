package dev.codeact4j.cli.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.server.tools.ToolHttpServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** What {@code codeact tools serve} prints on standard error: what it serves where and how to call it, then one line per request. */
public record ToolServerLog(PrintWriter err, Colors colors) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    /** The bearer token and where it came from (--token, a variable), or null {@code source} when made up now. */
    public record ServedToken(String value, String source) {
        boolean generated() {
            return source == null;
        }
    }

    /**
     * Where the server listens ({@code wildcard}: on every address of {@code host}) and which tools it serves,
     * the token to call them with ({@code tokenVariable}: where one can be set), and a call to try.
     */
    public void serving(ToolHttpServer server, Tools served, String host, boolean wildcard, ServedToken tokenChoice,
                        String tokenVariable) {
        String base = server.uri().toString(); // the loopback address when listening on every one
        String listening = wildcard ? "http://" + host + ":" + server.port() + " (every address)" : base;
        err.println(colors.bold("codeact: serving " + served.list().size() + " tool"
                + (served.list().size() == 1 ? "" : "s") + " on " + listening + ": "
                + String.join(", ", server.toolNames())));
        err.println("codeact: POST /tool with {\"tool\": NAME, \"args\": {...}} calls one; GET /tools lists them "
                + "with their schemas");
        String bearer;
        if (tokenChoice.generated()) {
            err.println("codeact: bearer token (generated; choose one with --token or $" + tokenVariable + "): "
                    + colors.bold(tokenChoice.value()));
            bearer = tokenChoice.value();
        } else {
            err.println("codeact: bearer token: the one from " + tokenChoice.source());
            bearer = tokenChoice.source().equals("--token") ? "TOKEN" : "$" + tokenVariable;
        }
        Tool example = served.list().get(0);
        ObjectNode body = JSON.createObjectNode().put("tool", example.name());
        body.set("args", exampleArguments(example));
        err.println("codeact: try: curl -s -H \"Authorization: Bearer " + bearer + "\" -H 'Content-Type: application/json' "
                + "-d " + shellQuote(body.toString()) + " " + base + "/tool");
        err.println(colors.faint("codeact: one line per request follows; Ctrl-C stops the server"));
        err.flush();
    }

    /** The tool's required arguments with a placeholder value of the declared type, as a JSON object. */
    private static ObjectNode exampleArguments(Tool tool) {
        ObjectNode arguments = JSON.createObjectNode();
        JsonNode properties = tool.parameters().path("properties");
        tool.parameters().path("required").forEach(name -> {
            JsonNode type = properties.path(name.asText()).path("type");
            String first = type.isArray() && !type.isEmpty() ? type.get(0).asText() : type.asText("string");
            switch (first) {
                case "integer" -> arguments.put(name.asText(), 1);
                case "number" -> arguments.put(name.asText(), 1.5);
                case "boolean" -> arguments.put(name.asText(), true);
                case "array" -> arguments.putArray(name.asText());
                case "object" -> arguments.putObject(name.asText());
                default -> arguments.put(name.asText(), "text");
            }
        });
        return arguments;
    }

    private static String shellQuote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** One line for a request the server answered. */
    public void call(ToolHttpServer.Call call) {
        String status = String.valueOf(call.status());
        status = call.status() < 300 ? colors.green(status) : call.status() < 500 ? colors.yellow(status) : colors.red(status);
        String line = LocalTime.now().format(CLOCK) + " " + call.method() + " " + call.path()
                + (call.tool() != null ? " " + call.tool() : "") + " " + status + " "
                + String.format(Locale.ROOT, "%.1f ms", call.duration().toNanos() / 1e6)
                + (call.error() != null ? " - " + call.error() : "");
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }
}
