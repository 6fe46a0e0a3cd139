package dev.codeact4j.cli;

import dev.codeact4j.testing.TestClassPath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code codeact} in a JVM of its own, started as the installed command starts it: for what a test's JVM cannot
 * show (that a process loads the embedding model for the first time) or cannot do to itself (see the world
 * through read-only mounts).
 */
final class ChildCodeact {
    private static final long TIME_LIMIT_SECONDS = 120;

    record Result(int exitCode, String out, String err) {
    }

    private ChildCodeact() {
    }

    /** Runs {@code codeact args} with CODEACT_HOME set to {@code home}. */
    static Result run(Path home, String... args) throws IOException, InterruptedException {
        return start(List.of(), home, args);
    }

    /**
     * Runs {@code codeact args} with CODEACT_HOME set to {@code home}, in a mount namespace of its own in which each
     * of {@code readOnly} (a directory or a file) is bind-mounted read-only onto itself. A read-only mount stops
     * root too, unlike permissions, and it exists only in that namespace: it is gone with the process, whatever
     * happens to the test, and nothing else on the machine ever sees it.
     */
    static Result runWithReadOnly(List<Path> readOnly, Path home, String... args) throws IOException, InterruptedException {
        List<String> prefix = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        if (!"root".equals(System.getProperty("user.name"))) {
            prefix.addAll(1, List.of("--user", "--map-root-user")); // mounting needs root, in a namespace of one's own
        }
        prefix.addAll(List.of("sh", "-c", """
                set -e
                while [ "$1" != -- ]; do mount --bind "$1" "$1"; mount -o remount,bind,ro "$1"; shift; done
                shift
                exec "$@"
                """, "sh"));
        readOnly.forEach(path -> prefix.add(path.toString()));
        prefix.add("--");
        return start(prefix, home, args);
    }

    /**
     * Starts {@code codeact args} with CODEACT_HOME set to {@code home} and returns at once, for a command that
     * serves until it is stopped: its standard output is the process's input stream, its standard error goes to
     * {@code err}.
     */
    static Process startServing(Path home, Path err, String... args) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(List.of(), args))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectError(err.toFile());
        builder.environment().put("CODEACT_HOME", home.toString());
        return builder.start();
    }

    private static List<String> command(List<String> prefix, String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", TestClassPath.all(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", CodeactCommand.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static Result start(List<String> prefix, Path home, String... args) throws IOException, InterruptedException {
        List<String> command = command(prefix, args);
        Path out = Files.createTempFile("codeact-child-out", ".txt");
        Path err = Files.createTempFile("codeact-child-err", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("CODEACT_HOME", home.toString());
            Process process = builder.start();
            if (!process.waitFor(TIME_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("codeact " + String.join(" ", args) + " did not end within "
                        + TIME_LIMIT_SECONDS + " s; its standard error: " + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
