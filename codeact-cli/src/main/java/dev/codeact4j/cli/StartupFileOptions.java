package dev.codeact4j.cli;

import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.StartupFile;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files every session of a command starts with, as options shared by {@code run}, {@code exec}, {@code mcp} and
 * {@code serve} through {@code @Mixin}: Python tool files, whose functions become tools, and setup files. They go into the
 * sandbox policy ({@code SandboxPolicy.pythonTools()} and {@code setup()}), so that each session runs them when it
 * starts and again after its interpreter is replaced. The config file's {@code toolsPy} and {@code setup} come first.
 */
final class StartupFileOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--tools-py", paramLabel = "FILE",
            description = "A Python file whose public functions (not starting with _, defined in the file) become "
                    + "tools under their own names, a builtin's too (max): the model is shown their signatures, type "
                    + "hints and docstrings, and they run inside the sandbox. May be repeated.")
    List<Path> toolsPy = new ArrayList<>();

    @Option(names = "--setup", paramLabel = "FILE",
            description = "A file of the session's language that runs at the start of every session, before any "
                    + "other code (loading data, defining helpers): what it defines is there for the code, and its "
                    + "output is shown once. May be repeated; the files run in order.")
    List<Path> setup = new ArrayList<>();

    /**
     * The policy with the config file's tool and setup files, then the options'. A file that cannot be read, or a
     * Python tool file for JavaScript code, is a usage error naming the option or key.
     */
    SandboxPolicy applyTo(SandboxPolicy policy, CliConfig config) {
        List<StartupFile> tools = new ArrayList<>();
        config.toolsPy().forEach(file -> tools.add(read(file, "the config file's \"toolsPy\"")));
        toolsPy.forEach(file -> tools.add(read(file, "--tools-py")));
        List<StartupFile> setupFiles = new ArrayList<>();
        config.setup().forEach(file -> setupFiles.add(read(file, "the config file's \"setup\"")));
        setup.forEach(file -> setupFiles.add(read(file, "--setup")));
        if (!tools.isEmpty() && policy.language() != Language.PYTHON) {
            String from = !toolsPy.isEmpty() ? "--tools-py" : "the config file's \"toolsPy\"";
            throw usageError(from + ": Python tool files run in Python sessions, and this code is "
                    + policy.language().displayName() + ". Leave the tool files out, or run Python (--lang python).");
        }
        if (tools.isEmpty() && setupFiles.isEmpty()) {
            return policy;
        }
        return policy.toBuilder().pythonTools(tools).setup(setupFiles).build();
    }

    private StartupFile read(Path file, String option) {
        try {
            return StartupFile.read(file);
        } catch (IllegalArgumentException e) {
            throw usageError(option + ": " + e.getMessage() + ".");
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
