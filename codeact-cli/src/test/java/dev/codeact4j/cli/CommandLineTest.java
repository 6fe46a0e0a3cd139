package dev.codeact4j.cli;

import dev.codeact4j.model.ModelException;
import dev.codeact4j.sandbox.SandboxUnavailableException;
import dev.codeact4j.store.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.IExitCodeExceptionMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as picocli runs it: what every subcommand inherits from the top command, and the exit codes of failures. */
class CommandLineTest {
    @TempDir
    Path home;

    @Test
    void everySubcommandHasTheHelpAndVersionOptionsOfTheTopCommand() {
        for (List<String> command : List.of(List.of("run"), List.of("demo"), List.of("exec"), List.of("mcp"),
                List.of("history"), List.of("show"), List.of("report"), List.of("tools"), List.of("tools", "serve"))) {
            CodeactRun version = CodeactRun.in(home, concat(command, "--version"));
            CodeactRun help = CodeactRun.in(home, concat(command, "-h"));

            assertThat(version.exitCode()).as(command.toString()).isZero();
            assertThat(version.out().strip()).as(command.toString()).isEqualTo("codeact " + CodeactCommand.VERSION);
            assertThat(help.exitCode()).as(command.toString()).isZero();
            assertThat(help.out()).as(command.toString())
                    .contains("Usage: codeact " + String.join(" ", command), "-h, --help", "-V, --version", "Exit status:");
        }
    }

    @Test
    void failuresMapToTheDocumentedExitCodes() {
        CommandLine commandLine = CodeactCommand.commandLine(Map.of("CODEACT_HOME", home.toString()));
        IExitCodeExceptionMapper exitCodes = commandLine.getExitCodeExceptionMapper();

        assertThat(exitCodes.getExitCode(new CliConfig.InvalidException("bad file"))).isEqualTo(2);
        assertThat(exitCodes.getExitCode(new SandboxUnavailableException("no bubblewrap"))).isEqualTo(3);
        assertThat(exitCodes.getExitCode(new ModelException("no key"))).isEqualTo(4);
        assertThat(exitCodes.getExitCode(new StoreException("unreadable", null))).isEqualTo(1);
        assertThat(exitCodes.getExitCode(new IOException("cannot listen"))).isEqualTo(1);
        assertThat(exitCodes.getExitCode(new IllegalStateException("a bug"))).isEqualTo(1);
        assertThat(commandLine.getSubcommands().get("run").getExitCodeExceptionMapper()).isSameAs(exitCodes);
    }

    private static String[] concat(List<String> command, String option) {
        return Stream.concat(command.stream(), Stream.of(option)).toArray(String[]::new);
    }
}
