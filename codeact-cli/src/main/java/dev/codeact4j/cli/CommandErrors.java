package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.data.DatasetException;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.sandbox.SandboxException;
import dev.codeact4j.sandbox.SandboxUnavailableException;
import dev.codeact4j.sandbox.StartupFileException;
import dev.codeact4j.store.StoreException;
import dev.codeact4j.tools.McpServerException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What every subcommand does with a failure, set on the command line as picocli's execution exception handler
 * and exit code mapper: one line on standard error with the cause (and what to do, where the exception says it),
 * no stack trace unless {@code --debug}, and the documented exit status. A bad config file is a usage error (2),
 * like those picocli reports itself, and so is a Python tool or setup file that cannot be used (with its
 * traceback); a sandbox that cannot be made exits 3 with its reason; a model that cannot be called exits 4 with
 * the provider's words, and so does an MCP server that cannot be started or reached (another service the run
 * depends on), or a Hugging Face dataset the Hub refuses or cannot serve (one that does not exist as named, or is
 * over the size limit, exits 2); a run store that cannot be read exits 1 naming its file.
 */
final class CommandErrors implements IExecutionExceptionHandler, IExitCodeExceptionMapper {
    /** How a failure is reported: its line (after "codeact: ") and the exit status. */
    private record Failure(String message, int exitCode) {
    }

    private final BooleanSupplier debug;

    CommandErrors(BooleanSupplier debug) {
        this.debug = debug;
    }

    private Failure failure(Throwable e) {
        return switch (e) {
            case CliConfig.InvalidException invalid -> new Failure(invalid.getMessage(), CodeactCommand.USAGE);
            case ModelException model -> new Failure(model.getMessage(), CodeactCommand.MODEL_ERROR);
            case McpServerException mcp -> new Failure(mcp.getMessage(), CodeactCommand.MODEL_ERROR);
            case StartupFileException file -> new Failure(file.getMessage() + traceback(file), CodeactCommand.USAGE);
            case DatasetException dataset -> new Failure(dataset.getMessage() + ".", switch (dataset.kind()) {
                // what was named cannot be had as named: like a usage error
                case NOT_FOUND, NO_SUCH_SPLIT, TOO_LARGE -> CodeactCommand.USAGE;
                // the Hub, another service the run depends on, refused or could not be reached
                case NOT_AUTHORIZED, UNREACHABLE, FAILED -> CodeactCommand.MODEL_ERROR;
            });
            case StoreException store -> new Failure(store.getMessage() + ".", CodeactCommand.FAILED);
            case SandboxUnavailableException unavailable ->
                    new Failure("cannot make a sandbox: " + unavailable.getMessage(), CodeactCommand.NO_SANDBOX);
            case SandboxException sandbox -> new Failure("the sandbox failed: " + sandbox.getMessage(), CodeactCommand.NO_SANDBOX);
            case IOException io -> new Failure(io.getMessage(), CodeactCommand.FAILED);
            case UncheckedIOException io -> new Failure(io.getMessage(), CodeactCommand.FAILED);
            default -> new Failure("unexpected error: " + e
                    + (debug.getAsBoolean() ? "" : "\nRun again with --debug for the details, and please report it."),
                    CodeactCommand.FAILED);
        };
    }

    /** The traceback of a file that failed, on the lines after the message, without the last when the message ends with it. */
    private static String traceback(StartupFileException file) {
        List<String> lines = file.traceback().stripTrailing().lines().toList();
        if (!lines.isEmpty() && file.getMessage().endsWith(lines.get(lines.size() - 1))) {
            lines = lines.subList(0, lines.size() - 1);
        }
        return lines.isEmpty() ? "" : "\n" + String.join("\n", lines);
    }

    @Override
    public int getExitCode(Throwable exception) {
        return failure(exception).exitCode();
    }

    @Override
    public int handleExecutionException(Exception exception, CommandLine command, ParseResult parseResult) {
        Failure failure = failure(exception);
        PrintWriter err = command.getErr();
        err.println(Colors.of(command).red("codeact: " + failure.message()));
        if (debug.getAsBoolean()) {
            exception.printStackTrace(err);
        }
        err.flush();
        return command.getExitCodeExceptionMapper().getExitCode(exception);
    }
}
