package dev.codeact4j.cli;

import dev.codeact4j.cli.render.DisplayFiles;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where and how a command writes what it produced, as options shared through {@code @Mixin}. */
final class OutputOptions {
    private OutputOptions() {
    }

    /** {@code --json}: for {@code run}, {@code demo}, {@code exec}, {@code history}, {@code show} and {@code report}. */
    static final class Json {
        @Option(names = "--json", description = "Print JSON for programs instead of text for people (see Output below).")
        boolean json;
    }

    /** {@code --output-dir}: where {@code run}, {@code demo}, {@code exec} and {@code mcp} save figures. */
    static final class Figures {
        @Spec(Spec.Target.MIXEE)
        CommandSpec command;

        @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = "codeact-output",
                description = "Where figures are saved (default: ${DEFAULT-VALUE}; created only when there is one).")
        Path outputDir;

        /** Saves figures under --output-dir; one that is a file is a usage error. */
        DisplayFiles displayFiles() {
            if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
                throw new ParameterException(command.commandLine(),
                        "--output-dir " + outputDir + " is a file, not a directory; name another.");
            }
            return new DisplayFiles(outputDir);
        }
    }
}
