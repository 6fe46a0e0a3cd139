package dev.codeact4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code codeact tools}: host tools outside an agent run; for now only {@code serve}. */
@Command(name = "tools",
        description = "Host tools for processes outside the sandbox: 'codeact tools serve' offers them over HTTP.",
        subcommands = {ToolsServeCommand.class, HelpCommand.class})
public final class ToolsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    CodeactCommand codeact;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: try 'codeact tools serve --tools-class CLASS'.");
    }
}
