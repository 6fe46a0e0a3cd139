package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.DisplayFiles;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.server.mcp.McpTools;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.Tools;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code codeact mcp}: an MCP server on standard input and output, serving execute_code and run_agent. */
@Command(name = "mcp",
        customSynopsis = {
                "codeact mcp [--model SPEC] [--base-url URL] [--api-key KEY] [--max-steps N]",
                "            [--lang python|js] [--timeout SECONDS] [--memory MB] [--disk MB]",
                "            [--allow-import M,...]",
                "            [--network | --allow-host HOST[:PORT]...] [--output-dir DIR]",
                "            [--mcp COMMAND]... [--mcp-url URL]...",
                "            [--tools-class CLASS]... [--tools-py FILE]... [--setup FILE]...",
                "            [--tool-listing full|search|auto] [--tool-listing-budget TOKENS]",
                "            [--no-store] [--no-cache]"},
        description = {
                "Serves codeact to an MCP client (Claude Desktop, an IDE, another agent) over standard input and "
                        + "output, until the client closes the connection. Standard output carries only the "
                        + "protocol; messages go to standard error. A line that is not a JSON-RPC message is "
                        + "answered with a JSON-RPC error (-32700 when it is not JSON, -32600 otherwise), also "
                        + "noted on standard error, and the server goes on. As MCP has it, a request waits for the "
                        + "client's notifications/initialized (a note on standard error says so).",
                ""},
        exitCodeList = {
                "0:the client closed the connection",
                "2:usage error: unknown option or value, bad config file, a --tools-py or --setup file "
                        + "that cannot be used (checked in a session started before serving)",
                "3:no sandbox can be made here (the message says why and what to do)",
                "4:an MCP server of --mcp or --mcp-url could not be started or reached"},
        footerHeading = "%nTools served:%n",
        // Written line by line: picocli wraps long footer lines without indenting them.
        footer = {
                "execute_code(code, language=None, timeout=None)",
                "  Runs Python or JavaScript (language: python or javascript; default --lang)",
                "  in the connection's sandboxed session of that language, which keeps",
                "  variables, imports and files from one call to the next (one session per",
                "  connection and language).",
                "  timeout is in seconds (default: --timeout). Returns as text the JSON object",
                "  that 'codeact exec --json' prints for a snippet (see codeact exec --help; its",
                "  source is execute_code, its final the value given to final_answer(...)), and",
                "  each figure also as an image (PNG, or SVG); figures are saved under",
                "  --output-dir too.",
                "run_agent(task, model=None, language=None, max_steps=None)",
                "  An agent solves the task in a fresh session, writing code in language",
                "  (default --lang). model is PROVIDER:MODEL (default:",
                "  --model, else \"model\" in the config file); its API key comes from the",
                "  provider's variable in this server's environment, or --api-key; --base-url",
                "  (or \"baseUrl\" in the config file) applies to every model. Returns as text the",
                "  JSON object that 'codeact run --json' prints (see codeact run --help), and",
                "  its steps' figures also as images.",
                "  As codeact run's, its runs are recorded and use the memory (the cache, past",
                "  solutions; see Memory in codeact run --help) unless --no-store or --no-cache.",
                "A failure (a bad argument, no API key, no sandbox) is a tool error whose text",
                "says what went wrong; a call of another tool is a JSON-RPC error naming it.",
                "The functions of --mcp, --mcp-url and --tools-class (see codeact run --help)",
                "are defined in every session, for both tools; those of --tools-py, and the",
                "--setup files, in every session of --lang's language (execute_code's",
                "description lists the Python tools).",
                "",
                "Config file: every key of $CODEACT_HOME/config.json applies but serve's and the",
                "data keys (see codeact run --help); the options override them.",
                "",
                "Setting it up, e.g. in Claude Desktop's claude_desktop_config.json:",
                "  {\"mcpServers\": {\"codeact\": {\"command\": \"/path/to/codeact\",",
                "    \"args\": [\"mcp\", \"--model\", \"openrouter:google/gemini-2.5-flash\"],",
                "    \"env\": {\"OPENROUTER_API_KEY\": \"...\"}}}}"})
public final class McpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

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
    OutputOptions.Figures figures;

    @Mixin
    StoreOptions.WithCache store;

    @Override
    public Integer call() throws IOException {
        Path home = CliConfig.home(codeact.environment());
        CliConfig config = CliConfig.load(home);
        SandboxPolicy policy = startupFiles.applyTo(sandboxOptions.policy(config, null), config);
        ModelSpec defaultModel = modelOptions.spec(config);
        AgentFactory base = AgentFactory.builder(config, home, codeact.environment()).models(modelOptions, config)
                .toolListing(toolListingOptions, config).build();
        DisplayFiles displayFiles = figures.displayFiles();
        List<McpEndpoint> mcpServers = toolOptions.mcpServers(config);
        Tools classTools = toolOptions.classTools();

        PrintWriter err = spec.commandLine().getErr();
        Colors colors = Colors.of(spec.commandLine());
        Sandbox sandbox = codeact.sandbox(err, colors, true);
        sandbox.prepare(policy); // the fork server starts while the client connects
        // Standard output is the protocol's: whatever else would print there (a library, say) goes to standard error.
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        PrintStream standardOutput = System.out;
        System.setOut(System.err);
        try (HostTools tools = HostTools.start(classTools, mcpServers, err, colors);
             RunRecording recording = RunRecording.open(codeact.runStoreFile(), store.recording(), err, colors)) {
            AgentFactory agents = base.newBuilder()
                    .sandbox(sandbox, policy)
                    .tools(tools.tools())
                    .openTelemetry(codeact.openTelemetry(err, colors))
                    .recording(recording)
                    .cache(store.cache())
                    .build();
            Path configFile = home.resolve("config.json");
            try (McpTools mcpTools = McpTools.builder(sandbox, agents.runAgents(defaultModel, "codeact mcp", configFile))
                    .policy(policy)
                    .tools(tools.tools(), HostTools.CALL_LIMIT)
                    .defaultModel(defaultModel == null ? null : defaultModel.toString(),
                            "start codeact mcp with --model, or set \"model\" in " + configFile)
                    .defaultMaxSteps(agents.maxSteps())
                    .figures(displayFiles)
                    .build()) {
                serveUntilClosed(mcpTools, protocol, err);
            }
        } finally {
            System.setOut(standardOutput);
        }
        return CodeactCommand.OK;
    }

    /** Answers requests on standard input until the client closes it. */
    private void serveUntilClosed(McpTools tools, OutputStream protocol, PrintWriter err) throws IOException {
        StdioTransport transport = new StdioTransport(McpTools.JSON, new FileInputStream(FileDescriptor.in), protocol,
                err, List.of(McpTools.EXECUTE_CODE, McpTools.RUN_AGENT));
        McpSyncServer mcp = tools.serve(McpServer.sync(transport), CodeactCommand.VERSION);
        try {
            transport.serveUntilEndOfInput();
        } finally {
            mcp.close();
        }
    }
}
