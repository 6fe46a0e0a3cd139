package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.ToolServerLog.ServedToken;
import dev.codeact4j.cli.render.ToolServerLog;
import dev.codeact4j.server.tools.ToolHttpServer;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code codeact tools serve}: the host tools (those of {@code --tools-class}, {@code --mcp} and {@code --mcp-url},
 * as for {@code codeact run}) over HTTP for processes outside the sandbox (the hybrid pattern), until
 * interrupted. Code inside a codeact session does not need it: there the tools are Python functions.
 */
@Command(name = "serve",
        customSynopsis = {
                "codeact tools serve [--port N] [--host ADDRESS] [--token TOKEN]",
                "                    [--tool-timeout SECONDS] [--tools-class CLASS]...",
                "                    [--mcp COMMAND]... [--mcp-url URL]..."},
        description = {
                "Serves host tools over HTTP until interrupted (Ctrl-C), printing one line per request on "
                        + "standard error: the tools of --tools-class classes and of MCP servers (--mcp, --mcp-url "
                        + "and the config file's), as codeact run offers them to its code.",
                "POST /tool with the body {\"tool\": NAME, \"args\": {...}} calls a tool and answers "
                        + "{\"result\": ...}; GET /tools lists the tools with their JSON Schemas. Every request "
                        + "needs the header 'Authorization: Bearer TOKEN'. Code inside a codeact session does not "
                        + "need this: there the tools are Python functions, several times faster.",
                ""},
        exitCodeList = {
                "1:the server could not listen (e.g. the port is taken)",
                "2:usage error: no tool to serve, a class that cannot be loaded, a bad option or config file",
                "4:an MCP server could not be started or reached",
                "130:stopped with Ctrl-C, the usual end (143 when stopped with kill)"},
        footerHeading = "%nAnswers:%n",
        // Written line by line: picocli wraps long footer lines without indenting them.
        footer = {
                "200 {\"result\": VALUE}. Failures are {\"error\": {\"type\": ..., \"message\": ...}}:",
                "  401  no token, or a wrong one",
                "  404  no tool of that name (the message lists them), or another path",
                "  400  a body that is not JSON or has no \"tool\"; \"args\" that is not an object;",
                "       arguments the tool's JSON Schema rejects: a required one missing, one it",
                "       does not declare, a value of the wrong type, out of range, not one of",
                "       those allowed... (a null argument counts as not given)",
                "  405  another method than POST /tool or GET /tools",
                "  413  a body over 1 MiB",
                "  500  the tool threw (the message is its exception's)",
                "  504  the tool took longer than --tool-timeout",
                "",
                "Tools:",
                "As for codeact run: a --tools-class class comes from the classpath (start",
                "codeact as java -cp codeact.jar:tools.jar dev.codeact4j.cli.CodeactCommand",
                "tools serve ...); --mcp starts an MCP server, --mcp-url connects to one; the",
                "config file's \"mcp\" and \"mcpUrls\" servers are served too (no other key of",
                "it applies). At least one tool is needed. A tool is called by its own name",
                "(GET /tools lists them).",
                "",
                "Examples:",
                "  java -cp codeact.jar:weather.jar dev.codeact4j.cli.CodeactCommand \\",
                "      tools serve --tools-class com.example.Weather",
                "  codeact tools serve --port 9000 \\",
                "      --mcp 'npx -y @modelcontextprotocol/server-memory'",
                "  curl -s -H \"Authorization: Bearer $TOKEN\" \\",
                "      -d '{\"tool\": \"temperature\", \"args\": {\"city\": \"Oslo\"}}' \\",
                "      http://127.0.0.1:8123/tool"})
public final class ToolsServeCommand implements Callable<Integer> {
    static final String TOKEN_VARIABLE = "CODEACT_TOOLS_TOKEN";

    @Spec
    CommandSpec spec;

    @ParentCommand
    ToolsCommand tools;

    @Mixin
    ToolOptions toolOptions;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + ToolHttpServer.DEFAULT_PORT,
            description = "The port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = ToolHttpServer.DEFAULT_HOST,
            description = "The address to listen on (default: ${DEFAULT-VALUE}, this machine only). Another "
                    + "lets other machines call the tools, over plain HTTP: a warning is printed.")
    String host;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The bearer token requests must carry; by default $" + TOKEN_VARIABLE
                    + ", else a random one, printed at start.")
    String token;

    @Option(names = "--tool-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long one tool call may take; it is then abandoned and answered with 504 "
                    + "(default: ${DEFAULT-VALUE}).")
    double toolTimeoutSeconds;

    @Override
    public Integer call() throws IOException {
        CliConfig config = CliConfig.load(CliConfig.home(tools.codeact.environment()));
        List<McpEndpoint> mcpServers = toolOptions.mcpServers(config);
        Tools classTools = toolOptions.classTools();
        if (mcpServers.isEmpty() && classTools.isEmpty()) {
            throw usageError("No tools to serve: name a class of tools with --tools-class CLASS, or an MCP server with "
                    + "--mcp COMMAND or --mcp-url URL.");
        }
        if (port < 0 || port > 65535) {
            throw usageError("--port must be between 0 and 65535, got " + port + ".");
        }
        if (!(toolTimeoutSeconds > 0)) {
            throw usageError("--tool-timeout must be more than 0 seconds, got " + toolTimeoutSeconds + ".");
        }
        ServedToken servedToken = servedToken();
        PrintWriter err = spec.commandLine().getErr();
        Colors colors = Colors.of(spec.commandLine());
        ToolServerLog log = new ToolServerLog(err, colors);
        InetAddress address = address();
        if (!address.isLoopbackAddress()) {
            err.println(colors.red("codeact: WARNING: --host " + host + ": other machines can call the tools, "
                    + "anyone of them who has the token, and the traffic is plain HTTP (not encrypted)."));
        }

        HostTools hostTools = HostTools.start(classTools, mcpServers, err, colors);
        ToolHttpServer server;
        try {
            server = ToolHttpServer.builder(hostTools.tools()).host(host).port(port).token(servedToken.value())
                    .callTimeout(Duration.ofMillis(Math.max(1, Math.round(toolTimeoutSeconds * 1000))))
                    .listener(log::call)
                    .start();
        } catch (BindException e) {
            hostTools.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + "; is another server using that port? Choose another with --port (0 picks a free one).", e);
        } catch (IOException | RuntimeException e) {
            hostTools.close();
            throw e;
        }
        log.serving(server, hostTools.tools(), host, address.isAnyLocalAddress(), servedToken, TOKEN_VARIABLE);
        return serveUntilStopped(server, hostTools, err);
    }

    /** The token: --token, else the environment's, else one made up now (which is then printed). */
    private ServedToken servedToken() {
        String fromEnvironment = tools.codeact.environment().get(TOKEN_VARIABLE);
        ServedToken choice = token != null ? new ServedToken(token, "--token")
                : fromEnvironment != null && !fromEnvironment.isBlank() ? new ServedToken(fromEnvironment.strip(), "$" + TOKEN_VARIABLE)
                : new ServedToken(ToolHttpServer.newToken(), null);
        try {
            ToolHttpServer.builder(Tools.none()).token(choice.value());
        } catch (IllegalArgumentException e) {
            throw usageError("The token from " + choice.source() + " is not usable: " + e.getMessage() + ".");
        }
        return choice;
    }

    private InetAddress address() {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw usageError("--host " + host + ": no such address on this machine.");
        }
    }

    /**
     * Blocks until Ctrl-C (the JVM's shutdown hook stops the server and the MCP servers) or until this thread is
     * interrupted (as tests do), then stops serving.
     */
    private static int serveUntilStopped(ToolHttpServer server, HostTools hostTools, PrintWriter err) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            hostTools.close();
            err.println("codeact: stopped serving tools");
            err.flush();
            stopped.countDown();
        }, "codeact-tools-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                server.close();
                hostTools.close();
            } catch (IllegalStateException e) {
                // The JVM is shutting down: the hook is stopping everything.
            }
        }
        return CodeactCommand.OK;
    }

    private ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
