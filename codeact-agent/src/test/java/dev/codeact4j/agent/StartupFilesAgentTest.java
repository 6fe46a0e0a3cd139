package dev.codeact4j.agent;

import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.StartupFileException;
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
    void withTheSearchListingThePythonToolsAreListedInFullAndSearchToolsComesBackAfterARestart() throws Exception {
        Path tools = file("units.py", "def to_celsius(fahrenheit: float) -> float:\n"
                + "    \"\"\"Degrees Fahrenheit in Celsius.\"\"\"\n    return (fahrenheit - 32) * 5 / 9\n");
        Tool offset = Tool.builder("offset").description("A constant the host knows.").function(arguments -> 100).build();
        server = ScriptedModelServer.openAi()
                .reply(python("import os\nos._exit(1)"), 100, 10)
                .reply(python("found = [tool['name'] for tool in search_tools('a constant the host knows')]\n"
                        + "final_answer([found[0], offset() + round(to_celsius(212))])"), 100, 10);

        AgentResult result = agent(server).tools(Tools.of(offset)).toolListing(ToolListing.SEARCH).pythonTools(tools)
                .build().run("Find the constant and add the boiling point.");

        assertThat(result.success()).as(String.valueOf(result.steps())).isTrue();
        assertThat(result.answerValue().toString()).isEqualTo("[\"offset\",200]");
        assertThat(systemPrompt(server.requests().get(0))).containsSubsequence("search_tools(query, limit=10)",
                "Python tools: these functions of the session's own are defined in the interpreter too",
                "def to_celsius(fahrenheit: float) -> float:", "Degrees Fahrenheit in Celsius.");
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
