package dev.codeact4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code codeact serve} refuses before it listens: each with exit status 2 and what to do. */
class ServeOptionsTest {
    @TempDir
    Path home;

    @Test
    void aNetworkAddressWithoutAChosenTokenIsRefused() {
        CodeactRun run = CodeactRun.in(home, "serve", "--host", "0.0.0.0", "--port", "0");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains("0.0.0.0", "not a loopback address", "--token");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aShortTokenIsRefused() {
        CodeactRun run = CodeactRun.in(home, "serve", "--port", "0", "--token", "short");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains("at least 16 characters");
    }

    @Test
    void aPortInUseIsNamedWithWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CodeactRun run = CodeactRun.in(home, "serve", "--port", String.valueOf(taken.getLocalPort()));

            assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port");
        }
    }

    @Test
    void aBadLimitInTheConfigFileStopsItWithExitStatus2() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"maxRuns\": 0}");

        CodeactRun run = CodeactRun.in(home, "serve", "--port", "0");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains("maxRuns");
    }

    @Test
    void helpListsTheServersKeysAndExamples() {
        CodeactRun help = CodeactRun.in(home, "serve", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("codeact serve [--host ADDRESS]", "/api/openapi.json", "maxRuns",
                "sessionTtlSeconds", "CODEACT_SERVE_TOKEN", "SIGTERM");
    }
}
