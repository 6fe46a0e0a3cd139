package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sessions side by side, closing, pooling, and running without isolation. */
class SessionLifecycleTest {

    @Test
    void twentySessionsRunInParallelWithoutCrosstalk() throws Exception {
        int count = 20;
        ExecutorService executor = Executors.newFixedThreadPool(count);
        try {
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int id = i;
                outcomes.add(executor.submit(() -> {
                    try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(60)).build())) {
                        session.execute("me = " + id + "\nwith open('who.txt', 'w') as f: f.write(str(me))");
                        StringBuilder seen = new StringBuilder();
                        for (int round = 0; round < 5; round++) {
                            ExecutionResult result = session.execute("print(me, end='')\nme * 1000 + " + round
                                    + " if open('who.txt').read() == str(me) else -1");
                            seen.append(result.stdout()).append(':').append(result.result().json().asInt()).append(' ');
                        }
                        return seen.toString().trim();
                    }
                }));
            }
            for (int i = 0; i < count; i++) {
                StringBuilder expected = new StringBuilder();
                for (int round = 0; round < 5; round++) {
                    expected.append(i).append(':').append(i * 1000 + round).append(' ');
                }
                assertThat(outcomes.get(i).get()).isEqualTo(expected.toString().trim());
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void closingASessionLeavesNoProcessBehind() {
        Session session = SANDBOX.open(quickPolicy().allowImports("subprocess").build());
        session.execute("import subprocess\nsleeper = subprocess.Popen(['sleep', '300'])");
        // Only this session's processes: the JVM may be making a spare disk (mkfs, mount) at the same time.
        ProcessHandle sleeper = ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("sleep")).findFirst().orElseThrow();
        // A plain session is this JVM's child (bubblewrap) and its descendants; a forked one is the init of its PID
        // namespace and its descendants, in the fork server's sandbox (which other sessions share: it stays).
        ProcessHandle sessionRoot = sleeper;
        while (sessionRoot.parent().map(p -> p.pid() != ProcessHandle.current().pid()).orElse(false)
                && !(session.howStarted().forked() && isNamespaceInit(sessionRoot))) {
            sessionRoot = sessionRoot.parent().orElseThrow();
        }
        List<ProcessHandle> started = Stream.concat(Stream.of(sessionRoot), sessionRoot.descendants()).toList();
        assertThat(started).as("bubblewrap or the init, the interpreter and its child").hasSizeGreaterThanOrEqualTo(3)
                .contains(sleeper);
        var workdir = session.workdir();

        session.close();

        // Killed before close returns; one whose parent died first is reaped by the host's init a moment later, and
        // is a zombie (alive to ProcessHandle) until then.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (started.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        assertThat(started).noneMatch(ProcessHandle::isAlive);
        assertThat(workdir).doesNotExist();
        assertThat(session.isAlive()).isFalse();
        assertThatThrownBy(() -> session.execute("1")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void thePoolHandsOutSessionsWithTheDataStackAlreadyImported() {
        try (SessionPool pool = new SessionPool(SANDBOX, quickPolicy().allowImports("sys").build(), 2)) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            try (Session session = pool.acquire()) {
                ExecutionResult result = session.execute("import sys\nsorted(m for m in ('numpy', 'pandas', 'matplotlib.pyplot') if m in sys.modules)");
                assertThat(result.result().json().toString()).isEqualTo("[\"matplotlib.pyplot\",\"numpy\",\"pandas\"]");
            }
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).as("the pool refills itself").isTrue();
            assertThat(pool.readyCount()).isEqualTo(2);
        }
    }

    @Test
    void withoutIsolationCodeStillRunsAndTheEnvironmentIsStillCleared() {
        Sandbox unsafe = Sandbox.builder().isolation(Isolation.UNSAFE_NONE).build();
        assertThat(unsafe.describe()).startsWith("NO ISOLATION");
        try (Session session = unsafe.open(quickPolicy().allowImports("os").build())) {
            ExecutionResult result = session.execute("import os\n('CODEACT_TEST_SECRET' in os.environ, 6 * 7)");
            assertThat(result.result().json().toString()).isEqualTo("[false,42]");
        }
    }

    @Test
    void allowingHostsWithoutTheEgressModuleSaysWhichDependencyIsMissing() {
        // This module's tests run without codeact-egress, as the sandbox does for a user who takes it alone.
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().allowHosts(java.util.List.of("pypi.org")).build()))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("dev.codeact4j:codeact-egress");
    }

    @Test
    void missingPrerequisitesAreReportedClearly() {
        assertThatThrownBy(() -> Sandbox.builder().bubblewrap(java.nio.file.Path.of("/nonexistent/bwrap")).build())
                .isInstanceOf(SandboxUnavailableException.class)
                .hasMessageContaining("bubblewrap");
        assertThatThrownBy(() -> Sandbox.builder().python(java.nio.file.Path.of("/nonexistent/python3")).build())
                .isInstanceOf(SandboxUnavailableException.class)
                .hasMessageContaining("no Python interpreter at /nonexistent/python3");
    }

    /** Whether a process is PID 1 of its own PID namespace (the last number of its NSpid line). */
    private static boolean isNamespaceInit(ProcessHandle process) {
        List<Long> ids = ForkServer.ProcFs.namespacePids(process.pid());
        return ids.size() > 1 && ids.get(ids.size() - 1) == 1;
    }
}
