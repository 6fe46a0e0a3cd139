package dev.codeact4j.store;

import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.agent.Step;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A real agent run, scripted model and real sandbox, recorded as it goes and read back. */
class RunRecorderTest {

    @TempDir
    Path home;

    @Test
    void aRealRunIsRecordedStepByStepAndReadsBackAsItWas() {
        try (ScriptedModelServer server = ScriptedModelServer.openAi();
             RunStore store = RunStore.openIn(home)) {
            server.reply("Load them.\n```python\nreadings = [3, 5, 8]\nprint(readings[3])\n```", 300, 20)
                    .reply("Sum them.\n```python\nprint('summing')\nfinal_answer({'total': sum(readings)})\n```", 420, 12);
            ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted"),
                    ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("k")
                            .withTimeout(Duration.ofSeconds(20)), Map.of());
            List<String> stepsInStoreAsTheyFinished = new ArrayList<>();
            CodeActAgent agent = CodeActAgent.builder().models(models).sandbox(Sandbox.create())
                    .listener(store.recorder())
                    .listener(event -> { // the recorder comes first: by now the step is in the file
                        if (event instanceof AgentEvent.StepFinished finished) {
                            stepsInStoreAsTheyFinished.add(finished.step().index() + ":"
                                    + store.find(finished.runId()).orElseThrow().steps().size());
                        }
                    })
                    .build();

            AgentResult result = agent.run("Add up the readings 3, 5 and 8.");

            assertThat(stepsInStoreAsTheyFinished).containsExactly("0:1", "1:2");
            StoredRun run = store.find(result.runId()).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.model()).isEqualTo("openai:scripted");
            assertThat(run.mode()).isEqualTo("multi-step");
            assertThat(run.answer().get("total").asInt()).isEqualTo(16);
            assertThat(run.durationMs()).isEqualTo(result.durationMs());
            assertThat(run.inputTokens()).isEqualTo(720);
            assertThat(run.outputTokens()).isEqualTo(32);
            assertThat(run.steps()).hasSize(2);
            for (int i = 0; i < 2; i++) {
                Step step = result.steps().get(i);
                StoredStep stored = run.steps().get(i);
                assertThat(stored.thought()).isEqualTo(step.thought());
                assertThat(stored.code()).isEqualTo(step.code());
                assertThat(stored.observation()).isEqualTo(step.observation());
                assertThat(stored.error()).isEqualTo(step.error());
                assertThat(stored.executionMs()).isEqualTo(step.executionMillis());
                assertThat(stored.modelMs()).isEqualTo(step.modelMillis());
            }
            assertThat(run.steps().get(0).error().type()).isEqualTo("IndexError");
            assertThat(run.steps().get(0).error().traceback()).contains("<cell-");
            assertThat(run.steps().get(1).stdout()).isEqualTo("summing\n");
        }
    }
}
