package dev.codeact4j.cli;

import dev.codeact4j.testing.TestClassPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code codeact exec} in a JVM of its own, ended each way a user ends it: the code finishing, Ctrl-C (SIGINT),
 * SIGTERM, and SIGKILL. Afterwards no process of its session is left on the host, not even a zombie, and no
 * directory or mount in its temporary directory (after SIGKILL, the next codeact cleans up what the killed one
 * could not).
 */
@Timeout(120)
class EndingsTest {
    private static final String SLOW = "import subprocess, time\nsubprocess.Popen(['sleep', '300'])\n"
            + "print('ready', flush=True)\ntime.sleep(300)";

    @TempDir
    Path temp;

    @Test
    void theCodeFinishing() throws Exception {
        // The code lingers a little after "ready", so that its processes can be seen before it finishes.
        Child child = start("exec", "-c", "import subprocess, time\nsubprocess.Popen(['sleep', '300'])\n"
                + "print('ready', flush=True)\ntime.sleep(3)");
        List<Long> processes = child.awaitReady();
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertNothingLeft(processes);
    }

    @Test
    void ctrlC() throws Exception {
        endWithSignal("INT");
    }

    @Test
    void sigterm() throws Exception {
        endWithSignal("TERM");
    }

    @Test
    void sigkillIsCleanedUpByTheNextCodeact() throws Exception {
        Child child = start("exec", "-c", SLOW);
        List<Long> processes = child.awaitReady();
        assertThat(sessionDirectories()).hasSize(1);

        child.process.destroyForcibly();
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        awaitGone(processes); // bubblewrap's --die-with-parent
        assertThat(sessionDirectories()).as("a killed JVM cannot clean up").hasSize(1);

        Child next = start("exec", "-c", "print('next', flush=True)");
        assertThat(next.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(next.process.exitValue()).as("the next codeact ran: " + Files.readString(next.stderr())).isZero();
        assertNothingLeft(processes);
    }

    private void endWithSignal(String signal) throws Exception {
        Child child = start("exec", "-c", SLOW);
        List<Long> processes = child.awaitReady();
        assertThat(sessionDirectories()).hasSize(1);

        new ProcessBuilder("kill", "-" + signal, Long.toString(child.process.pid())).start().waitFor();

        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).as("codeact ends promptly on SIG" + signal).isTrue();
        assertNothingLeft(processes);
    }

    /**
     * The CLI in a JVM of its own, with a temporary directory of its own so that what it leaves there can be counted;
     * like /tmp, it lets every user through (a root JVM runs sessions as the sandbox's user).
     */
    private Child start(String... args) throws IOException {
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + temp, "--enable-native-access=ALL-UNNAMED", "-cp", TestClassPath.all(),
                CodeactCommand.class.getName()));
        command.add(args[0]);
        command.addAll(List.of("--allow-import", "*")); // the boundary holds with every module allowed
        command.addAll(List.of(args).subList(1, args.length));
        Path stderr = Files.createTempFile(temp, "stderr-", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().put("CODEACT_HOME", temp.resolve("home").toString());
        return new Child(builder.start(), stderr);
    }

    private record Child(Process process, Path stderr) {
        /** Waits for the code's "ready" line, and returns the session's processes (host PIDs) at that moment. */
        List<Long> awaitReady() throws IOException {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                // earlier output
            }
            assertThat(line).as("the code printed ready; codeact's stderr: " + Files.readString(stderr)).isEqualTo("ready");
            List<Long> processes = process.descendants().map(ProcessHandle::pid).toList();
            assertThat(processes).as("bubblewrap, the kernel and sleep").hasSizeGreaterThanOrEqualTo(3);
            return processes;
        }
    }

    private void assertNothingLeft(List<Long> processes) throws Exception {
        awaitGone(processes);
        assertThat(sessionDirectories()).as("session directories left in " + temp).isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("mounts left").doesNotContain(temp.toString());
    }

    private List<Path> sessionDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(temp)) {
            // a plain session's directory, or a fork server's (which holds its sessions' directories)
            return entries.filter(path -> path.getFileName().toString().startsWith("codeact-session-")
                    || path.getFileName().toString().startsWith("codeact-fork-")).toList();
        }
    }

    /** Waits until none of these PIDs exists any more, zombies included (a zombie keeps its /proc entry). */
    private static void awaitGone(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (pids.stream().anyMatch(EndingsTest::exists) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(pids).as("processes of the session still on the host (zombies included)").noneMatch(EndingsTest::exists);
    }

    private static boolean exists(long pid) {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }
}
