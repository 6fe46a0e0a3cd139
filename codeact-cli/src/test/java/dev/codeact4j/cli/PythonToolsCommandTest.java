package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Python tool files (--tools-py) and setup files (--setup) of run and exec, through the real sandbox and a scripted
 * model: the tools listed to the model as the session read them, called by its code, and every way a file can be
 * unusable stopping the command before any model call.
 */
class PythonToolsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Tools as M3ToolEval writes them: plain functions with type hints and docstrings, one named like a builtin. */
    private static final String TRAVEL_TOOLS = """
            from datetime import date
            from typing import Optional

            _FARES = {("PAR", "ROM"): [120.0, 95.5, 180.0], ("PAR", "BER"): [80.0, 110.0]}
            _HOTELS = {"ROM": {"Albergo Sole": 95.0, "Hotel Roma": 140.0}, "BER": {"Mitte Inn": 70.0}}


            def find_flights(origin: str, destination: str, max_price: Optional[float] = None) -> list[float]:
                \"""The fares of the flights from one airport to another, in euros.

                Args:
                    origin: the IATA code of the airport to leave from, e.g. PAR
                    destination: the IATA code of the airport to fly to, e.g. ROM
                    max_price: leave out fares above this
                \"""
                return [p for p in _FARES.get((origin, destination), []) if max_price is None or p <= max_price]


            def find_hotels(city: str) -> dict[str, float]:
                \"""The hotels of a city (an IATA code) and their price per night, in euros.\"""
                return dict(_HOTELS.get(city, {}))


            def nights(check_in: date, check_out: date) -> int:
                \"""The number of nights between two dates.\"""
                return (check_out - check_in).days


            def max(values: list[float]) -> float:
                \"""The largest of the values: this suite's own, which the model must use.\"""
                best = values[0]
                for value in values:
                    best = value if value > best else best
                return best + 0.5


            def trip_cost(origin: str, destination: str, nights: int) -> float:
                \"""The cheapest flight there plus the cheapest hotel for the nights: calls the other tools.\"""
                return min(find_flights(origin, destination)) + nights * min(find_hotels(destination).values())
            """;

    @TempDir
    Path home;

    @TempDir
    Path temp;

    private CodeactRun codeact(String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", home.toString()), args);
    }

    private Path file(String name, String code) throws Exception {
        return Files.writeString(temp.resolve(name), code);
    }

    private static String code(String thought, String code) {
        return thought + "\n\n```python\n" + code + "\n```";
    }

    private static String systemPrompt(ScriptedModelServer.Request request) {
        return request.body().path("messages").get(0).path("content").asText();
    }

    private CodeactRun run(ScriptedModelServer server, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("run", "--model", "openai:test", "--base-url",
                server.baseUrl(), "--api-key", "k", "--no-store"));
        all.addAll(List.of(args));
        return codeact(all.toArray(String[]::new));
    }

    @Test
    void theModelIsShownTheToolFilesFunctionsAsTheSessionReadThemAndItsCodeCallsThem() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Price the trip with the tools.", """
                    fares = find_flights('PAR', 'ROM', max_price=150)
                    final_answer({'dearest': max(fares), 'hotels': sorted(find_hotels('ROM')),
                                  'trip': trip_cost('PAR', 'ROM', nights=2)})"""), 900, 60);

            CodeactRun run = run(server, "--json", "--tools-py", tools.toString(), "Plan two nights in Rome from Paris.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("answer")).isEqualTo(JSON.readTree(
                    "{\"dearest\": 120.5, \"hotels\": [\"Albergo Sole\", \"Hotel Roma\"], \"trip\": 285.5}"));
            String prompt = systemPrompt(server.requests().get(0));
            assertThat(prompt).contains("Tools: these functions are already defined in the interpreter.", """
                    def find_flights(origin: str, destination: str, max_price: Optional[float] = None) -> list[float]:
                        \"""The fares of the flights from one airport to another, in euros.

                        Args:
                            origin: the IATA code of the airport to leave from, e.g. PAR
                            destination: the IATA code of the airport to fly to, e.g. ROM
                            max_price: leave out fares above this
                        \"""
                        ...
                    """, """
                    def max(values: list[float]) -> float:
                        \"""The largest of the values: this suite's own, which the model must use.
                        \"""
                        ...
                    """, "def find_hotels(city: str) -> dict[str, float]:",
                    "def nights(check_in: datetime.date, check_out: datetime.date) -> int:",
                    "def trip_cost(origin: str, destination: str, nights: int) -> float:")
                    .doesNotContain("_FARES").doesNotContain("def date").doesNotContain("Optional(");
        }
    }

    @Test
    void aToolFileBesideHostToolsIsListedWithThemAndCallsThemAgainAfterTheInterpreterIsReplaced() throws Exception {
        Path tools = file("scaled.py", """
                def quadruple(x: int) -> int:
                    \"""Four times x, by the host tool double_it twice.\"""
                    return double_it(x=double_it(x=x))
                """);
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Lose the interpreter.", "import os\nos._exit(1)"), 100, 10)
                    .reply(code("Use the tools again.", "final_answer(quadruple(5) + double_it(x=1))"), 100, 10);

            CodeactRun run = run(server, "--json", "--allow-import", "os", "--tools-class",
                    McpToolsCommandTest.MathTools.class.getName(), "--tools-py", tools.toString(), "Quadruple 5.");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode result = run.json();
            assertThat(result.get("answer").asInt()).isEqualTo(22);
            assertThat(result.get("steps").get(0).get("error").get("type").asText()).isEqualTo("KernelDied");
            assertThat(systemPrompt(server.requests().get(0))).contains("Host tools: these functions are already defined")
                    .containsSubsequence("def double_it(x: int):", "def quadruple(x: int) -> int:");
        }
    }

    @Test
    void aSyntaxErrorOrARefusedImportInAToolFileIsAUsageErrorNamingTheFileAndLineBeforeAnyModelCall() throws Exception {
        Path broken = file("broken.py", "def fine() -> int:\n    return 1\n\ndef broken(:\n    pass\n");
        Path importing = file("importing.py", "import json\nimport subprocess\n\ndef run(command: str) -> str:\n    return ''\n");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            CodeactRun syntax = run(server, "--tools-py", broken.toString(), "Anything.");
            CodeactRun refused = run(server, "--tools-py", importing.toString(), "Anything.");
            CodeactRun exec = codeact("exec", "--tools-py", importing.toString(), "-c", "1");

            assertThat(syntax.exitCode()).isEqualTo(2);
            assertThat(syntax.err()).contains("codeact: the Python tool file " + broken
                    + " cannot be used: line 4: SyntaxError: invalid syntax", "def broken(:");
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.err()).contains("codeact: the Python tool file " + importing + " cannot be used: line 2: "
                    + "ImportError: import of 'subprocess' is not allowed by this session's module policy",
                    "File \"" + importing + "\", line 2, in <module>");
            assertThat(exec.exitCode()).isEqualTo(2);
            assertThat(exec.err()).contains("line 2: ImportError: import of 'subprocess' is not allowed");
            assertThat(exec.out()).isEmpty();
            assertThat(server.requests()).as("no model call").isEmpty();
        }
    }

    @Test
    void setupRunsOnceBeforeTheFirstStepItsOutputShownOnceAndItsVariablesTheModelsCodes() throws Exception {
        Path setup = file("load.py", """
                import statistics
                prices = {'Rome': 95.0, 'Berlin': 70.0, 'Lisbon': 82.0}
                print(f'loaded {len(prices)} prices')
                """);
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            server.reply(code("Look at the data.", "print(sorted(prices))"), 200, 20)
                    .reply(code("Answer.", "final_answer(statistics.mean(prices.values()))"), 200, 20);

            CodeactRun run = run(server, "--setup", setup.toString(), "The mean price?");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out().strip()).isEqualTo("82.33333333333333");
            assertThat(run.err()).containsSubsequence("Setup: " + setup, "loaded 3 prices", "Step 1", "Step 2");
            assertThat(run.err().split("loaded 3 prices", -1)).as("shown once").hasSize(2);
            assertThat(systemPrompt(server.requests().get(0))).contains("Setup: before your first step, the session ran "
                    + setup + "; the variables, functions and imports it defined are in the interpreter. It printed:\n"
                    + "```\nloaded 3 prices\n```");
        }
    }

    @Test
    void aSetupThatFailsStopsTheRunWithItsTracebackBeforeAnyModelCall() throws Exception {
        Path setup = file("load.py", "import csv\nwith open('sales.csv') as f:\n    rows = list(csv.reader(f))\n");
        try (ScriptedModelServer server = ScriptedModelServer.openAi()) {
            CodeactRun run = run(server, "--setup", setup.toString(), "Sum the sales.");

            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("codeact: the setup file " + setup + " failed: FileNotFoundError: ",
                    "File \"" + setup + "\", line 2, in <module>");
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void execRunsTheToolAndSetupFilesBeforeTheFirstSnippetShowingTheSetupsOutputOnce() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        Path setup = file("trip.py", "route = ('PAR', 'BER')\nprint('route set')\n");

        CodeactRun human = codeact("exec", "--tools-py", tools.toString(), "--setup", setup.toString(),
                "-c", "fares = find_flights(*route)", "-c", "max(fares)");
        CodeactRun json = codeact("exec", "--json", "--tools-py", tools.toString(), "--setup", setup.toString(),
                "-c", "sum([trip_cost(*route, nights=1)])");

        assertThat(human.exitCode()).as(human.err()).isZero();
        assertThat(human.out()).isEqualTo("=> 110.5\n");
        assertThat(human.err()).contains("[Python tools: find_flights, find_hotels, nights, max, trip_cost]", "route set");
        assertThat(human.err().split("route set", -1)).hasSize(2);
        assertThat(json.exitCode()).as(json.err()).isZero();
        assertThat(json.jsonLines()).hasSize(1);
        assertThat(json.jsonLines().get(0).get("result").get("json").asDouble()).isEqualTo(150.0);
        assertThat(json.err()).contains("route set");
    }

    @Test
    void pythonToolFilesAreAUsageErrorInAJavaScriptRunAndSetupIsOfTheRunsLanguage() throws Exception {
        Path tools = file("travel.py", TRAVEL_TOOLS);
        Path setup = file("setup.js", "const route = ['PAR', 'ROM'];\nconsole.log('route set');\n");

        CodeactRun javascriptTools = codeact("exec", "--lang", "js", "--tools-py", tools.toString(), "-c", "1");
        CodeactRun javascriptSetup = codeact("exec", "--lang", "js", "--setup", setup.toString(), "-c", "route.join('-')");

        assertThat(javascriptTools.exitCode()).isEqualTo(2);
        assertThat(javascriptTools.err()).contains("--tools-py: Python tool files run in Python sessions, and this code "
                + "is JavaScript");
        assertThat(javascriptSetup.exitCode()).as(javascriptSetup.err()).isZero();
        assertThat(javascriptSetup.out()).isEqualTo("=> 'PAR-ROM'\n");
        assertThat(javascriptSetup.err()).contains("route set");
    }

    @Test
    void theConfigFilesToolsPyAndSetupAreFilesBesideItAndComeFirst() throws Exception {
        Files.writeString(home.resolve("travel.py"), TRAVEL_TOOLS);
        Files.writeString(home.resolve("first.py"), "order = ['config']\n");
        Path second = file("second.py", "order.append('option')\n");
        Files.writeString(home.resolve("config.json"), "{\"toolsPy\": [\"travel.py\"], \"setup\": [\"first.py\"]}");

        CodeactRun run = codeact("exec", "--setup", second.toString(), "-c", "(order, max([1, 2]))");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("=> (['config', 'option'], 2.5)\n");

        Files.writeString(home.resolve("config.json"), "{\"setup\": [\"absent.py\"]}");
        CodeactRun missing = codeact("exec", "-c", "1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("\"setup\": no such file: " + home.resolve("absent.py"));
    }

    @Test
    void aToolFileFunctionNamedLikeAHostToolIsAUsageError() throws Exception {
        Path tools = file("doubles.py", "def double_it(x: int) -> int:\n    return x + x\n");

        CodeactRun run = codeact("exec", "--tools-class", McpToolsCommandTest.MathTools.class.getName(),
                "--tools-py", tools.toString(), "-c", "double_it(x=2)");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("the Python tool file " + tools + " defines double_it, which is also the "
                + "function of the host tool 'double_it'");
    }
}
