package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;

/** What a session does with ordinary code: state, results, errors, output and rich displays. */
class SessionTest {
    private static Session session;

    @BeforeAll
    static void open() {
        session = SANDBOX.open(quickPolicy().allowImports("os", "sys", "subprocess").build());
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void variablesFunctionsImportsAndFilesPersistBetweenExecutions() {
        assertThat(session.execute("""
                import statistics
                total = 40
                def bump(n):
                    return n + 2
                with open('notes.txt', 'w') as f:
                    f.write('kept')
                """).ok()).isTrue();
        ExecutionResult next = session.execute("(bump(total), statistics.mean([1, 3]), open('notes.txt').read())");
        assertThat(next.error()).isNull();
        assertThat(next.result().json().toString()).isEqualTo("[42,2,\"kept\"]");
        assertThat(session.workdir().resolve("notes.txt")).hasContent("kept");
    }

    @Test
    void trailingExpressionIsTheResultWithReprAndJson() {
        ExecutionResult result = session.execute("values = {'a': [1, 2.5], 'b': None}\nvalues");
        assertThat(result.result().repr()).isEqualTo("{'a': [1, 2.5], 'b': None}");
        assertThat(result.result().type()).isEqualTo("dict");
        assertThat(result.result().json().path("a").get(1).asDouble()).isEqualTo(2.5);

        ExecutionResult notJson = session.execute("object()");
        assertThat(notJson.result().repr()).startsWith("<object object at");
        assertThat(notJson.result().json()).isNull();

        assertThat(session.execute("x = 1").result()).isNull();
        assertThat(session.execute("None").result()).isNull();
        assertThat(session.execute("print('only output')").result()).isNull();
    }

    @Test
    void numpyAndPandasValuesBecomeJson() {
        ExecutionResult result = session.execute("""
                import numpy as np, pandas as pd
                frame = pd.DataFrame({'city': ['Oslo', 'Lima'], 'temp': [3.5, 19.0]})
                frame
                """);
        assertThat(result.error()).isNull();
        JsonNode rows = result.result().json();
        assertThat(rows.get(1).path("city").asText()).isEqualTo("Lima");
        assertThat(rows.get(0).path("temp").asDouble()).isEqualTo(3.5);
        assertThat(result.displays()).extracting(Display::mime).containsExactly("text/plain", "application/json");
        assertThat(result.displays().get(0).data()).contains("Oslo").contains("temp");

        ExecutionResult array = session.execute("np.arange(6).reshape(2, 3).sum(axis=0)");
        assertThat(array.result().json().toString()).isEqualTo("[3,5,7]");
        assertThat(session.execute("np.float64(0.5) * 3").result().json().asDouble()).isEqualTo(1.5);
    }

    @Test
    void aDataFramesIndexIsTheFirstFieldOfItsRecordsInResultsDisplaysAndAnswersAlike() throws Exception {
        ExecutionResult described = session.execute("import pandas as pd\npd.DataFrame({'a': [1, 2]}).describe()");
        JsonNode rows = described.result().json();
        assertThat(rows).hasSize(8);
        assertThat(rows.get(0).toString()).isEqualTo("{\"index\":\"count\",\"a\":2.0}");
        assertThat(rows.get(1).path("index").asText()).isEqualTo("mean");
        assertThat(rows.get(1).path("a").asDouble()).isEqualTo(1.5);
        JsonNode displayed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(described.displays().get(1).data());
        assertThat(displayed).isEqualTo(rows);

        ExecutionResult grouped = session.execute("""
                sales = pd.DataFrame({'region': ['north', 'south', 'north'], 'units': [3, 4, 5]})
                final_answer(sales.groupby('region').sum())
                """);
        assertThat(grouped.finalAnswer().json().toString())
                .isEqualTo("[{\"region\":\"north\",\"units\":8},{\"region\":\"south\",\"units\":4}]");

        ExecutionResult plain = session.execute("sales");
        assertThat(plain.result().json().get(0).toString()).as("the default 0, 1, 2... index says nothing")
                .isEqualTo("{\"region\":\"north\",\"units\":3}");

        ExecutionResult clash = session.execute("sales.set_index('region', drop=False)");
        assertThat(clash.result().json().get(0).toString())
                .isEqualTo("{\"region_index\":\"north\",\"region\":\"north\",\"units\":3}");
    }

    @Test
    void errorsCarryTypeMessageAndTracebackWithSnippetLineNumbers() {
        ExecutionResult result = session.execute("""
                def divide(a, b):
                    return a / b

                divide(1, 0)
                """);
        assertThat(result.ok()).isFalse();
        assertThat(result.error().type()).isEqualTo("ZeroDivisionError");
        assertThat(result.error().message()).isEqualTo("division by zero");
        assertThat(result.error().traceback())
                .containsPattern("File \"<cell-\\d+>\", line 4, in <module>")
                .containsPattern("File \"<cell-\\d+>\", line 2, in divide")
                .contains("return a / b")
                .doesNotContain("kernel.py");
    }

    @Test
    void syntaxErrorsPointAtTheLine() {
        ExecutionResult result = session.execute("x = 1\ny = (2 +\nprint(x)\nz = = 3\n");
        assertThat(result.error().type()).isEqualTo("SyntaxError");
        assertThat(result.error().traceback()).containsPattern("<cell-\\d+>\", line 2").contains("was never closed")
                .doesNotContain("kernel.py").doesNotContain("ast.py");
    }

    @Test
    void stdoutAndStderrAreSeparateAndStreamWhileTheCodeRuns() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        long[] firstOutputAt = new long[1];
        long started = System.nanoTime();
        ExecutionResult result = session.execute("""
                import sys, time
                print('first', flush=True)
                time.sleep(0.8)
                print('oops', file=sys.stderr)
                print('last')
                """, (stream, text) -> {
            if (seen.isEmpty()) {
                firstOutputAt[0] = System.nanoTime() - started;
            }
            seen.add(stream + ":" + text);
        });
        assertThat(result.stdout()).isEqualTo("first\nlast\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
        assertThat(seen).first().isEqualTo("stdout:first\n");
        // The first line arrived while the code was still sleeping, not with the final result.
        assertThat(firstOutputAt[0]).isLessThan(result.duration().toNanos() - 500_000_000L);
    }

    @Test
    void outputOfChildProcessesAlwaysArrivesWithItsOwnExecution() {
        // A child's output once travelled beside the protocol and could arrive after the execution had ended.
        for (int round = 0; round < 100; round++) {
            ExecutionResult result = session.execute("import subprocess\nsubprocess.run(['echo', 'child " + round
                    + "'], check=True)\nsubprocess.run(['sh', '-c', 'echo oops " + round + " >&2'], check=True)\nNone");
            assertThat(result.stdout()).isEqualTo("child " + round + "\n");
            assertThat(result.stderr()).isEqualTo("oops " + round + "\n");
        }
    }

    @Test
    void outputOfChildProcessesIsCaptured() {
        ExecutionResult result = session.execute("import subprocess\nsubprocess.run(['echo', 'from a child'], check=True)\nNone");
        assertThat(result.error()).isNull();
        assertThat(result.stdout()).contains("from a child");
    }

    @Test
    void matplotlibFiguresComeBackAsPngImages() throws Exception {
        ExecutionResult result = session.execute("""
                import matplotlib.pyplot as plt
                fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
                ax.plot([1, 2, 3], [3, 1, 2])
                plt.show()
                plt.figure(); plt.bar(['a', 'b'], [1, 2])
                """);
        assertThat(result.error()).isNull();
        assertThat(result.displays()).hasSize(2).allSatisfy(display -> assertThat(display.mime()).isEqualTo("image/png"));
        byte[] png = result.displays().get(0).bytes();
        assertThat(png).startsWith(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isBetween(100, 250);
        assertThat(image.getHeight()).isBetween(80, 200);
        assertThat(session.execute("len(plt.get_fignums())").result().json().asInt()).isZero();
    }

    @Test
    void displaysReachTheListenerAsTheyAreShownBetweenTheOutput() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        ExecutionResult result = session.execute("print('before', flush=True)\ndisplay('shown')\nprint('after')",
                new OutputListener() {
                    @Override
                    public void onOutput(String stream, String text) {
                        seen.add(text.strip());
                    }

                    @Override
                    public void onDisplay(Display display) {
                        seen.add(display.mime() + " " + display.data());
                    }
                });
        assertThat(seen).containsExactly("before", "text/plain 'shown'", "after");
        assertThat(result.displays()).extracting(Display::data).containsExactly("'shown'");
    }

    @Test
    void displayShowsObjectsExplicitly() {
        ExecutionResult result = session.execute("display({'k': 1}, 'text')");
        assertThat(result.displays()).extracting(Display::data).containsExactly("{'k': 1}", "'text'");
    }

    @Test
    void displaysAndToolCallsReachTheListenerAsTheyHappen() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        OutputListener listener = new OutputListener() {
            @Override
            public void onOutput(String stream, String text) {
                seen.add(stream + ":" + text.strip());
            }

            @Override
            public void onDisplay(Display display) {
                seen.add("display:" + display.mime() + ":" + display.data());
            }

            @Override
            public void onToolCall(ToolCall call) {
                seen.add("tool:" + call.name() + ":" + call.arguments() + "=" + call.result() + ":" + call.error());
            }
        };
        try (Session tools = SANDBOX.open(quickPolicy().build())) {
            tools.toolHandler((name, arguments) -> IntNode.valueOf(arguments.path("n").asInt() * 2));
            tools.executeHostCode("def double(n):\n    return _codeact_call_tool('double', {'n': n})\n");
            ExecutionResult result = tools.execute("print('before')\ndisplay('shown')\nprint(double(21))", listener);
            assertThat(result.error()).isNull();
            assertThat(seen).containsExactly("stdout:before", "display:text/plain:'shown'",
                    "tool:double:{\"n\":21}=42:null", "stdout:42");
            assertThat(result.toolCalls()).hasSize(1);
        }
    }

    @Test
    void interruptStopsTheExecutionUnderWayAndKeepsTheState() throws Exception {
        try (Session own = SANDBOX.open(quickPolicy().build())) {
            own.execute("kept = 7");
            own.interrupt(); // between executions: nothing to stop
            ExecutionResult result = own.execute("import time\nprint('sleeping', flush=True)\ntime.sleep(600)",
                    (stream, text) -> Thread.ofVirtual().start(own::interrupt));
            assertThat(result.error().type()).isEqualTo("KeyboardInterrupt");
            // the interrupt is sent once the line is out; the interpreter may still be returning from print then
            assertThat(result.error().traceback()).containsAnyOf("time.sleep(600)", "print('sleeping', flush=True)");
            assertThat(result.timedOut()).isFalse();
            assertThat(result.restarted()).isFalse();
            assertThat(own.execute("kept").result().json().asInt()).isEqualTo(7);
        }
    }

    @Test
    void codeThatIgnoresTheInterruptHasItsInterpreterReplacedAfterTheGrace() {
        try (Session own = SANDBOX.open(quickPolicy().build())) {
            ExecutionResult result = own.execute("""
                    import time
                    while True:
                        try:
                            print('stubborn', flush=True)  # the interrupt comes once this is out: inside the try
                            time.sleep(600)
                        except KeyboardInterrupt:
                            pass
                    """, (stream, text) -> Thread.ofVirtual().start(own::interrupt));
            assertThat(result.error().type()).isEqualTo("KeyboardInterrupt");
            assertThat(result.error().message()).contains("did not stop within 1 s", "killed");
            assertThat(result.restarted()).isTrue();
            assertThat(own.execute("1 + 1").result().json().asInt()).isEqualTo(2);
        }
    }

    @Test
    void importsOutsideThePolicyAreRefusedWithAClearMessage() {
        try (Session strict = SANDBOX.open(quickPolicy().build())) {
            ExecutionResult refused = strict.execute("import socket");
            assertThat(refused.error().type()).isEqualTo("ImportError");
            assertThat(refused.error().message()).contains("'socket' is not allowed").contains("--allow-import socket");
            ExecutionResult dunder = strict.execute("__import__('subprocess')");
            assertThat(dunder.error().message()).contains("'subprocess' is not allowed");
            // Allowed libraries still import what they need internally (pandas imports os, for one).
            ExecutionResult allowed = strict.execute("import pandas as pd\nfrom numpy import linalg\npd.Series([1, 2]).sum()");
            assertThat(allowed.error()).isNull();
            assertThat(allowed.result().json().asInt()).isEqualTo(3);
        }
        try (Session open = SANDBOX.open(quickPolicy().allowedImports(java.util.Set.of("*")).build())) {
            assertThat(open.execute("import socket, os\nos.getcwd()").result().json().asText()).isEqualTo("/work");
        }
    }

    @Test
    void finalAnswerEndsTheSnippetAndHandsOverItsValue() {
        ExecutionResult result = session.execute("""
                answer = {'total': 42, 'items': [1, 2]}
                final_answer(answer)
                print('never printed')
                """);
        assertThat(result.error()).isNull();
        assertThat(result.stdout()).isEmpty();
        assertThat(result.finalAnswer().json().path("total").asInt()).isEqualTo(42);
        assertThat(session.execute("_final_answer['items']").result().json().toString()).isEqualTo("[1,2]");
        assertThat(session.execute("final_answer('plain text')").finalAnswer().json().asText()).isEqualTo("plain text");
        assertThat(session.execute("1 + 1").finalAnswer()).isNull();
    }

    @Test
    void standardInputIsEmpty() {
        ExecutionResult result = session.execute("input('name? ')");
        assertThat(result.error().type()).isEqualTo("EOFError");
    }

    @Test
    void aCallerNamedWorkingDirectoryIsUsedAndKept() throws Exception {
        var dir = SANDBOX.createWorkdir("codeact-named-");
        Files.writeString(dir.resolve("input.csv"), "a,b\n1,2\n3,4\n");
        try (Session named = SANDBOX.open(quickPolicy().workdir(dir).build())) {
            ExecutionResult result = named.execute("""
                    import pandas as pd
                    df = pd.read_csv('input.csv')
                    df.assign(c=df.a + df.b).to_csv('output.csv', index=False)
                    int(df.b.sum())
                    """);
            assertThat(result.result().json().asInt()).isEqualTo(6);
        }
        assertThat(dir.resolve("output.csv")).hasContent("a,b,c\n1,2,3\n3,4,7");
        LocalSandbox.deleteRecursively(dir);
    }
}
