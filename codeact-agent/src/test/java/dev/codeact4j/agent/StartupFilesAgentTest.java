package dev.codeact4j.agent;

import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.StartupFileException;
import dev.codeact4j.sandbox.ToolCall;
import dev.codeact4j.sandbox.SessionPool;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.ToolListing;
import dev.codeact4j.tools.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Python tool files and setup files given to the agent's builder: the model is shown the tools beside the host's and
 * told what the setup printed, the setup is said once per session, and a file that cannot be used ends the run before
 * any model call.
 */
class StartupFilesAgentTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private ScriptedModelServer server;

    @TempDir
    Path directory;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private CodeActAgent.Builder agent(ScriptedModelServer server) {
        ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(2)
                        .withTimeout(Duration.ofSeconds(20)), Map.of());
        return CodeActAgent.builder().models(models).sandbox(SANDBOX)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).allowImports("os").build());
    }

    private Path file(String name, String code) throws Exception {
        return Files.writeString(directory.resolve(name), code);
    }

    private static String python(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    private static String systemPrompt(ScriptedModelServer.Request request) {
        return request.body().path("messages").get(0).path("content").asText();
    }

    @Test
    void theToolFilesFunctionsAreListedBesideTheHostToolsAndBothComeBackAfterARestart() throws Exception {
        Path tools = file("units.py", """
                def to_celsius(fahrenheit: float) -> float:
                    \"""Degrees Fahrenheit in Celsius.\"""
                    return (fahrenheit - 32) * 5 / 9


                def sum(values: list[float]) -> float:
                    \"""This suite's sum: the values added up, plus the host's offset.\"""
                    total = 0.0
                    for value in values:
                        total += value
                    return total + offset()
                """);
        Tool offset = Tool.builder("offset").description("A constant the host knows.").function(arguments -> 100).build();
        server = ScriptedModelServer.openAi()
                .reply(python("import os\nos._exit(1)"), 100, 10)
                .reply(python("final_answer([round(to_celsius(212)), sum([1, 2])])"), 100, 10);

        AgentResult result = agent(server).tools(Tools.of(offset)).pythonTools(tools).build().run("Convert and add.");

        assertThat(result.success()).as(String.valueOf(result.steps())).isTrue();
        assertThat(result.answerValue().toString()).isEqualTo("[100,103.0]");
        assertThat(result.steps().get(0).error().type()).isEqualTo("KernelDied");
        assertThat(systemPrompt(server.requests().get(0))).containsSubsequence("Host tools:", "def offset():",
                "def to_celsius(fahrenheit: float) -> float:", "\"\"\"Degrees Fahrenheit in Celsius.",
                "def sum(values: list[float]) -> float:");
    }

    @Test
    void theSetupIsSaidOnceInAMultiStepTaskAndTheModelIsToldWhatItPrintedInEachStep() throws Exception {
        Path setup = file("setup.py", "readings = [3, 5, 8]\nprint(f'{len(readings)} readings loaded')\n");
        server = ScriptedModelServer.openAi()
                .reply(python("final_answer(sum(readings))"), 100, 10)
                .reply(python("final_answer(step_0_result * 2)"), 100, 10);
        List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

        List<AgentResult> results = agent(server).setup(setup).listener(events::add).build()
                .executeMultiStep(List.of("Add up the readings.", "Double it."));

        assertThat(results).extracting(r -> r.answerValue().asInt()).containsExactly(16, 32);
        List<AgentEvent.SetupFinished> setups = events.stream().filter(e -> e instanceof AgentEvent.SetupFinished)
                .map(AgentEvent.SetupFinished.class::cast).toList();
        assertThat(setups).hasSize(1);
        assertThat(setups.get(0).files()).containsExactly(setup.toString());
        assertThat(setups.get(0).result().stdout()).isEqualTo("3 readings loaded\n");
        assertThat(events.indexOf(setups.get(0))).as("after the run's start, before its first step")
                .isGreaterThan(events.indexOf(events.stream().filter(e -> e instanceof AgentEvent.RunStarted).findFirst().orElseThrow()))
                .isLessThan(events.indexOf(events.stream().filter(e -> e instanceof AgentEvent.StepStarted).findFirst().orElseThrow()));
        assertThat(server.requests()).allSatisfy(request -> assertThat(systemPrompt(request))
                .contains("Setup: before your first step, the session ran " + setup + "; the variables, functions and "
                        + "imports it defined are in the interpreter. It printed:\n```\n3 readings loaded\n```"));
    }

    @Test
    void aToolFileThatCannotBeUsedEndsTheRunBeforeAnyModelCall() throws Exception {
        Path tools = file("broken.py", "def ok():\n    pass\n\ndef broken(:\n    pass\n");
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"), 1, 1);
        CodeActAgent agent = agent(server).pythonTools(tools).build();

        assertThatThrownBy(() -> agent.run("Anything."))
                .isInstanceOfSatisfying(StartupFileException.class, e -> assertThat(e.line()).isEqualTo(4))
                .hasMessageContaining("the Python tool file " + tools + " cannot be used: line 4: SyntaxError");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aPoolsSessionsStartAsItsPolicySays() throws Exception {
        Path tools = file("units.py", "def to_celsius(fahrenheit: float) -> float:\n    return (fahrenheit - 32) * 5 / 9\n");
        server = ScriptedModelServer.openAi();
        try (SessionPool pool = new SessionPool(SANDBOX, SandboxPolicy.builder().build(), 1)) {
            assertThatThrownBy(() -> agent(server).sessionPool(pool).pythonTools(tools).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("give the pool a policy with the Python tool and setup files");
        }
    }

    @Test
    void withTheSearchListingThePythonToolsAreAGroupPerFileFoundBySearchToolsShownByHelpAndCalled() throws Exception {
        Path tools = file("units.py", """
                def to_celsius(fahrenheit: float) -> float:
                    \"""Convert degrees Fahrenheit to degrees Celsius.

                    Args:
                        fahrenheit: the temperature in degrees Fahrenheit
                    \"""
                    return (fahrenheit - 32) * 5 / 9


                def to_miles(kilometres: float) -> float:
                    \"""Convert a distance in kilometres to miles.\"""
                    return kilometres / 1.609344
                """);
        Tool offset = Tool.builder("offset").description("A constant the host knows.").function(arguments -> 100).build();
        server = ScriptedModelServer.openAi()
                .reply(python("import os\nos._exit(1)"), 100, 10)
                .reply(python("""
                        for tool in search_tools("convert a temperature from fahrenheit to celsius", limit=3):
                            print(tool["name"], "|", tool["group"], "|", tool["signature"], "|", tool["description"])
                        help("to_celsius")
                        """), 100, 10)
                .reply(python("final_answer(offset() + round(to_celsius(fahrenheit=212)))"), 100, 10);

        AgentResult result = agent(server).tools(Tools.of(offset)).toolListing(ToolListing.SEARCH).pythonTools(tools)
                .build().run("Add the constant to the boiling point of water in Celsius.");

        assertThat(result.success()).as(String.valueOf(result.steps())).isTrue();
        assertThat(result.answerValue().asInt()).isEqualTo(200);
        String system = systemPrompt(server.requests().get(0));
        assertThat(system).contains("the interpreter already defines 3 tools as functions", "search_tools(query, limit=10)",
                "units.py (2 tools):", "- to_celsius: Convert degrees Fahrenheit to degrees Celsius.",
                "- to_miles: Convert a distance in kilometres to miles.", "tools (1 tool):\n- offset: ");
        assertThat(system).as("the Python tools are not listed in full").doesNotContain("def to_celsius(", "def to_miles(");

        Step search = result.steps().get(1);
        assertThat(search.error()).as(search.observation()).isNull();
        assertThat(search.toolCalls()).extracting(call -> call.name()).containsExactly("search_tools");
        assertThat(search.observation().lines().filter(line -> line.contains(" | ")).findFirst().orElseThrow())
                .as("the Python tool found first, after the restart too")
                .isEqualTo("to_celsius | units.py | to_celsius(fahrenheit: float) -> float"
                        + " | Convert degrees Fahrenheit to degrees Celsius.");
        assertThat(search.observation()).as("help(): the full signature and docstring")
                .contains("def to_celsius(fahrenheit: float) -> float:", "fahrenheit: the temperature in degrees Fahrenheit");
        assertThat(result.steps().get(2).toolCalls()).as("the Python tool runs in the session, only the host's crosses")
                .extracting(call -> call.name()).containsExactly("offset");
    }

    @Test
    void withOnlyPythonToolsAutoCountsThemInTheBudgetAndSearches() throws Exception {
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            code.append("""
                    def reading_%d(station: str, hour: int = 0) -> float:
                        \"""The reading of sensor %d at a weather station, at the given hour of the day.\"""
                        return %d.0


                    """.formatted(i, i, i));
        }
        code.append("""
                def dew_point(temperature: float, humidity: float) -> float:
                    \"""The dew point, in degrees Celsius, of air at this temperature and relative humidity.\"""
                    return round(temperature - (100 - humidity) / 5, 1)
                """);
        Path tools = file("weather.py", code.toString());
        server = ScriptedModelServer.openAi()
                .reply(python("""
                        found = search_tools("dew point from temperature and humidity", limit=2)
                        final_answer(dew_point(temperature=20, humidity=50))
                        """), 100, 10);

        AgentResult result = agent(server).pythonTools(tools).toolListingBudget(300).build()
                .run("What is the dew point at 20 degrees and 50% humidity?");

        assertThat(result.success()).as(String.valueOf(result.steps())).isTrue();
        assertThat(result.answerValue().asDouble()).isEqualTo(10.0);
        assertThat(systemPrompt(server.requests().get(0))).contains("search_tools(query, limit=10)",
                "The tool groups (too many tools to name here: search them):", "- weather.py: 41 tools")
                .doesNotContain("def dew_point(", "- dew_point: ");
        ToolCall search = result.steps().get(0).toolCalls().getFirst();
        assertThat(search.name()).isEqualTo("search_tools");
        assertThat(search.result().get(0).path("name").asText()).isEqualTo("dew_point");
        assertThat(search.result().get(0).path("group").asText()).isEqualTo("weather.py");
    }

    @Test
    void aPythonToolMayNotTakeTheNamesOfTheToolSearch() throws Exception {
        Path tools = file("helpers.py", "def help(topic: str) -> str:\n    return topic\n");
        Tool offset = Tool.builder("offset").description("A constant the host knows.").function(arguments -> 100).build();
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"), 1, 1);
        CodeActAgent agent = agent(server).tools(Tools.of(offset)).pythonTools(tools).build();

        assertThatThrownBy(() -> agent.run("Anything.")).isInstanceOf(StartupFileException.class)
                .hasMessageContaining("the Python tool file " + tools + " defines help");
        assertThat(server.requests()).isEmpty();
    }
}
