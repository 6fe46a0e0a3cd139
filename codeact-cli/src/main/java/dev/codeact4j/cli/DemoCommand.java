package dev.codeact4j.cli;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.cli.render.AgentReport;
import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.cli.render.DisplayFiles;
import dev.codeact4j.model.ReplayedChatModel;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.SandboxUnavailableException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code codeact demo}: real-world tasks worked on with model replies recorded earlier, so that anyone can see
 * an agent at work without a model or a key. Only the model is replayed: the code in its replies runs for
 * real, in the sandbox, through the same agent loop and the same display as {@code codeact run}.
 */
@Command(name = "demo",
        customSynopsis = "codeact demo [--json] [--output-dir DIR] [--no-store] [stock|physics|news|stock-js]",
        description = {
                "Shows an agent at work on real-world tasks, offline, with recorded model replies.",
                "No model is called and no API key is needed, but the code in the replies runs for real, in the "
                        + "sandbox, through the same agent loop and the same display as 'codeact run'. The examples:",
                "",
                "  stock    moving averages, volatility, trends, risk-adjusted returns and",
                "           recommendations for three stocks, with a chart",
                "  physics  an experiment's data: linear regression, correlation, a prediction",
                "           with confidence intervals, measurement uncertainties, statistics",
                "  news     30 headlines shipped with codeact: sentiment, topics, trends and a",
                "           summary report with confidence scores",
                "  stock-js the stock analysis again, written in JavaScript for plain Node.js:",
                "           skipped, when all run, if Node.js is missing",
                ""},
        exitCodeList = {
                "0:every example reached its answer",
                "1:an example did not",
                "2:usage error: unknown example or option",
                "3:no sandbox can be made here (the message says why and what to do)"},
        footerHeading = "%nOutput:%n",
        footer = {
                "Like 'codeact run': progress on standard error, each answer on standard output;",
                "with --json, one JSON object per example, one per line, with the fields of",
                "'codeact run --json' and the example's name first (\"example\")."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Parameters(paramLabel = "EXAMPLE", arity = "0..1",
            description = "stock, physics, news or stock-js; all of them when left out.")
    String example;

    @Mixin
    OutputOptions.Json output;

    @Mixin
    OutputOptions.Figures figures;

    @Mixin
    StoreOptions store;

    @Override
    public Integer call() throws IOException {
        List<DemoExample> examples = examples();
        DisplayFiles displayFiles = figures.displayFiles();
        PrintWriter err = spec.commandLine().getErr();
        Colors colors = Colors.of(spec.commandLine());
        AgentReport report = new AgentReport(spec.commandLine().getOut(), err, colors, output.json, displayFiles);
        report.demoStarted();
        Sandbox sandbox = codeact.sandbox(err, colors, false);

        int succeeded = 0;
        int skipped = 0;
        try (RunRecording recording = RunRecording.open(codeact.runStoreFile(), store.recording(), err, colors)) {
            // Recorded like any run, but never answered from the memory: the demo is there to show the agent at work.
            AgentFactory agents = AgentFactory.builder()
                    .sandbox(sandbox, SandboxPolicy.defaults())
                    .openTelemetry(codeact.openTelemetry(err, colors))
                    .recording(recording)
                    .memory(false)
                    .build();
            for (int i = 0; i < examples.size(); i++) {
                DemoExample demo = examples.get(i);
                report.exampleStarted("Example " + (i + 1) + " of " + examples.size() + ": " + demo.title()
                        + " (" + demo.name() + ")");
                try {
                    if (run(demo, agents, report).success()) {
                        succeeded++;
                    }
                } catch (SandboxUnavailableException e) {
                    if (example != null || demo.language() == Language.PYTHON) {
                        throw e;
                    }
                    // Python-only users need no Node.js: the JavaScript example is left out, saying why
                    err.println(colors.yellow("[skipped: " + e.getMessage() + "]"));
                    err.flush();
                    skipped++;
                }
            }
        }
        report.demoFinished(succeeded, examples.size() - skipped);
        return succeeded == examples.size() - skipped ? CodeactCommand.OK : CodeactCommand.FAILED;
    }

    private List<DemoExample> examples() {
        if (example == null) {
            return DemoExample.all();
        }
        DemoExample named = DemoExample.named(example.strip().toLowerCase());
        if (named == null) {
            throw new ParameterException(spec.commandLine(), "Unknown example '" + example + "': choose "
                    + String.join(", ", DemoExample.NAMES) + ", or none to run them all.");
        }
        return List.of(named);
    }

    /** One example in a working directory of its own, holding its data files, deleted afterwards. */
    private AgentResult run(DemoExample demo, AgentFactory agents, AgentReport report) throws IOException {
        Path workdir = agents.sandbox().createWorkdir("codeact-demo-" + demo.name() + "-");
        try {
            demo.writeFiles(workdir);
            ReplayedChatModel model = new ReplayedChatModel(demo.name(), demo.replies());
            int maxSteps = Math.max(10, demo.replies().size());
            CodeActAgent agent = agents.newBuilder()
                    .policy(SandboxPolicy.builder().language(demo.language()).workdir(workdir).build())
                    .maxSteps(maxSteps)
                    .build()
                    .agent(model);
            AgentResult result = agent.run(demo.task(), report.progress(model.name(), maxSteps, demo.language()));
            report.finished(result, demo.name());
            return result;
        } finally {
            deleteRecursively(workdir);
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: what is left is in the system's temporary directory
        }
    }
}
