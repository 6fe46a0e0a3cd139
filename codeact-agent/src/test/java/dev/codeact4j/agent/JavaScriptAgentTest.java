package dev.codeact4j.agent;

import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.testing.McpTestServers;
import dev.codeact4j.testing.ScriptedModelServer;
import dev.codeact4j.tools.McpServers;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent writing JavaScript: scripted replies over loopback, the code in a real sandboxed Node.js session. */
class JavaScriptAgentTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private ScriptedModelServer server;

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
        // the policy says nothing of the language: the builder's language sets it
        return CodeActAgent.builder().models(models).sandbox(SANDBOX).language(Language.JAVASCRIPT)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build());
    }

    private static String javascript(String code) {
        return "```javascript\n" + code.strip() + "\n```";
    }

    @Test
    void stateToolsAndAnErrorFedBackAndFixedUntilTheFinalAnswer() {
        Tools javaTools = Tools.of(
                Tool.builder("square").description("Squares a number.").parameter("x", "number", "the number")
                        .function(args -> args.path("x").asDouble() * args.path("x").asDouble()).build(),
                Tool.builder("explode").description("Always fails.").function(args -> {
                    throw new IllegalStateException("the warehouse database is down");
                }).build());
        server = ScriptedModelServer.openAi()
                .reply("The readings first.\n" + javascript("const readings = [3, 5, 8];\nconsole.log(readings.length);"), 300, 20)
                .reply("Now the fifth one.\n" + javascript("console.log(readings.at(5).toFixed(1));"), 400, 20)
                .reply("There are only three: sum them, and ask the tools.\n" + javascript("""
                        const squared = await square({x: readings[0]});
                        const echoed = await echo({text: "hi"});
                        let refused = null;
                        try {
                          await explode();
                        } catch (e) {
                          refused = e instanceof ToolError ? e.message : "not a ToolError";
                        }
                        final_answer({sum: readings.reduce((a, b) => a + b, 0), squared, echoed, refused});
                        """), 500, 30);

        AgentResult result;
        try (McpServers mcp = McpServers.start(McpTestServers.javaServer("shop", "echo"))) {
            result = agent(server).tools(mcp.addTo(javaTools)).build().run("Sum the readings 3, 5 and 8.");
        }

        assertThat(result.success()).as(result.toString()).isTrue();
        assertThat(result.reason()).isEqualTo(StopReason.FINAL_ANSWER);
        assertThat(result.steps()).hasSize(3);
        assertThat(result.steps().get(0).observation()).contains("3");
        Step failed = result.steps().get(1);
        assertThat(failed.error()).isNotNull();
        assertThat(failed.error().type()).isEqualTo("TypeError");
        assertThat(failed.observation()).contains("TypeError");
        assertThat(server.requests().get(2).rawBody()).as("the model saw the error before the fix").contains("TypeError");
        var answer = result.answerValue();
        assertThat(answer.path("sum").asInt()).as("state from the first step").isEqualTo(16);
        assertThat(answer.path("squared").asDouble()).isEqualTo(9.0);
        assertThat(answer.path("echoed").asText()).isEqualTo("shop/echo: hi");
        assertThat(answer.path("refused").asText()).contains("the warehouse database is down");

        String system = server.requests().get(0).body().path("messages").get(0).path("content").asText();
        assertThat(system).contains("```javascript", "expert javascript programmer", "require(",
                "async function square(args) {}", "@param {number} args.x - the number",
                "async function echo(args) {}", "await name({arg: value})", "simple-statistics");
        assertThat(system).doesNotContain("```python", "def square", "pandas");
    }

    @Test
    void aPythonBlockIsNotRunInAJavaScriptRunAndTheModelIsToldHowToWriteCode() {
        server = ScriptedModelServer.openAi()
                .reply("```python\nfinal_answer(42)\n```", 100, 10)
                .reply(javascript("finalAnswer(6 * 7);"), 100, 10);

        AgentResult result = agent(server).build().run("What is 6 times 7?");

        assertThat(result.answerValue().asInt()).isEqualTo(42);
        assertThat(result.steps()).hasSize(2);
        assertThat(result.steps().get(0).code()).isNull();
        assertThat(result.steps().get(0).observation()).contains("No code was found", "```javascript");
    }

    @Test
    void unfencedCodeRunsOnlyWhenNodeCompilesIt() {
        server = ScriptedModelServer.openAi()
                .reply("final_answer(6 * );", 100, 10)
                .reply("const a = 6;\nfinal_answer(a * 7);", 100, 10);

        AgentResult result = agent(server).build().run("What is 6 times 7?");

        assertThat(result.answerValue().asInt()).isEqualTo(42);
        assertThat(result.steps().get(0).code()).as("what does not compile is not run").isNull();
        assertThat(result.steps().get(1).code()).isEqualTo("const a = 6;\nfinal_answer(a * 7);");
    }

    @Test
    void eachStepsAnswerIsLeftForTheNextInAMultiStepTask() {
        server = ScriptedModelServer.openAi()
                .reply(javascript("final_answer({primes: [2, 3, 5, 7]});"), 100, 10)
                .reply(javascript("final_answer(step_0_result.primes.reduce((a, b) => a + b, 0));"), 100, 10);

        List<AgentResult> results = agent(server).build().executeMultiStep(List.of("The primes under 10.", "Their sum."));

        assertThat(results).allSatisfy(result -> assertThat(result.success()).isTrue());
        assertThat(results.get(1).answerValue().asInt()).isEqualTo(17);
    }
}
