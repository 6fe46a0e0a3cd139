package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.DisplayFiles;
import dev.codeact4j.cli.render.ExecReport;
import dev.codeact4j.cli.render.HumanReport;
import dev.codeact4j.cli.render.JsonReport;
import dev.codeact4j.cli.render.Snippet;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.SessionStart;
import dev.codeact4j.server.json.SavedDisplay;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Stack;
import java.util.concurrent.Callable;

/** {@code codeact exec}: runs snippets of Python (or JavaScript), in order, in one sandboxed session. */
@Command(name = "exec",
        customSynopsis = {
                "codeact exec [--json] [--lang python|js] [--timeout SECONDS] [--memory MB]",
                "             [--disk MB] [--allow-import M,...]",
                "             [--network | --allow-host HOST[:PORT]...]",
                "             [--workdir DIR] [--output-dir DIR] [--fail-fast]",
                "             [--mcp COMMAND]... [--mcp-url URL]... [--tools-class CLASS]...",
                "             [--tools-py FILE]... [--setup FILE]...",
                "             [--data PATH]... [--dataset hf:OWNER/NAME[:CONFIG[:SPLIT]]]...",
                "             [--dataset-max-mb MB] [--dataset-refresh] (-c CODE | FILE)..."},
        description = {
                "Runs Python snippets (JavaScript ones with --lang js), in order, in ONE sandboxed session: "
                        + "variables, imports and files carry over from one snippet to the next.",
                "Snippets are -c CODE and FILE arguments, run in the order given; a FILE of - reads standard input. "
                        + "Every snippet runs, even after one has failed (or its figures could not be saved), "
                        + "unless --fail-fast.",
                ""},
        exitCodeList = {
                "0:every snippet succeeded",
                "1:a snippet failed, or a figure of one could not be saved",
                "2:usage error: unknown option, no snippet, missing file, bad config file, a --tools-py or "
                        + "--setup file that cannot be used, a --data path that does not exist, a dataset, config or "
                        + "split that does not exist, or a dataset over --dataset-max-mb",
                "3:no sandbox can be made here (the message says why and what to do)",
                "4:an MCP server could not be started or reached, or the Hugging Face Hub refused a dataset "
                        + "(gated or private: HF_TOKEN) or could not be reached"},
        footerHeading = "%nOutput:%n",
        // Written line by line: picocli wraps long footer lines without indenting them.
        footer = {
                "Without --json: what the code prints, as it prints it (its standard error on",
                "standard error); the value of a snippet's last expression as '=> repr', the",
                "value it gave final_answer(...) as '=> final answer: repr';",
                "'[saved figure to PATH]' for each figure; errors, time-outs, restarts and",
                "figures that could not be saved highlighted on standard error.",
                "",
                "With --json: one JSON object per snippet, one per line, written when the",
                "snippet has finished, with the fields:",
                "  index       the snippet's position, from 0",
                "  source      -c, the FILE's name, or - for standard input (execute_code in",
                "              codeact mcp)",
                "  ok          true when the snippet raised no error",
                "  stdout      what the code printed on standard output",
                "  stderr      what it printed on standard error",
                "  result      null when the snippet ends in a statement or None, else",
                "              {repr, type, json}: json is the value as JSON when it has one",
                "              (numbers, strings, lists, dicts, numpy arrays, pandas frames",
                "              as records), else null",
                "  final       null unless the snippet called final_answer(VALUE), which ends",
                "              it; then VALUE as {repr, type, json}, like result",
                "  error       null, or {type, message, traceback}; the traceback calls a",
                "              FILE by its name, - <stdin>, and -c <cell-N>, N the snippet's",
                "              position from 1",
                "  displays    [{mime, path}] for images: PNG figures, saved as files under",
                "              --output-dir; [{mime, data}] for text, inline: text/plain, and",
                "              application/json for pandas tables (data is the JSON as text);",
                "              [{mime, error}] for a figure that could not be saved",
                "  network     [{host, port, method, allowed, refusal, bytesSent,",
                "              bytesReceived}]: each request through the --allow-host proxy",
                "  durationMs  wall-clock time in milliseconds",
                "  timedOut    the snippet ran into --timeout",
                "  truncated   its output was cut to the session's limit",
                "  restarted   the interpreter had to be replaced, by this snippet or the one",
                "              before (it would not stop after a time-out, ran out of memory,",
                "              or crashed): variables and imports of earlier snippets are gone",
                "",
                "A pandas frame is a list of records, one per row, with the same JSON in",
                "result, displays and final answers; an index other than 0, 1, 2, ... (the",
                "labels of describe(), groupby(), set_index()) is each record's first field,",
                "named after the index, or \"index\": [{\"index\": \"count\", \"a\": 2.0}, ...].",
                "",
                "Tools: the functions of --mcp, --mcp-url, --tools-class and --tools-py (see",
                "codeact run --help) are defined in the session before the first snippet runs;",
                "the --tools-py functions are listed on standard error. --setup files run",
                "before the first snippet too, and what they print is shown on standard error.",
                "",
                "Data: --data and --dataset as in codeact run (see codeact run --help): the",
                "files at /work/data, and in Python load_dataset(\"OWNER/NAME\", split=...).",
                "",
                "Config file: exec uses these keys of $CODEACT_HOME/config.json (see codeact",
                "run --help): timeoutSeconds, memoryMb, diskMb, allowImports, network,",
                "allowHosts, mcp, mcpUrls, toolsPy, setup, language, data and datasets; the",
                "options override them (toolsPy and setup come before --tools-py's and",
                "--setup's; data and datasets add to them). A config file that is not valid",
                "stops exec with exit status 2.",
                "",
                "Examples:",
                "  codeact exec -c 'x = 21' -c 'x * 2'",
                "  codeact exec --json --output-dir plots analysis.py",
                "  echo 'import math; math.pi' | codeact exec -",
                "  codeact exec --lang js -c 'const xs = [3, 1, 2]' -c 'xs.sort()'"})
public final class ExecCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Mixin
    OutputOptions.Json output;

    @Mixin
    SandboxOptions sandboxOptions;

    @Mixin
    ToolOptions toolOptions;

    @Mixin
    StartupFileOptions startupFiles;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--workdir", paramLabel = "DIR",
            description = "An existing directory to be the code's working directory (the code can read and write "
                    + "its files). By default a private temporary one, deleted at the end.")
    Path workdir;

    @Mixin
    OutputOptions.Figures figures;

    @Option(names = "--fail-fast", description = "Stop at the first snippet that fails instead of running the rest.")
    boolean failFast;

    // Both are collected by SnippetArguments into one list: two separate lists would lose the order in which
    // -c and FILE were given. The fields only declare the arguments.
    @Option(names = "-c", paramLabel = "CODE", parameterConsumer = SnippetArguments.class,
            description = "Code to run; may be given many times.")
    List<String> code;

    @Parameters(paramLabel = "FILE", parameterConsumer = SnippetArguments.class,
            description = "A file of code to run; - reads standard input.")
    List<String> files;

    private final List<SnippetArgument> snippetArguments = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        List<Snippet> snippets = readSnippets();
        Path home = CliConfig.home(codeact.environment());
        CliConfig config = CliConfig.load(home);
        DisplayFiles displayFiles = figures.displayFiles();
        List<McpEndpoint> mcpServers = toolOptions.mcpServers(config);
        Tools classTools = toolOptions.classTools();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Colors colors = Colors.of(spec.commandLine());
        SandboxPolicy policy = dataOptions.offer(policy(config), config, home, codeact.environment(), err, colors).policy();
        ExecReport report = output.json ? new JsonReport(out) : new HumanReport(out, err, colors, snippets.size());

        Sandbox sandbox = codeact.sandbox(err, colors, false);
        boolean allSucceeded = true;
        try (HostTools tools = HostTools.start(classTools, mcpServers, err, colors);
             Session session = sandbox.open(policy)) {
            tools.offerTo(session);
            allSucceeded = sessionStarted(session, displayFiles, err, colors);
            for (int index = 0; index < snippets.size(); index++) {
                Snippet snippet = snippets.get(index);
                ExecutionResult result = tools.execute(session, snippet.code(), snippet.filename(), policy.timeout(), report);
                List<SavedDisplay> displays = displayFiles.save(result.displays());
                report.snippetFinished(index, snippet, result, displays);
                // A figure that could not be saved is lost: that fails the snippet, though its code ran well.
                boolean succeeded = result.ok() && displays.stream().noneMatch(SavedDisplay::isUnsaved);
                allSucceeded &= succeeded;
                int remaining = snippets.size() - index - 1;
                if (!succeeded && failFast && remaining > 0) {
                    if (!output.json) {
                        err.println(colors.yellow("[--fail-fast: " + remaining + " more snippet"
                                + (remaining == 1 ? " was" : "s were") + " not run]"));
                        err.flush();
                    }
                    break;
                }
            }
        }
        return allSucceeded ? CodeactCommand.OK : CodeactCommand.FAILED;
    }

    /**
     * Says what the session started with, on standard error (standard output is the snippets'): the functions of
     * the Python tool files, and what the setup files printed, once, before the first snippet. False when a figure
     * the setup drew could not be saved.
     */
    private boolean sessionStarted(Session session, DisplayFiles displayFiles, PrintWriter err, Colors colors) {
        if (codeact.debug()) {
            SessionStart start = session.howStarted();
            err.println(colors.faint("codeact: session: " + (start.forked() ? "forked from the fork server"
                    : "started plainly (" + start.reason() + ")") + " in " + start.took().toMillis() + " ms"));
        }
        if (!session.pythonTools().isEmpty()) {
            err.println(colors.faint("[Python tools: " + String.join(", ",
                    session.pythonTools().stream().map(PythonTool::name).toList()) + "]"));
        }
        ExecutionResult setup = session.setupResult();
        boolean saved = true;
        if (setup != null) {
            err.print(setup.stdout());
            err.print(colors.yellow(setup.stderr()));
            for (SavedDisplay display : displayFiles.save(setup.displays())) {
                if (display.isUnsaved()) {
                    err.println(colors.red("[a figure of the setup could not be saved: " + display.error() + "]"));
                    saved = false;
                } else if (display.path() != null) {
                    err.println(colors.faint("[saved figure to " + display.path() + "]"));
                }
            }
        }
        err.flush();
        return saved;
    }

    private List<Snippet> readSnippets() throws IOException {
        if (snippetArguments.isEmpty()) {
            throw usageError("Nothing to run: give code with -c CODE, or name a FILE (- reads standard input).");
        }
        List<Snippet> snippets = new ArrayList<>();
        boolean standardInputRead = false;
        for (SnippetArgument argument : snippetArguments) {
            if (argument.inline()) {
                snippets.add(new Snippet("-c", argument.value()));
            } else if (argument.value().equals("-")) {
                if (standardInputRead) {
                    throw usageError("Standard input (-) can be read only once.");
                }
                standardInputRead = true;
                snippets.add(new Snippet("-", new String(System.in.readAllBytes(), StandardCharsets.UTF_8)));
            } else {
                snippets.add(new Snippet(argument.value(), readFile(argument.value())));
            }
        }
        return snippets;
    }

    private String readFile(String name) {
        Path path;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            throw usageError("'" + name + "' is not a valid file name: " + e.getReason());
        }
        if (!Files.exists(path)) {
            throw usageError("No such file: " + name + ". Name a file of code, give code inline with "
                    + "-c CODE, or use - to read it from standard input.");
        }
        if (Files.isDirectory(path)) {
            throw usageError(name + " is a directory; name a file of code.");
        }
        try {
            return Files.readString(path);
        } catch (CharacterCodingException e) {
            throw usageError(name + " is not UTF-8 text; save it as UTF-8.");
        } catch (IOException e) {
            throw usageError("Cannot read " + name + ": " + e.getMessage());
        }
    }

    private SandboxPolicy policy(CliConfig config) {
        if (workdir != null && !Files.isDirectory(workdir)) {
            throw usageError("--workdir " + workdir + " is not an existing directory: create it first, or leave "
                    + "--workdir out to use a private temporary one.");
        }
        return startupFiles.applyTo(sandboxOptions.policy(config, workdir), config);
    }

    private ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A -c CODE ({@code inline}) or a FILE, as given on the command line; files are read when the command runs. */
    private record SnippetArgument(boolean inline, String value) {
    }

    /** Collects -c and FILE arguments into one list, in command-line order. */
    static final class SnippetArguments implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            boolean inline = argSpec.isOption();
            if (inline && (args.isEmpty() || commandSpec.optionsMap().containsKey(args.peek()))) {
                throw new ParameterException(commandSpec.commandLine(),
                        "-c needs the code to run after it, e.g. -c 'print(1 + 1)'.");
            }
            ((ExecCommand) commandSpec.userObject()).snippetArguments.add(new SnippetArgument(inline, args.pop()));
        }
    }
}
