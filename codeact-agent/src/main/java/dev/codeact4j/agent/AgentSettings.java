package dev.codeact4j.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.model.ModelParameters;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.result.ResultProcessor;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.ResultValue;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.StartupFile;
import dev.codeact4j.tools.ToolDiscovery;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.Tools;
import dev.codeact4j.trace.AgentTracing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An agent's settings as its builder left them, and what follows from them alone: the texts the model is shown
 * and what counts as an answer. Shared by every run of the agent.
 *
 * @param checks            what a final answer must pass, in order: the schema's check first, when there is a schema
 * @param dataListing       what the session's data is (files, columns, first rows; datasets and how to load them),
 *                          for the system prompt's {@code {{data}}}; empty when there is none
 * @param toolListing       how the tools are shown, as asked ({@link ToolListing#AUTO} too): settled per session by
 *                          {@link #toolListing(List)}, since the budget counts the session's Python tools
 * @param toolListingBudget the tokens the tool descriptions may take in the system prompt
 * @param discovery         search_tools and help for these tools (and a session's Python tools) in the session's
 *                          language
 */
record AgentSettings(ModelCaller caller, String modelName, ModelParameters modelParameters, SandboxPolicy policy,
                     int maxSteps, AgentMode mode, AnswerFormat expectedFormat, AnswerSchema answerSchema,
                     List<AnswerCheck> checks, int maxObservationChars, PromptTemplates prompts,
                     List<AgentListener> listeners, Tools tools, Duration toolTimeout, AgentTracing tracing,
                     RunMemory memory, String dataListing, ToolListing toolListing, int toolListingBudget,
                     ToolDiscovery discovery) {

    /** A problem an answer check found: what the model is told, and the line for those watching. */
    record Rejection(String problem, String summary) { }

    AgentSettings {
        checks = List.copyOf(checks);
        listeners = List.copyOf(listeners);
    }

    /**
     * The answer an execution gives, or null: its final answer; in simple mode also, when it ran without error,
     * the value of its last expression or else what it printed.
     */
    ProcessedAnswer answerOf(ExecutionResult execution) {
        if (execution.finalAnswer() != null) {
            return ResultProcessor.process(answerJson(execution.finalAnswer()), expectedFormat);
        }
        if (mode != AgentMode.SIMPLE || !execution.ok()) {
            return null;
        }
        return execution.result() != null ? ResultProcessor.process(answerJson(execution.result()), expectedFormat)
                : ResultProcessor.processText(execution.stdout(), expectedFormat);
    }

    /**
     * How the tools of a session with these Python tools are shown: {@link ToolListing#FULL} or
     * {@link ToolListing#SEARCH}, auto counting the Python tools' signatures with the host tools'.
     */
    ToolListing toolListing(List<PythonTool> pythonTools) {
        return toolListing.resolve(tools, pythonTools, language(), toolListingBudget);
    }

    /**
     * Whether a session with these Python tools gets search_tools and help: beside host tools always (so that code
     * written for one listing still runs in the other), beside Python tools alone when they are searched.
     */
    boolean discovers(List<PythonTool> pythonTools) {
        return !tools.isEmpty() || (!pythonTools.isEmpty() && toolListing(pythonTools) == ToolListing.SEARCH);
    }

    /** The language the model writes, the session's. */
    Language language() {
        return policy.language();
    }

    /** The first problem the checks find with an answer; empty when it passes them all. */
    Optional<Rejection> rejection(ProcessedAnswer answer) {
        for (AnswerCheck check : checks) {
            Optional<String> problem = check.problem(answer);
            if (problem.isPresent()) {
                return Optional.of(new Rejection(problem.get(), check.summary(problem.get())));
            }
        }
        return Optional.empty();
    }

    private static JsonNode answerJson(ResultValue value) {
        return value.json() != null ? value.json() : TextNode.valueOf(value.repr());
    }

    // --- what the model is told ------------------------------------------------------------------------------------

    /** The system prompt of a run in {@code session}: its tools (host and Python) and what its setup printed. */
    String systemPrompt(String template, TaskPattern pattern, Session session) {
        String format = "";
        if (answerSchema != null) {
            format = "The answer must be JSON that matches this schema: " + answerSchema + ".";
        } else if (expectedFormat == AnswerFormat.JSON) {
            format = language() == Language.PYTHON ? "The task expects JSON: pass a dict or a list to final_answer."
                    : "The task expects JSON: pass an object or an array to final_answer.";
        } else if (expectedFormat == AnswerFormat.CSV) {
            format = "The task expects CSV: pass CSV text with a header row to final_answer.";
        } else if (expectedFormat == AnswerFormat.TEXT) {
            format = "The task expects text: pass a string to final_answer.";
        }
        String data = dataListing.isBlank() ? "" : "\n" + dataListing.strip() + "\n";
        String prompt = PromptTemplates.render(template, Map.of(
                "language", language().id(),
                "authorized_imports", imports(),
                "answer_format", format,
                "network", networkRule(),
                "tools", toolsSection(session) + setupSection(session),
                "pattern", prompts.pattern(pattern),
                "data", data));
        // A prompt of the user's own, written before there was {{data}}, still tells the model of the data.
        return template.contains("{{data}}") || data.isEmpty() ? prompt : prompt + "\n" + data.stripTrailing();
    }

    String cutOffObservation() {
        return PromptTemplates.render(prompts.cutOff(), Map.of("language", language().id()));
    }

    /** No code in the reply: say what it had instead (only shell commands, or nothing), and how to write code. */
    String noCodeObservation(CodeExtractor.Extracted extracted) {
        String found = extracted.onlyShell()
                ? "Your reply had only shell commands, and they were not run: this session runs " + language().displayName()
                + " only, and packages cannot be installed. Use the modules that can be imported (" + imports()
                + "), and do in " + language().displayName() + " what the commands would do."
                : "No code was found in your reply, so nothing was run.";
        return PromptTemplates.render(prompts.noCode(), Map.of("language", language().id(), "found", found));
    }

    /** A shell block beside the code was not run: the model must not believe that it installed or ran anything. */
    String shellNotRun() {
        return "Your shell commands were not run: this session runs " + language().displayName()
                + " only, and packages cannot be installed.";
    }

    String invalidAnswerObservation(String problem) {
        return PromptTemplates.render(prompts.invalidAnswer(), Map.of("problem", problem));
    }

    String maxStepsMessage() {
        return PromptTemplates.render(prompts.maxSteps(), Map.of("max_steps", maxSteps));
    }

    private String imports() {
        return policy.allowsAllImports() ? "any module" : String.join(", ", new TreeSet<>(policy.allowedImports()));
    }

    /** What the model is told of the network, as the policy has it. */
    private String networkRule() {
        if (policy.network()) {
            return "The network can be reached.";
        }
        if (!policy.allowHosts().isEmpty()) {
            String clients = language() == Language.PYTHON ? "requests, urllib and pandas" : "fetch, http and https";
            return "Only these hosts can be reached, over HTTP and HTTPS (" + clients + " work as usual): "
                    + String.join(", ", policy.allowHosts()) + ". Any other host answers 403.";
        }
        return "There is no network access.";
    }

    /**
     * The tools as the listing has them: every signature, or how to find them and what groups there are; the
     * session's Python tools (the functions of its tool files) are listed like the host tools, after them (in
     * search, a group per file).
     */
    private String toolsSection(Session session) {
        List<PythonTool> pythonTools = session.pythonTools();
        if (tools.isEmpty() && pythonTools.isEmpty()) {
            return "";
        }
        if (toolListing(pythonTools) == ToolListing.SEARCH) {
            int count = tools.list().size() + pythonTools.size();
            String section = PromptTemplates.render(prompts.toolSearch(), Map.of("language", language().id(),
                    "count", count == 1 ? "1 tool" : count + " tools",
                    "catalog", discovery.catalog(toolListingBudget, pythonTools)));
            return "\n" + section + (pythonTools.isEmpty() ? "" : "\nThe groups named after a .py file are the "
                    + "session's own Python functions: they run in the interpreter and raise their own exceptions, "
                    + "not ToolError.");
        }
        if (tools.isEmpty()) { // only the user's Python functions: they raise what they raise, not ToolError
            return "\nTools: these functions are already defined in the interpreter. Call them like any Python "
                    + "function, from loops and conditions as you need. Filter and combine their results in code rather "
                    + "than printing them whole.\n```python\n" + tools.stubs(language(), pythonTools) + "\n```";
        }
        return "\n" + PromptTemplates.render(prompts.tools(), Map.of("language", language().id(),
                "stubs", tools.stubs(language(), pythonTools)));
    }

    /** The most of a setup's output the model is shown; the rest is cut in the middle. */
    private static final int SETUP_OUTPUT_CHARS = 2_000;

    /**
     * What the setup files did before the model's first step: the model is told that their names are defined, and
     * shown what they printed (what data they loaded, say), so that it builds on it.
     */
    private String setupSection(Session session) {
        ExecutionResult setup = session.setupResult();
        if (setup == null) {
            return "";
        }
        String files = String.join(", ", session.policy().setup().stream().map(StartupFile::name).toList());
        String printed = (setup.stdout() + setup.stderr()).strip();
        return "\n\nSetup: before your first step, the session ran " + files + "; the variables, functions and "
                + "imports it defined are in the interpreter." + (printed.isEmpty() ? ""
                : " It printed:\n```\n" + Observations.cut(printed, SETUP_OUTPUT_CHARS) + "\n```");
    }
}
