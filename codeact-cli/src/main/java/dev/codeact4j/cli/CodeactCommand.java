package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.sandbox.Isolation;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.store.RunStore;
import io.opentelemetry.api.OpenTelemetry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The {@code codeact} command. Subcommands are listed in {@code subcommands} below; each is one class that
 * takes this command as its {@code @ParentCommand} and gets from it the global options and the sandbox
 * ({@link #sandbox}); what goes wrong in one is reported by {@link CommandErrors}. The help and version options,
 * the "Exit status" heading and the sandbox options' defaults are inherited by every subcommand ({@code INHERIT}).
 */
@Command(name = "codeact",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        version = "codeact " + CodeactCommand.VERSION,
        description = {
                "Runs model-written (or your own) Python or JavaScript code in sandboxed, stateful sessions.",
                "New here? 'codeact demo' shows an agent at work without a model or an API key."},
        subcommands = {RunCommand.class, DemoCommand.class, ExecCommand.class, McpCommand.class, ServeCommand.class,
                ToolsCommand.class,
                HistoryCommand.class, ShowCommand.class, ReportCommand.class, HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:success",
                "1:the code failed (exec), the agent reached no answer (run, demo), the run store could not be "
                        + "read (history, show, report), or the tool server could not listen (tools serve)",
                "2:usage error: unknown option, nothing to run, missing file, bad config file",
                "3:no sandbox can be made here (the message says why and what to do)",
                "4:the model could not be called (no API key, refused key, unknown model, provider down), "
                        + "or an MCP server could not be started or reached"})
public final class CodeactCommand implements Callable<Integer> {
    /** The server's, which MCP clients are told too. */
    static final String VERSION = CodeactServer.VERSION;

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int NO_SANDBOX = 3;
    static final int MODEL_ERROR = 4;

    /** Where API keys and CODEACT_HOME are looked up; tests give their own. */
    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    // INHERIT: the global options are accepted before and after the subcommand's name alike.
    @Option(names = "--unsafe-no-sandbox", scope = ScopeType.INHERIT,
            description = "Run code WITHOUT any isolation, as you, with your files and network. Only for code you "
                    + "trust, on a machine where bubblewrap cannot work. A warning is printed every time.")
    boolean unsafeNoSandbox;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show how the sandbox isolates code, and stack traces when something goes wrong.")
    boolean debug;

    // Hidden: lets tests (and people chasing a problem) point the sandbox at another bubblewrap binary.
    @Option(names = "--bwrap", paramLabel = "PATH", hidden = true, scope = ScopeType.INHERIT,
            description = "The bubblewrap binary to use instead of the one on PATH.")
    Path bubblewrap;

    // Hidden, likewise: another Node.js binary for JavaScript sessions (one that is missing, to see what happens).
    @Option(names = "--node", paramLabel = "PATH", hidden = true, scope = ScopeType.INHERIT,
            description = "The Node.js binary of JavaScript sessions instead of /usr/bin/node.")
    Path node;

    /** Where the agents' spans go: set up for the first agent, closed (flushed) when the command ends. */
    private TraceExport traceExport;

    CodeactCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command as installed. Usage errors show the message, the synopsis and a pointer to --help, rather than
     * picocli's whole help after the message.
     */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /**
     * The command with its environment (API keys, CODEACT_HOME, OTEL_*; tests give their own): failures of the
     * subcommands are reported by {@link CommandErrors}, which also maps them to exit codes, and the span export
     * is closed when a subcommand has run, whatever its end.
     */
    static CommandLine commandLine(Map<String, String> environment) {
        CodeactCommand codeact = new CodeactCommand(environment);
        CommandErrors errors = new CommandErrors(codeact::debug);
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        return new CommandLine(codeact)
                .setParameterExceptionHandler(CodeactCommand::usageError)
                .setExecutionExceptionHandler(errors)
                .setExitCodeExceptionMapper(errors)
                .setExecutionStrategy(parseResult -> {
                    try {
                        return runLast.execute(parseResult);
                    } finally {
                        codeact.closeTraceExport();
                    }
                });
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(Colors.of(command).red("codeact: " + e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, err);
        err.print("Usage: " + command.getHelp().synopsis(0));
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: try 'codeact demo', "
                + "'codeact run --model PROVIDER:MODEL \"TASK\"' or 'codeact exec -c \"print(1 + 1)\"'.");
    }

    Map<String, String> environment() {
        return environment;
    }

    /** The OpenTelemetry for agents: exporting by OTLP when the OTEL_* variables ask for it, else a no-op. */
    OpenTelemetry openTelemetry(PrintWriter err, Colors colors) {
        if (traceExport == null) {
            traceExport = TraceExport.start(environment, err, colors);
        }
        return traceExport.openTelemetry();
    }

    /** Where runs are recorded ({@code run}, {@code demo}) and read back ({@code history}, {@code show}, {@code report}). */
    Path runStoreFile() {
        return CliConfig.home(environment).resolve(RunStore.FILE_NAME);
    }

    /**
     * The sandbox the global options ask for; warns on every use of {@code --unsafe-no-sandbox}. {@code forkServer}:
     * whether Python sessions are forked from a fork server, which pays for a command that opens many sessions
     * ({@code serve}, {@code mcp}); a one-shot command opens one, and a plain start gives it sooner than a fork server
     * that must start first (0.44 s against 1.1 s for {@code exec -c 'print(1)'}, BENCHMARKS.md).
     */
    Sandbox sandbox(PrintWriter err, Colors colors, boolean forkServer) {
        if (unsafeNoSandbox) {
            err.println(colors.red("codeact: WARNING: --unsafe-no-sandbox: the code runs WITHOUT isolation, as you, "
                    + "with access to your files and the network. Use it only for code you trust."));
            err.flush();
        }
        Sandbox.Builder builder = Sandbox.builder()
                .isolation(unsafeNoSandbox ? Isolation.UNSAFE_NONE : Isolation.BUBBLEWRAP);
        if (!forkServer) {
            builder.forkServer(false); // else the builder's default, which -Dcodeact.forkServer=false turns off
        }
        if (bubblewrap != null) {
            builder.bubblewrap(bubblewrap);
        }
        if (node != null) {
            builder.node(node);
        }
        if (System.getProperty("codeact.jsPackages") == null) {
            // the JavaScript data stack under this command's $CODEACT_HOME, where the launcher installs it
            builder.javascriptPackages(CliConfig.home(environment).resolve("javascript"));
        }
        Sandbox sandbox = builder.build();
        if (debug) {
            err.println(colors.faint("codeact: sandbox: " + sandbox.describe()));
            err.flush();
        }
        return sandbox;
    }

    /** Ends the agents' span export (sending what is left) once the command has run. */
    private void closeTraceExport() {
        if (traceExport != null) {
            traceExport.close();
            traceExport = null;
        }
    }

    boolean debug() {
        return debug;
    }
}
