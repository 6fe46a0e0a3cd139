package dev.codeact4j.cli;

import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.cli.render.AgentProgress;
import dev.codeact4j.cli.render.AgentReport;
import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.DisplayFiles;
import dev.codeact4j.cli.render.RunStoreViews;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code codeact run}: a model works on a task by writing Python (or JavaScript) that runs in a sandboxed session. */
@Command(name = "run",
        customSynopsis = {
                "codeact run [--model SPEC] [--base-url URL] [--api-key KEY] [--max-steps N]",
                "            [--mode simple|multi-step] [--format json|csv|text] [--schema FILE]",
                "            [--json] [--lang python|js] [--timeout SECONDS] [--memory MB]",
                "            [--disk MB]",
                "            [--allow-import M,...] [--network | --allow-host HOST[:PORT]...]",
                "            [--output-dir DIR] [--mcp COMMAND]... [--mcp-url URL]...",
                "            [--tools-class CLASS]... [--tools-py FILE]... [--setup FILE]...",
                "            [--tool-listing full|search|auto]",
                "            [--tool-listing-budget TOKENS] [--data PATH]...",
                "            [--dataset hf:OWNER/NAME[:CONFIG[:SPLIT]]]... [--dataset-max-mb MB]",
                "            [--dataset-refresh] [--no-store] [--no-cache] TASK"},
        description = {
                "A model solves TASK by writing Python (or JavaScript, with --lang js) that runs in a sandboxed, "
                        + "stateful session.",
                "The CodeAct loop: what the code prints goes back to the model, which writes more code, and so on "
                        + "until the code calls final_answer(...). Progress is shown on standard error as it "
                        + "happens (each step's code, its output, time and tokens); the answer goes to standard "
                        + "output. TASK - reads the task from standard input.",
                ""},
        exitCodeList = {
                "0:the agent gave an answer",
                "1:the agent reached no answer (step limit, or simple mode's code failed), or its answer is not "
                        + "in the --format asked (nothing is printed on standard output; --json still has it)",
                "2:usage error: no task, unknown option or value, no model named, bad config file, a "
                        + "--tools-py or --setup file that cannot be used, a --data path that does not exist, a "
                        + "dataset, config or split that does not exist, or a dataset over --dataset-max-mb",
                "3:no sandbox can be made here (the message says why and what to do)",
                "4:the model could not be called (no API key, refused key, unknown model, provider down), "
                        + "or an MCP server could not be started or reached, or the Hugging Face Hub refused a "
                        + "dataset (gated or private: HF_TOKEN) or could not be reached"},
        footerHeading = "%nModels:%n",
        // Written line by line: picocli wraps long footer lines without indenting them.
        footer = {
                "SPEC is PROVIDER:MODEL. The API key is read from the provider's variable unless",
                "--api-key gives it:",
                "  openrouter:MODEL  OPENROUTER_API_KEY  openrouter:google/gemini-2.5-flash",
                "  openai:MODEL      OPENAI_API_KEY      openai:gpt-4o-mini",
                "  anthropic:MODEL   ANTHROPIC_API_KEY   anthropic:claude-sonnet-4-5",
                "  hf:MODEL          HF_TOKEN            hf:Qwen/Qwen2.5-Coder-32B-Instruct",
                "  ollama:MODEL      (no key)            ollama:qwen2.5-coder",
                "--base-url points a provider at another endpoint speaking its protocol (vLLM,",
                "llama.cpp, LM Studio, a proxy). No model or key at hand? 'codeact demo'.",
                "",
                "Config file:",
                "$CODEACT_HOME/config.json (CODEACT_HOME defaults to ~/.codeact), a JSON object;",
                "every key is optional and the options above override it:",
                "  model           the model SPEC when --model is not given",
                "  baseUrl         like --base-url",
                "  maxSteps        like --max-steps",
                "  mode            \"simple\" or \"multi-step\", like --mode",
                "  language        \"python\" or \"javascript\", like --lang",
                "  timeoutSeconds  like --timeout",
                "  memoryMb        like --memory",
                "  diskMb          like --disk",
                "  allowImports    a list of module names, allowed besides --allow-import's",
                "  network         true or false; --network turns it on",
                "  allowHosts      a list of hosts, like --allow-host (which replaces it)",
                "  mcp             a list of MCP server command lines, started besides --mcp's",
                "  mcpUrls         a list of MCP server URLs, reached besides --mcp-url's",
                "  toolListing     \"full\", \"search\" or \"auto\", like --tool-listing",
                "  toolListingBudget  tokens, like --tool-listing-budget",
                "  toolsPy         a list of Python tool files, loaded before --tools-py's",
                "                  (relative to the config file's directory)",
                "  setup           a list of setup files, run before --setup's (likewise)",
                "  models          codeact serve's: the models its page offers",
                "  maxRuns         codeact serve's: runs at once",
                "  maxSessions     codeact serve's: sessions open at once",
                "  sessionTtlSeconds  codeact serve's: an unused session is closed after it",
                "  data            a list of files and directories, read besides --data's",
                "                  (a relative path is relative to $CODEACT_HOME)",
                "  datasets        a list of datasets, fetched besides --dataset's",
                "  poolSize        sessions kept started ahead for the runs (default 0: a",
                "                  Python session is forked in milliseconds; see BENCHMARKS.md)",
                "For example: {\"model\": \"openrouter:google/gemini-2.5-flash\", \"maxSteps\": 8}",
                "run uses every key but serve's four (models to sessionTtlSeconds); mcp the",
                "same but data and datasets; serve every key but data and datasets; exec the",
                "sandbox, tool and data keys (timeoutSeconds to mcpUrls, toolsPy, setup,",
                "language, data, datasets); tools serve mcp and mcpUrls; demo, history, show and",
                "report none.",
                "A config file that is not valid stops each of these with exit status 2.",
                "",
                "Tools:",
                "Every tool of the MCP servers (--mcp, --mcp-url) and of the --tools-class",
                "classes is a Python function in the session, under its own name made a valid",
                "identifier; when two servers (or a server and a class) offer the same name,",
                "the server's tool is prefixed with its server's name (memory_server_read_graph).",
                "The input schema is the function's signature; the model is shown the functions",
                "with their docstrings. In JavaScript each is an async function taking one",
                "object of arguments, await name({arg: value}), shown with its JSDoc; a failed",
                "call rejects with a ToolError. --mcp takes one command line, split as a shell would,",
                "NAME=VALUE words before the program setting its environment:",
                "  --mcp \"MEMORY_FILE_PATH=/tmp/m.jsonl npx -y",
                "         @modelcontextprotocol/server-memory\"",
                "With many tools the signatures cost tokens at every step: --tool-listing auto",
                "(the default) then shows the model only the tool groups (one per server or",
                "class) and the tools' names with one line each (only the groups when even that",
                "takes more than the budget), when the full listing takes more than",
                "--tool-listing-budget tokens (8000 by default, counted in OpenAI's o200k_base);",
                "--tool-listing search always does, full never. The code then finds the tools:",
                "search_tools(query, limit=10) ranks them by meaning (an embedding computed on",
                "this machine), help(tool) prints one's signature and docstring. In --mode",
                "simple, whose one program cannot read a search, auto lists them in full.",
                "A server that cannot be started or reached stops the run (exit 4); one that",
                "dies during a call fails that call. --tools-class loads a class from the",
                "classpath, so start codeact with your jar on it:",
                "  java -cp codeact.jar:tools.jar dev.codeact4j.cli.CodeactCommand run ...",
                "",
                "Python tools: --tools-py FILE runs the file in each session, as a module of its",
                "own, and makes its public functions (not starting with _, defined in the file,",
                "not imported) tools under their own names, even a builtin's (max, sum). The",
                "model is shown them beside the other tools, with the signatures, type hints and",
                "docstrings the session read from them; they run inside the sandbox, under its",
                "limits and --allow-import, and may call each other and the host's tools. A file",
                "that does not compile or imports a module not allowed stops the run before any",
                "model call, naming the file and line (exit 2). Python only: not with --lang js.",
                "",
                "Setup: --setup FILE runs the file (Python, or JavaScript with --lang js) at the",
                "start of the session, after the tool files and before the first step: what it",
                "defines is there for the model's code, which is told so with what it printed.",
                "Its output is shown once, on standard error. A setup that fails stops the run",
                "before any model call with its traceback (exit 2). Both run again in a fresh",
                "interpreter after one is replaced (out of memory, say); the other host tools",
                "are defined after them, so setup code cannot call those. With --tool-listing",
                "search the Python tools are still listed in full (search_tools finds the host's).",
                "",
                "Data:",
                "--data PATH makes a file or directory readable at /work/data/NAME (read-only,",
                "not copied), and the model is told what is there: names and sizes, and for",
                "CSV, JSON and Parquet files their columns and first rows. --dataset",
                "hf:OWNER/NAME[:CONFIG[:SPLIT]] fetches a Hugging Face dataset (the Parquet files",
                "the Hub converted it to, else its own Parquet, CSV and JSON Lines files; without",
                "CONFIG its default one, without SPLIT every split), converts each split to JSON",
                "Lines with its columns' types, and keeps it in $CODEACT_HOME/datasets/hf/HOST/",
                "OWNER/NAME/CONFIG/SPLIT: a later run uses it without asking the Hub",
                "(--dataset-refresh asks, and fetches the splits that changed). The code reads",
                "it at /work/data/hf/OWNER/NAME/CONFIG/SPLIT/data.jsonl; in Python,",
                "load_dataset(\"OWNER/NAME\", split=\"train\") returns a pandas DataFrame.",
                "HF_TOKEN is sent for gated and private datasets; HF_ENDPOINT names a mirror.",
                "",
                "Prompts: a file $CODEACT_HOME/prompts/NAME.txt replaces the built-in prompt of",
                "that name (system, simple, no-code, cut-off, max-steps, invalid-answer, multi-step, retry,",
                "reuse, tools, tools-search, pattern-data_analysis, pattern-web_scraping,",
                "pattern-machine_learning, pattern-general);",
                "{{variables}} such as {{authorized_imports}} are filled in as in the built-in ones",
                "({{data}} is what the model is told of the data; a system prompt without it gets",
                "it at its end).",
                "For --lang js, the files of $CODEACT_HOME/prompts/javascript/ replace those of",
                "the built-in JavaScript prompts.",
                "",
                "Output:",
                "Without --json: the answer on standard output, JSON pretty-printed; everything",
                "else on standard error. Figures the code draws are saved as PNG files under",
                "--output-dir.",
                "",
                "With --json: one JSON object on one line, with the fields:",
                "  runId, model, task",
                "  success       true when the agent gave an answer",
                "  reason        final_answer, max_steps or execution_failed",
                "  answer        the answer as a JSON value (text is a JSON string)",
                "  answerText    the answer as text",
                "  format        json, csv or text: detected, or as --format asked",
                "  parseError    why the answer is not valid in its format, or null",
                "  steps         [{index, thought, code, observation, error, figures,",
                "                  durationMs, modelMs, executionMs, inputTokens, outputTokens}]",
                "                where error is null or {type, message, traceback}, and figures",
                "                lists the PNG files saved",
                "  durationMs, inputTokens, outputTokens   for the whole run",
                "  cached        true when the answer came from the cache, without the model",
                "  reusedFrom    the run whose program the model was shown to adapt, or null",
                "  language      python or javascript: the language of the run's code",
                "",
                "Memory:",
                "Unless --no-store, runs use what earlier ones left in $CODEACT_HOME/runs.db:",
                "- The cache: a task solved before (same text up to white space, model, mode,",
                "  language, format, tools and sandbox policy) in the last 7 days gets the earlier answer",
                "  at once, without calling the model; with --network or tools, the earlier",
                "  program is run again instead, still without the model. --no-cache skips it.",
                "- Past solutions: a task similar to one solved before (by an embedding",
                "  computed on this machine) gets the earlier program in its prompt to adapt",
                "  (one of its own language).",
                "  The progress says when the embedding model is loaded (about a second).",
                "- Task patterns: a data analysis, web scraping or machine learning task gets",
                "  advice for its kind in the system prompt (prompts/pattern-KIND.txt).",
                "",
                "Examples:",
                "  codeact run --model openrouter:google/gemini-2.5-flash 'What is 2**100 - 1?'",
                "  codeact run --model openai:gpt-4o-mini --format csv --json \\",
                "      'The first 10 primes and their squares' | jq -r .answerText",
                "  cat task.txt | codeact run --model anthropic:claude-sonnet-4-5 --max-steps 5 -",
                "  codeact run --lang js --model openai:gpt-4o-mini 'The median of 3, 9, 4 and 7'"})
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--mode", paramLabel = "simple|multi-step", converter = ModeConverter.class,
            description = "multi-step (the default): code, observation, code... until final_answer; "
                    + "simple: one program, run once, its result is the answer.")
    AgentMode mode;

    @Option(names = "--format", paramLabel = "json|csv|text", converter = FormatConverter.class,
            description = "Parse the answer as this format (by default it is detected) and tell the model to give it; "
                    + "an answer that does not parse is not printed and the exit status is 1.")
    AnswerFormat format;

    @Option(names = "--schema", paramLabel = "FILE",
            description = "A JSON Schema file the answer must satisfy; an answer that does not goes back to the model.")
    Path schemaFile;

    @Mixin
    OutputOptions.Json output;

    @Mixin
    SandboxOptions sandboxOptions;

    @Mixin
    ToolOptions toolOptions;

    @Mixin
    StartupFileOptions startupFiles;

    @Mixin
    ToolListingOptions toolListingOptions;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    OutputOptions.Figures figures;

    @Mixin
    StoreOptions.WithCache store;

    // A list, so that an unquoted task of several words gets a message that says to quote it.
    @Parameters(paramLabel = "TASK", arity = "0..*",
            description = "What the agent should do, in one argument (quote it); - reads it from standard input.")
    List<String> taskArguments = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        String task = readTask();
        Path home = CliConfig.home(codeact.environment());
        CliConfig config = CliConfig.load(home);
        ModelSpec modelSpec = modelOptions.requiredSpec(config, home.resolve("config.json"));
        AgentFactory base = AgentFactory.builder(config, home, codeact.environment())
                .models(modelOptions, config)
                .mode(mode)
                .format(format)
                .schema(readSchema())
                .toolListing(toolListingOptions, config)
                .build();
        List<McpEndpoint> mcpServers = toolOptions.mcpServers(config);
        Tools classTools = toolOptions.classTools();
        DisplayFiles displayFiles = figures.displayFiles();
        PrintWriter err = spec.commandLine().getErr();
        Colors colors = Colors.of(spec.commandLine());
        DataOptions.Offer data = dataOptions.offer(startupFiles.applyTo(sandboxOptions.policy(config, null), config),
                config, home, codeact.environment(), err, colors);
        SandboxPolicy policy = data.policy();
        AgentReport report = new AgentReport(spec.commandLine().getOut(), err, colors, output.json, displayFiles);
        AgentProgress progress = report.progress(modelSpec.toString(), base.maxSteps(), policy.language());
        AgentFactory withRetries = base.newBuilder().retryListener(progress::retrying).build();
        ChatModels models = withRetries.models(modelSpec);

        Sandbox sandbox = codeact.sandbox(err, colors, false);
        try (HostTools tools = HostTools.start(classTools, mcpServers, err, colors);
             RunRecording recording = RunRecording.open(codeact.runStoreFile(), store.recording(), err, colors)) {
            CodeActAgent agent = withRetries.newBuilder()
                    .sandbox(sandbox, policy)
                    .tools(tools.tools())
                    .dataListing(data.listing())
                    .openTelemetry(codeact.openTelemetry(err, colors))
                    .recording(recording)
                    .cache(store.cache())
                    .build()
                    .agent(models);
            if (agent.toolListing() == ToolListing.SEARCH) {
                err.println(colors.faint("[tool listing: search: the model is shown the tools' groups and names, and "
                        + "its code finds them with search_tools and help]"));
                err.flush();
            }
            AgentResult result = agent.run(task, progress);
            boolean answered = report.finished(result, null, format);
            if (!output.json && recording.recording()) {
                String id = RunStoreViews.shortId(result.runId());
                err.println(colors.faint("Recorded as " + id + ": codeact show " + id));
                err.flush();
            }
            return answered ? CodeactCommand.OK : CodeactCommand.FAILED;
        }
    }

    private String readTask() throws IOException {
        if (taskArguments.isEmpty()) {
            throw usageError("No task given: say what the agent should do, e.g. "
                    + "codeact run --model openrouter:google/gemini-2.5-flash 'What is 2**100?' (- reads it from standard input).");
        }
        if (taskArguments.size() > 1) {
            throw usageError("The task must be one argument, but " + taskArguments.size() + " were given ('"
                    + String.join("' '", taskArguments) + "'): put the task in quotes.");
        }
        String task = taskArguments.get(0);
        if (task.equals("-")) {
            task = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            if (task.isBlank()) {
                throw usageError("The task read from standard input is empty.");
            }
        } else if (task.isBlank()) {
            throw usageError("The task is empty: say what the agent should do.");
        }
        return task.strip();
    }

    private AnswerSchema readSchema() {
        if (schemaFile == null) {
            return null;
        }
        if (!Files.isRegularFile(schemaFile)) {
            throw usageError("--schema " + schemaFile + ": no such file; name a JSON Schema file.");
        }
        try {
            return AnswerSchema.parse(Files.readString(schemaFile));
        } catch (IOException e) {
            throw usageError("--schema " + schemaFile + " cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
            throw usageError("--schema " + schemaFile + ": " + e.getMessage() + ".");
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    static final class ModeConverter extends ParsingConverter<AgentMode> {
        ModeConverter() {
            super(AgentMode::parse);
        }
    }

    static final class FormatConverter extends ParsingConverter<AnswerFormat> {
        FormatConverter() {
            super(AnswerFormat::parse);
        }
    }
}
