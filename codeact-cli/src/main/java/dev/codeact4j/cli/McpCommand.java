package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.agent.PromptTemplates;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.McpSchemaValidator;
import dev.codeact4j.tools.Tools;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code codeact mcp}: an MCP server on standard input and output, serving execute_code and run_agent. */
@Command(name = "mcp",
        defaultValueProvider = SandboxOptions.PolicyDefaults.class,
        customSynopsis = {
                "codeact mcp [--model SPEC] [--base-url URL] [--api-key KEY] [--max-steps N]",
                "            [--timeout SECONDS] [--memory MB] [--disk MB] [--allow-import M,...]",
                "            [--network | --allow-host HOST[:PORT]...] [--output-dir DIR]",
                "            [--mcp COMMAND]... [--mcp-url URL]...",
                "            [--tools-class CLASS]... [--no-store]"},
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
                "2:usage error: unknown option or value, bad config file",
                "3:no sandbox can be made here (the message says why and what to do)",
                "4:an MCP server of --mcp or --mcp-url could not be started or reached"},
        footerHeading = "%nTools served:%n",
        // Written line by line: picocli wraps long footer lines without indenting them.
        footer = {
                "execute_code(code, timeout=None)",
                "  Runs Python in the connection's sandboxed session, which keeps variables,",
                "  imports and files from one call to the next (one session per connection).",
                "  timeout is in seconds (default: --timeout). Returns as text the JSON object",
                "  that 'codeact exec --json' prints for a snippet (see codeact exec --help; its",
                "  source is execute_code, its final the value given to final_answer(...)), and",
                "  each PNG figure also as an image; figures are saved under --output-dir too.",
                "run_agent(task, model=None, max_steps=None)",
                "  An agent solves the task in a fresh session. model is PROVIDER:MODEL (default:",
                "  --model, else \"model\" in the config file); its API key comes from the",
                "  provider's variable in this server's environment, or --api-key; --base-url",
                "  (or \"baseUrl\" in the config file) applies to every model. Returns as text the",
                "  JSON object that 'codeact run --json' prints (see codeact run --help).",
                "A failure (a bad argument, no API key, no sandbox) is a tool error whose text",
                "says what went wrong; a call of another tool is a JSON-RPC error naming it.",
                "The functions of --mcp, --mcp-url and --tools-class (see codeact run --help)",
                "are defined in every session, for both tools.",
                "",
                "Config file: every key of $CODEACT_HOME/config.json applies (see codeact run",
                "--help); the options override them.",
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

    @Option(names = "--model", paramLabel = "SPEC",
            description = "The model run_agent uses when the call names none; default: \"model\" in the config file.")
    String model;

    @Option(names = "--base-url", paramLabel = "URL", converter = RunCommand.BaseUrlConverter.class,
            description = "Another endpoint for the models' provider.")
    String baseUrl;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "The API key, instead of the provider's variable (which is safer: not in the process list).")
    String apiKey;

    @Option(names = "--max-steps", paramLabel = "N",
            description = "run_agent's step limit when the call sets none (default: \"maxSteps\" in the config file, else 10).")
    Integer maxSteps;

    @Mixin
    SandboxOptions sandboxOptions;

    @Mixin
    ToolOptions toolOptions;

    @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = "codeact-output",
            description = "Where figures are saved (default: ${DEFAULT-VALUE}; created only when there is one).")
    Path outputDir;

    @Option(names = "--no-store", description = "Do not record run_agent's runs in $CODEACT_HOME/runs.db ('codeact history').")
    boolean noStore;

    @Override
    public Integer call() throws IOException {
        Path home = CliConfig.home(codeact.environment());
        CliConfig config = CliConfig.load(home);
        SandboxPolicy policy = sandboxOptions.policy(config, null);
        String defaultModel = model != null ? model : config.model();
        if (model != null) {
            try {
                ModelSpec.parse(model);
            } catch (IllegalArgumentException e) {
                throw usageError("Invalid value for option '--model': " + e.getMessage() + ".");
            }
        }
        int steps = config.maxStepsOr(maxSteps);
        if (steps < 1) {
            throw usageError("--max-steps must be at least 1, got " + steps + ".");
        }
        if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
            throw usageError("--output-dir " + outputDir + " is a file, not a directory; name another.");
        }
        List<McpEndpoint> mcpServers = toolOptions.mcpServers(config);
        Tools classTools = toolOptions.classTools();

        PrintWriter err = spec.commandLine().getErr();
        Colors colors = Colors.of(spec.commandLine());
        Sandbox sandbox = codeact.sandbox(err, colors);
        // Standard output is the protocol's: whatever else would print there (a library, say) goes to standard error.
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        PrintStream standardOutput = System.out;
        System.setOut(System.err);
        try (HostTools tools = HostTools.start(classTools, mcpServers, err, colors);
             RunRecording recording = RunRecording.open(codeact.runStoreFile(), !noStore, err, colors)) {
            CodeactMcpServer.Settings settings = new CodeactMcpServer.Settings(sandbox, policy, tools,
                    new DisplayFiles(outputDir), defaultModel,
                    ModelSettings.defaults().withBaseUrl(baseUrl != null ? baseUrl : config.baseUrl()).withApiKey(apiKey),
                    steps, config.mode() != null ? config.mode() : AgentMode.MULTI_STEP,
                    PromptTemplates.defaults().overriddenBy(home.resolve("prompts")), codeact.environment(),
                    home.resolve("config.json"), codeact.openTelemetry(err, colors), recording.listener());
            try (CodeactMcpServer server = new CodeactMcpServer(settings)) {
                serveUntilClosed(server, protocol, err);
            }
        } finally {
            System.setOut(standardOutput);
        }
        return CodeactCommand.OK;
    }

    /** Answers requests on standard input until the client closes it. */
    private void serveUntilClosed(CodeactMcpServer server, OutputStream protocol, PrintWriter err) throws IOException {
        List<SyncToolSpecification> tools = server.tools();
        JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        StdioTransport transport = new StdioTransport(json, new FileInputStream(FileDescriptor.in), protocol, err,
                tools.stream().map(tool -> tool.tool().name()).toList());
        McpSyncServer mcp = McpServer.sync(transport)
                .jsonMapper(json)
                .serverInfo("codeact", CodeactCommand.VERSION)
                .instructions("execute_code runs Python in a persistent sandboxed session; run_agent has a model "
                        + "solve a whole task by writing and running Python.")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .jsonSchemaValidator(new McpSchemaValidator())
                .tools(tools)
                .build();
        try {
            transport.serveUntilEndOfInput();
        } finally {
            mcp.close();
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
