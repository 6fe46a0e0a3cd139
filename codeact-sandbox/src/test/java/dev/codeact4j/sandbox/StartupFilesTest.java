package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a policy gives every session at its start: Python tool files, whose public functions become tools that run
 * inside the sandbox, read by the session itself; and setup files, run in the code's namespace. Both come back after
 * the interpreter is replaced, and a file that cannot be used stops the session's start naming the file and line.
 */
class StartupFilesTest {
    /** Tools in the manner of M3ToolEval's: plain functions with type hints and docstrings, two named like builtins. */
    static final String TRAVEL_TOOLS = """
            from __future__ import annotations
            import math
            from dataclasses import dataclass
            from statistics import mean
            from typing import Optional

            FARES = {("PAR", "ROM"): [120.0, 95.5, 180.0], ("PAR", "BER"): [80.0, 110.0]}


            @dataclass
            class Flight:
                origin: str
                destination: str
                price: float


            def find_flights(origin: str, destination: str, max_price: Optional[float] = None) -> list[Flight]:
                \"""Finds the flights from one airport to another.

                Args:
                    origin: the IATA code of the airport to leave from
                    destination: the IATA code of the airport to fly to
                    max_price: leave out flights dearer than this, in euros
                \"""
                fares = FARES.get((origin, destination), [])
                return [Flight(origin, destination, p) for p in fares if max_price is None or p <= max_price]


            def max(values: list[float]) -> float:
                \"""The largest of the values (this tool suite's own, as M3ToolEval's are).\"""
                best = values[0]
                for value in values:
                    if value > best:
                        best = value
                return best


            def sum(values: list[float], *, rounded: bool = False) -> float:
                \"""The values added up, rounded up to a whole number if asked.\"""
                total = 0.0
                for value in values:
                    total += value
                return math.ceil(total) if rounded else total


            def dearest_fare(origin: str, destination: str) -> float:
                \"""The dearest fare of a route: calls the tools find_flights and max.\"""
                return max([flight.price for flight in find_flights(origin, destination)])


            def _to_euros(amount):
                return amount
            """;

    @TempDir
    Path directory;

    private Path file(String name, String code) throws Exception {
        return Files.writeString(directory.resolve(name), code);
    }

    @Test
    void aToolFilesPublicFunctionsAreToolsWithTheirSignaturesAndDocstringsRunInsideTheSandbox() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        try (Session session = SANDBOX.open(quickPolicy().pythonTools(tools).build())) {
            assertThat(session.pythonTools()).extracting(PythonTool::name)
                    .containsExactly("find_flights", "max", "sum", "dearest_fare");
            PythonTool find = session.pythonTools().get(0);
            assertThat(find.signature())
                    .isEqualTo("(origin: str, destination: str, max_price: Optional[float] = None) -> list[Flight]");
            assertThat(find.docstring()).startsWith("Finds the flights from one airport to another.\n\nArgs:\n"
                    + "    origin: the IATA code");
            assertThat(find.file()).isEqualTo(tools.toString());
            assertThat(session.pythonTools().get(2).signature()).isEqualTo("(values: list[float], *, rounded: bool = False) -> float");

            // the names shadow the builtins in the code's namespace, and a tool calls other tools
            ExecutionResult calls = session.execute("(max([3, 9, 4]), sum([1.5, 2], rounded=True), dearest_fare('PAR', 'ROM'),"
                    + " [f.price for f in find_flights('PAR', 'ROM', max_price=150)])");
            assertThat(calls.error()).isNull();
            assertThat(calls.result().json().toString()).isEqualTo("[9,4,180.0,[120.0,95.5]]");
            assertThat(calls.toolCalls()).as("Python tools never cross to the host").isEmpty();

            // what the file imports and keeps private stays its own
            ExecutionResult own = session.execute("[name in globals() for name in ('math', 'mean', 'Flight', 'FARES', '_to_euros')]");
            assertThat(own.result().json().toString()).isEqualTo("[false,false,false,false,false]");

            // a tool's error names its file and line in the code's traceback
            ExecutionResult failed = session.execute("max([])");
            assertThat(failed.error().type()).isEqualTo("IndexError");
            assertThat(failed.error().traceback()).contains("File \"" + tools + "\", line ").contains("best = values[0]");
        }
    }

    @Test
    void aToolRunsUnderTheSessionsLimitsAndPolicy() throws Exception {
        Path tools = file("files.py", """
                def write_note(text: str) -> str:
                    \"""Writes the text to note.txt in the working directory.\"""
                    with open("note.txt", "w") as handle:
                        handle.write(text)
                    return "written"


                def system_name() -> str:
                    \"""Imports a module the policy refuses, when called.\"""
                    import subprocess
                    return subprocess.check_output(["uname"]).decode()
                """);
        try (Session session = SANDBOX.open(quickPolicy().pythonTools(tools).build())) {
            assertThat(session.execute("write_note('kept')").result().json().asText()).isEqualTo("written");
            assertThat(session.workdir().resolve("note.txt")).hasContent("kept");
            ExecutionResult refused = session.execute("system_name()");
            assertThat(refused.error().type()).isEqualTo("ImportError");
            assertThat(refused.error().message()).contains("import of 'subprocess' is not allowed");
        }
    }

    @Test
    void aSyntaxErrorOrARefusedImportStopsTheSessionsStartNamingTheFileAndLine() throws Exception {
        Path broken = file("broken.py", "def fine():\n    return 1\n\ndef broken(:\n    pass\n");
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().pythonTools(broken).build()))
                .isInstanceOfSatisfying(StartupFileException.class, e -> {
                    assertThat(e.file()).isEqualTo(broken.toString());
                    assertThat(e.line()).isEqualTo(4);
                    assertThat(e.getMessage()).isEqualTo("the Python tool file " + broken
                            + " cannot be used: line 4: SyntaxError: invalid syntax (broken.py, line 4)");
                    assertThat(e.traceback()).contains("def broken(:");
                });

        Path importing = file("importing.py", "import json\nimport socket\n\ndef f():\n    pass\n");
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().pythonTools(importing).build()))
                .isInstanceOfSatisfying(StartupFileException.class, e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.getMessage()).startsWith("the Python tool file " + importing + " cannot be used: line 2: "
                            + "ImportError: import of 'socket' is not allowed by this session's module policy");
                    assertThat(e.traceback()).contains("File \"" + importing + "\", line 2").doesNotContain("kernel.py");
                });
        // allowed, the same file is fine
        try (Session session = SANDBOX.open(quickPolicy().allowImports("socket").pythonTools(importing).build())) {
            assertThat(session.pythonTools()).extracting(PythonTool::name).containsExactly("f");
        }
    }

    @Test
    void aToolMayNotTakeTheSessionsOwnNamesNorAnotherFilesTool() throws Exception {
        Path answer = file("answer.py", "x = 1\n\ndef final_answer(value):\n    return value\n");
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().pythonTools(answer).build()))
                .isInstanceOf(StartupFileException.class)
                .hasMessageContaining("line 3").hasMessageContaining("defines final_answer, a name the session itself uses");

        Path first = file("first.py", "def lookup(key):\n    return 1\n");
        Path second = file("second.py", "def lookup(key):\n    return 2\n");
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().pythonTools(first, second).build()))
                .isInstanceOf(StartupFileException.class)
                .hasMessageContaining(second + " defines lookup, and so does the Python tool file " + first);
    }

    @Test
    void setupRunsAfterTheToolsInTheCodesNamespaceWithItsOutputKeptOnce() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        Path data = file("data.py", "fares = find_flights('PAR', 'BER')\nprint(f'loaded {len(fares)} fares')\n");
        Path helpers = file("helpers.py", "def cheapest():\n    return min(f.price for f in fares)\nprint('helpers ready')\n");
        try (Session session = SANDBOX.open(quickPolicy().pythonTools(tools).setup(data, helpers).build())) {
            ExecutionResult setup = session.setupResult();
            assertThat(setup.ok()).isTrue();
            assertThat(setup.stdout()).isEqualTo("loaded 2 fares\nhelpers ready\n");

            ExecutionResult first = session.execute("print(cheapest())\n1 / 0");
            assertThat(first.stdout()).isEqualTo("80.0\n");
            assertThat(first.error().traceback()).as("setup takes no cell number").contains("<cell-1>");
        }
    }

    @Test
    void aSetupFileThatFailsStopsTheSessionsStartWithItsTraceback() throws Exception {
        Path setup = file("load.py", "import csv\nrows = list(csv.reader(open('missing.csv')))\n");
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().setup(setup).build()))
                .isInstanceOfSatisfying(StartupFileException.class, e -> {
                    assertThat(e.getMessage()).startsWith("the setup file " + setup + " failed: FileNotFoundError: ");
                    assertThat(e.traceback()).contains("File \"" + setup + "\", line 2");
                });
    }

    @Test
    void aReplacedInterpreterHasTheToolsAndTheSetupAgain() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        Path setup = file("setup.py", "import os\nprint('set up')\nready = True\n");
        try (Session session = SANDBOX.open(quickPolicy().allowImports("os").pythonTools(tools).setup(setup).build())) {
            session.execute("extra = 1");
            ExecutionResult died = session.execute("os._exit(3)");
            assertThat(died.restarted()).isTrue();

            ExecutionResult after = session.execute("(max([2, 7]), ready, 'extra' in globals())");
            assertThat(after.restarted()).isTrue();
            assertThat(after.error()).isNull();
            assertThat(after.result().json().toString()).isEqualTo("[7,true,false]");
            assertThat(after.stdout()).as("the setup's output is shown once").doesNotContain("set up");
            assertThat(session.pythonTools()).hasSize(4);
            assertThat(session.setupResult().stdout()).isEqualTo("set up\n");
        }
    }

    @Test
    void pythonToolFilesAreForPythonSessionsAndUnreadableFilesAreRefusedAtOnce() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        assertThatThrownBy(() -> SandboxPolicy.builder().pythonTools(tools).language(Language.JAVASCRIPT).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Python tool files run in Python sessions");
        assertThatThrownBy(() -> SandboxPolicy.builder().pythonTools(directory.resolve("absent.py")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no such file: " + directory.resolve("absent.py"));
        assertThatThrownBy(() -> SandboxPolicy.builder().setup(directory))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a directory");

        SandboxPolicy policy = SandboxPolicy.builder().pythonTools(tools).build();
        assertThat(policy.pythonTools()).containsExactly(new StartupFile(tools.toString(), TRAVEL_TOOLS));
        assertThat(policy.toBuilder().build()).isEqualTo(policy);
        assertThat(policy.toBuilder().pythonTools(List.of()).build().pythonTools()).isEmpty();

        // a session of another language gets the policy without its files, which are Python
        SandboxPolicy withSetup = policy.toBuilder().setup(tools).build();
        assertThat(withSetup.forLanguage(Language.PYTHON)).isSameAs(withSetup);
        SandboxPolicy javascript = withSetup.forLanguage(Language.JAVASCRIPT);
        assertThat(javascript.language()).isEqualTo(Language.JAVASCRIPT);
        assertThat(javascript.pythonTools()).isEmpty();
        assertThat(javascript.setup()).isEmpty();
        assertThat(javascript.timeout()).isEqualTo(withSetup.timeout());
    }

    @Test
    void theStartupCodeRunsFirstSoThatTheSetupMayUseWhatItDefinesAfterARestartToo() throws Exception {
        Path setup = file("setup.py", "answer = helper() + 1\n");
        SandboxPolicy policy = quickPolicy().allowImports("os").startupCode("def helper():\n    return 41\n")
                .setup(setup).build();
        try (Session session = SANDBOX.open(policy)) {
            assertThat(session.setupResult().ok()).isTrue();
            assertThat(session.execute("answer").result().json().asInt()).isEqualTo(42);
            assertThat(session.execute("import os\nos._exit(3)").restarted()).isTrue();
            ExecutionResult after = session.execute("answer");
            assertThat(after.error()).as(after.stderr()).isNull();
            assertThat(after.result().json().asInt()).isEqualTo(42);
        }
    }
}
