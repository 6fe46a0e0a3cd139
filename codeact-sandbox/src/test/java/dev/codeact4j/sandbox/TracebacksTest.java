package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a traceback calls the code and what it shows: the user's own cells numbered from 1 whatever the host ran
 * and across restarts, files by their names, the host's code left out, chains whole, and each restart said once.
 */
class TracebacksTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void cellsAreNumberedFromOneAcrossRestartsAndTheHostsCodeTakesNoNumberNorFrame() {
        try (Session session = SANDBOX.open(quickPolicy().allowImports("os").build())) {
            assertThat(session.executeHostCode("def lookup(key):\n    raise KeyError(key)\n").ok()).isTrue();

            ExecutionResult first = session.execute("1 / 0");
            assertThat(first.error().traceback()).contains("File \"<cell-1>\", line 1, in <module>");

            ExecutionResult second = session.execute("x = 1\nlookup('k')");
            assertThat(second.error().traceback()).contains("File \"<cell-2>\", line 2, in <module>", "KeyError: 'k'")
                    .doesNotContain("codeact-host").doesNotContain("in lookup").doesNotContain("raise KeyError");

            session.execute("import os\nos._exit(3)"); // cell 3: the interpreter dies and is replaced
            ExecutionResult afterRestart = session.execute("y = 2\nundefined_name");
            assertThat(afterRestart.restarted()).isTrue();
            assertThat(afterRestart.error().traceback()).contains("File \"<cell-4>\", line 2, in <module>");
        }
    }

    @Test
    void codeFromAFileIsCalledByItsNameAndStillCountsAsACell() {
        try (Session session = SANDBOX.open(quickPolicy().build())) {
            ExecutionResult result = session.execute("def half(n):\n    return n / 0\n\nhalf(4)\n", "analysis.py",
                    TIMEOUT, OutputListener.NONE);
            assertThat(result.error().traceback())
                    .contains("File \"analysis.py\", line 4, in <module>", "half(4)",
                            "File \"analysis.py\", line 2, in half", "return n / 0")
                    .doesNotContain("<cell-");

            ExecutionResult syntax = session.execute("x = = 1\n", "broken.py", TIMEOUT, OutputListener.NONE);
            assertThat(syntax.error().traceback()).startsWith("  File \"broken.py\", line 1\n").doesNotContain("kernel.py");

            assertThat(session.execute("1 / 0").error().traceback()).contains("File \"<cell-3>\"");
        }
    }

    @Test
    void aChainedErrorShowsEachExceptionAndWhatLinksThem() {
        try (Session session = SANDBOX.open(quickPolicy().build())) {
            ExecutionResult result = session.execute("""
                    import json
                    try:
                        json.loads('{')
                    except ValueError as error:
                        raise RuntimeError('the settings are not JSON') from error
                    """);
            String traceback = result.error().traceback();
            assertThat(traceback).containsSubsequence("Traceback (most recent call last):",
                    "File \"<cell-1>\", line 3, in <module>", "json.decoder.JSONDecodeError: Expecting property name",
                    "The above exception was the direct cause of the following exception:",
                    "Traceback (most recent call last):", "File \"<cell-1>\", line 5, in <module>",
                    "RuntimeError: the settings are not JSON");
            assertThat(traceback.split("The above exception", -1)).hasSize(2);
        }
    }

    @Test
    void aHintOfTheSandboxIsOnTheTracebacksLastLineToo() {
        try (Session session = SANDBOX.open(quickPolicy().build())) {
            ExecutionResult result = session.execute("raise MemoryError()");
            assertThat(result.error().message()).isEqualTo("(the session ran out of memory; use less)");
            assertThat(result.error().traceback().stripTrailing())
                    .endsWith("\nMemoryError (the session ran out of memory; use less)");
        }
    }

    @Test
    void aReplacedInterpreterIsReportedOnceByTheExecutionThatLostIt() {
        try (Session session = SANDBOX.open(quickPolicy().timeout(Duration.ofSeconds(1)).build())) {
            ExecutionResult lost = session.execute("""
                    import time
                    while True:
                        try:
                            time.sleep(10)
                        except KeyboardInterrupt:
                            pass
                    """);
            assertThat(lost.restarted()).isTrue();
            assertThat(lost.error().message()).contains("A fresh one will run the next code");

            ExecutionResult next = session.execute("'fresh'");
            assertThat(next.restarted()).as("it ran in a fresh interpreter").isTrue();
            assertThat(next.stderr()).as("already said by the error above").isEmpty();
        }
    }

    @Test
    void anInterpreterThatDiesBetweenExecutionsIsReportedByTheNextOne() throws Exception {
        try (Session session = SANDBOX.open(quickPolicy().allowImports("os", "threading").build())) {
            assertThat(session.execute("import os, threading\nthreading.Timer(0.2, lambda: os._exit(5)).start()").ok()).isTrue();
            for (int i = 0; i < 50 && session.isAlive(); i++) {
                Thread.sleep(100);
            }

            ExecutionResult next = session.execute("'fresh'");
            assertThat(next.restarted()).isTrue();
            assertThat(next.stderr()).isEqualTo("[codeact] the interpreter had died (exit code 5); this code runs in a "
                    + "fresh interpreter: earlier variables and imports are gone, files in the working directory are kept.\n");
        }
    }
}
