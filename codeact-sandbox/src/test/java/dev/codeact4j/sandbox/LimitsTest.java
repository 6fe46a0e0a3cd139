package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;

/** Every limit ends in time, with a clear message, and leaves a session (or its replacement) that works. */
class LimitsTest {

    @Test
    void aBusyLoopIsInterruptedAndTheSessionKeepsItsState() {
        try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(1)).build())) {
            session.execute("kept = 'still here'");
            ExecutionResult result = session.execute("while True:\n    pass");
            assertThat(result.timedOut()).isTrue();
            assertThat(result.restarted()).isFalse();
            assertThat(result.error().type()).isEqualTo("TimeoutError");
            assertThat(result.error().message()).contains("time limit of 1 s").contains("state is kept");
            assertThat(result.error().traceback()).containsPattern("<cell-\\d+>\", line \\d")
                    .as("the traceback says where the code was, and why it stopped").doesNotContain("KeyboardInterrupt")
                    .endsWith("\nTimeoutError: " + result.error().message() + "\n");
            assertThat(result.duration()).isLessThan(Duration.ofSeconds(5));
            assertThat(session.execute("kept").result().json().asText()).isEqualTo("still here");
        }
    }

    @Test
    void aSleepIsInterrupted() {
        try (Session session = SANDBOX.open(quickPolicy().build())) {
            ExecutionResult result = session.execute("import time\ntime.sleep(60)", Duration.ofMillis(500), OutputListener.NONE);
            assertThat(result.timedOut()).isTrue();
            assertThat(result.duration()).isLessThan(Duration.ofSeconds(5));
            assertThat(session.execute("1 + 1").result().json().asInt()).isEqualTo(2);
        }
    }

    @Test
    void codeThatIgnoresInterruptsIsKilledAndTheSessionIsReplaced() {
        try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(1)).build())) {
            session.execute("lost = 1");
            ExecutionResult result = session.execute("""
                    import time
                    while True:
                        try:
                            time.sleep(10)
                        except KeyboardInterrupt:
                            pass
                    """);
            assertThat(result.timedOut()).isTrue();
            assertThat(result.restarted()).isTrue();
            assertThat(result.error().message()).contains("did not stop when interrupted").contains("variables and imports are gone");
            assertThat(result.duration()).isLessThan(Duration.ofSeconds(6));

            ExecutionResult after = session.execute("'lost' in globals()");
            assertThat(after.restarted()).isTrue();
            assertThat(after.stderr()).as("the error above said it already").doesNotContain("fresh interpreter");
            assertThat(after.result().json().asBoolean()).isFalse();
            assertThat(session.execute("2 * 21").result().json().asInt()).isEqualTo(42);
            assertThat(session.restarts()).isEqualTo(1);
        }
    }

    @Test
    void aStoppedInterpreterIsKilledAtTheDeadline() {
        try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(1)).allowImports("os", "signal").build())) {
            ExecutionResult result = session.execute("import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)");
            assertThat(result.timedOut()).isTrue();
            assertThat(result.restarted()).isTrue();
            assertThat(session.execute("'alive'").result().json().asText()).isEqualTo("alive");
        }
    }

    @Test
    void aMemoryBombIsContained() {
        try (Session session = SANDBOX.open(quickPolicy().memoryMb(256).build())) {
            ExecutionResult result = session.execute("""
                    hog = []
                    while True:
                        hog.append(bytearray(16 * 1024 * 1024))
                    """);
            assertThat(result.ok()).isFalse();
            assertThat(result.error().type()).isEqualTo("MemoryError");
            assertThat(result.error().message()).containsAnyOf("memory limit of 256 MB", "ran out of memory");
            ExecutionResult after = session.execute("hog = None\nsum(range(10))");
            assertThat(after.result().json().asInt()).isEqualTo(45);
        }
    }

    @Test
    void aForkBombIsContained() {
        try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(5)).maxProcesses(32).allowImports("os").build())) {
            ExecutionResult result = session.execute("""
                    import os
                    children = 0
                    try:
                        while True:
                            if os.fork() == 0:
                                while True:
                                    pass
                            children += 1
                    except OSError as error:
                        print('fork refused after', children, 'children:', error)
                    """);
            assertThat(result.stdout() + result.error()).contains("fork refused after");
            assertThat(result.stdout()).containsPattern("after (1|2)?\\d children");
        }
    }

    @Test
    void aFileSizeBombIsContained() {
        try (Session session = SANDBOX.open(quickPolicy().maxFileSizeMb(5).build())) {
            ExecutionResult result = session.execute("""
                    with open('big.bin', 'wb') as f:
                        for _ in range(100):
                            f.write(b'x' * 1024 * 1024)
                    """);
            assertThat(result.error().type()).isEqualTo("OSError");
            assertThat(result.error().message()).contains("File too large").contains("limits one file to 5 MB");
            assertThat(session.workdir().resolve("big.bin").toFile().length()).isLessThanOrEqualTo(5L * 1024 * 1024);
            assertThat(session.execute("'ok'").result().json().asText()).isEqualTo("ok");
        }
    }

    @Test
    void anOutputFloodKeepsTheHeadAndTheTailAndSaysHowMuchWasCut() {
        try (Session session = SANDBOX.open(quickPolicy().maxOutputChars(10_000).build())) {
            ExecutionResult result = session.execute("for i in range(200000):\n    print(i)");
            assertThat(result.ok()).isTrue();
            assertThat(result.truncated()).isTrue();
            assertThat(result.stdout()).startsWith("0\n1\n2\n").endsWith("199998\n199999\n")
                    .containsPattern("\\[\\.\\.\\. \\d+ characters of output were cut here");
            assertThat(result.stdout().length()).isLessThan(11_000);
        }
    }

    @Test
    void aCpuHogIsStoppedByItsCpuBudget() {
        try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(20)).cpuTime(Duration.ofSeconds(1)).build())) {
            ExecutionResult result = session.execute("while True:\n    pass");
            assertThat(result.timedOut()).isFalse();
            assertThat(result.error().type()).isEqualTo("CpuTimeExceeded");
            assertThat(result.error().message()).contains("CPU time limit of 1 s");
            assertThat(session.execute("'survived'").result().json().asText()).isEqualTo("survived");
        }
    }

    @Test
    void aCrashOfTheInterpreterSaysWhereItCrashed() {
        try (Session session = SANDBOX.open(quickPolicy().allowImports("ctypes").build())) {
            ExecutionResult result = session.execute("import ctypes\ndef boom():\n    ctypes.string_at(0)\nboom()");
            assertThat(result.error().type()).isEqualTo("KernelDied");
            assertThat(result.error().message()).contains("Segmentation fault").contains("boom");
            assertThat(session.execute("1").result().json().asInt()).isEqualTo(1);
        }
    }

    @Test
    void aKernelThatDiesIsReportedAndReplaced() {
        try (Session session = SANDBOX.open(quickPolicy().allowImports("os").build())) {
            ExecutionResult result = session.execute("import os\nos._exit(7)");
            assertThat(result.error().type()).isEqualTo("KernelDied");
            assertThat(result.error().message()).contains("exit code 7");
            assertThat(result.restarted()).isTrue();
            assertThat(session.execute("1").result().json().asInt()).isEqualTo(1);
        }
    }

    @Test
    void garbageOnTheProtocolIsAnErrorNotAHang() {
        try (Session session = SANDBOX.open(quickPolicy().allowImports("gc", "socket").build())) {
            ExecutionResult result = session.execute("""
                    import gc, socket
                    channel = next(o for o in gc.get_objects() if isinstance(o, socket.socket))
                    channel.sendall(b'\\x00\\x00\\x00\\x07garbage')
                    import time; time.sleep(5)
                    """);
            assertThat(result.error().type()).isEqualTo("KernelProtocolError");
            assertThat(result.duration()).isLessThan(Duration.ofSeconds(4));
            assertThat(session.execute("'recovered'").result().json().asText()).isEqualTo("recovered");
        }
    }
}
