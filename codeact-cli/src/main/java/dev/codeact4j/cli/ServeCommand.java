package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.ServerLimits;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code codeact serve}: the HTTP API, MCP over HTTP and the web page, until SIGTERM or Ctrl-C. */
@Command(name = "serve",
        customSynopsis = {
                "codeact serve [--host ADDRESS] [--port N] [--token TOKEN] [--max-runs N] [--max-sessions N]",
                "              [--session-ttl SECONDS] [--shutdown-grace SECONDS] [--model SPEC] [--base-url URL]",
                "              [--api-key KEY]",
                "              [--max-steps N] [--lang python|js] [--timeout SECONDS] [--memory MB] [--disk MB]",
                "              [--allow-import M,...] [--network | --allow-host HOST[:PORT]...]",
                "              [--mcp COMMAND]... [--mcp-url URL]... [--tools-class CLASS]...",
                "              [--tools-py FILE]... [--setup FILE]... [--tool-listing full|search|auto]",
                "              [--tool-listing-budget TOKENS] [--no-store] [--no-cache]"},
        description = {
                "Serves codeact over HTTP: agent runs with their events as they happen (server-sent events), "
                        + "sandbox sessions (execute code, files), the history and the report, MCP at /mcp (the "
                        + "tools of codeact mcp over streamable HTTP), and the web page at /. It prints the page's "
                        + "address with its token, as Jupyter does; every route but the page's assets needs the "
                        + "token (Authorization: Bearer TOKEN). The API is described at /api/openapi.json.",
                "On SIGTERM or Ctrl-C it takes nothing new (503), lets running runs end within the grace "
                        + "(--shutdown-grace, 30 s), stops the rest and records them as incomplete, closes the "
                        + "sessions and exits with 0.",
                ""},
        exitCodeList = {
                "0:stopped by SIGTERM or Ctrl-C",
                "2:usage error: unknown option or value, bad config file, a network address without --token, a port "
                        + "in use, a --tools-py or --setup file that cannot be used (checked in a session started "
                        + "before serving)",
                "3:no sandbox can be made here (the message says why and what to do)",
                "4:an MCP server of --mcp or --mcp-url could not be started or reached"},
        footer = {
                "",
                "Config file: every key of $CODEACT_HOME/config.json but data and datasets applies (see codeact run --help), and these:",
                "  models             the models the page offers, e.g. [\"openai:gpt-4o-mini\"] (\"model\" first)",
                "  maxRuns            runs at once (default 4); more are answered 429 with Retry-After",
                "  maxSessions        sessions open at once (default 32); likewise",
                "  sessionTtlSeconds  a session unused this long is closed (default 900)",
                "The options override them. CODEACT_SERVE_TOKEN sets the token as --token does.",
                "The --tools-py and --setup files (and toolsPy, setup) are in every session of",
                "--lang's language: the API's sessions, /mcp's and the runs'.",
                "",
                "Examples:",
                "  codeact serve --model openrouter:google/gemini-2.5-flash",
                "  codeact serve --host 0.0.0.0 --port 9000 --token \"$(openssl rand -hex 24)\""})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address to listen on (default: ${DEFAULT-VALUE}); any other than loopback needs --token.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "The port (default: ${DEFAULT-VALUE}; 0 takes a free one).")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The token clients must send (16 characters or more); without it one is generated and printed.")
    String token;

    @Option(names = "--max-runs", paramLabel = "N", description = "Runs at once (default: config maxRuns, else 4).")
    Integer maxRuns;

    @Option(names = "--max-sessions", paramLabel = "N",
            description = "Sessions open at once (default: config maxSessions, else 32).")
    Integer maxSessions;

    @Option(names = "--session-ttl", paramLabel = "SECONDS",
            description = "Close a session unused this long (default: config sessionTtlSeconds, else 900).")
    Integer sessionTtl;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS",
            description = "On SIGTERM or Ctrl-C, how long running runs get to finish before they are stopped "
                    + "(default: 30).")
    Integer shutdownGrace;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SandboxOptions sandboxOptions;

    @Mixin
    ToolOptions toolOptions;

    @Mixin
    StartupFileOptions startupFiles;

    @Mixin
    ToolListingOptions toolListingOptions;

    @Mixin
    StoreOptions.WithCache store;

    @Override
    public Integer call() throws Exception {
        Path home = CliConfig.home(codeact.environment());
        CliConfig config = CliConfig.load(home);
        SandboxPolicy policy = startupFiles.applyTo(sandboxOptions.policy(config, null), config);
        ModelSpec defaultModel = modelOptions.spec(config);
        AgentFactory base = AgentFactory.builder(config, home, codeact.environment()).models(modelOptions, config)
                .toolListing(toolListingOptions, config).build();
        ServerLimits limits = limits(config);
        String chosenToken = token != null ? token : codeact.environment().get("CODEACT_SERVE_TOKEN");
        List<McpEndpoint> mcpServers = toolOptions.mcpServers(config);
        Tools classTools = toolOptions.classTools();

        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        Colors colors = Colors.of(spec.commandLine());
        Sandbox sandbox = codeact.sandbox(err, colors, true);
        try (HostTools tools = HostTools.start(classTools, mcpServers, err, colors);
             RunRecording recording = RunRecording.open(codeact.runStoreFile(), store.recording(), err, colors)) {
            AgentFactory agents = base.newBuilder()
                    .sandbox(sandbox, policy)
                    .tools(tools.tools())
                    .openTelemetry(codeact.openTelemetry(err, colors))
                    .recording(recording)
                    .cache(store.cache())
                    .build();
            CodeactServer server;
            try {
                server = CodeactServer.builder()
                        .host(host)
                        .port(port)
                        .token(chosenToken)
                        .sandbox(sandbox)
                        .policy(policy)
                        .agents(agents.runAgents(defaultModel, "codeact serve", home.resolve("config.json")))
                        .store(recording.store())
                        .tools(tools.tools())
                        .models(defaultModel == null ? null : defaultModel.toString(), config.models())
                        .limits(limits)
                        .log(err)
                        .start();
            } catch (IllegalArgumentException | IllegalStateException e) {
                // a network address without a token, a short token, a port taken: each fixed by an option
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            stopOnSignals(server);
            // Any other way the JVM ends (SIGHUP, say) still stops the server the orderly way.
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "codeact-serve-stop"));
            out.println("codeact serve: listening on " + server.url());
            out.println("Open the page (the token is in the address):");
            out.println("    " + colors.bold(server.readyUrl().toString()));
            out.println("API: " + server.url().resolve("/api/openapi.json") + " (Authorization: Bearer "
                    + (chosenToken != null ? "<your token>" : server.token()) + "); MCP: " + server.url().resolve("/mcp"));
            out.println("Ctrl-C stops it.");
            out.flush();
            server.awaitStop();
            return CodeactCommand.OK;
        }
    }

    /**
     * SIGTERM and Ctrl-C stop the server the orderly way (see {@link CodeactServer#close()}), after which the command
     * ends normally and exits 0: left to the JVM, they would run the shutdown hooks and exit 143 or 130.
     */
    private static void stopOnSignals(CodeactServer server) {
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name),
                        signal -> Thread.ofPlatform().name("codeact-serve-stop").start(server::close));
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal to itself (-Xrs): the shutdown hook stops the server.
            }
        }
    }

    private ServerLimits limits(CliConfig config) {
        ServerLimits limits = ServerLimits.defaults();
        int runs = first(maxRuns, config.maxRuns(), limits.maxRuns());
        int sessions = first(maxSessions, config.maxSessions(), limits.maxSessions());
        int ttl = first(sessionTtl, config.sessionTtlSeconds(), (int) limits.sessionTtl().toSeconds());
        if (runs < 1 || sessions < 1 || ttl < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--max-runs, --max-sessions and --session-ttl must be at least 1.");
        }
        if (shutdownGrace != null && shutdownGrace < 0) {
            throw new ParameterException(spec.commandLine(), "--shutdown-grace must be 0 or more seconds.");
        }
        limits = shutdownGrace == null ? limits : limits.withShutdownGrace(Duration.ofSeconds(shutdownGrace));
        return limits.withMaxRuns(runs).withMaxSessions(sessions).withSessionTtl(Duration.ofSeconds(ttl));
    }

    private static int first(Integer option, Integer configured, int fallback) {
        return option != null ? option : configured != null ? configured : fallback;
    }
}
