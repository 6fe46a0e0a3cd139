package dev.codeact4j.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.agent.PromptTemplates;
import dev.codeact4j.agent.RunMemory.RunSetup;
import dev.codeact4j.agent.TaskPattern;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelParameters;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The caches, the reuse of past solutions and the task patterns, end to end: real store file, real sandbox. */
class AgentMemoryTest {
    /** What {@code CacheKey.of} gave on main for the task of the test that uses it; see there. */
    private static final String EARLIER_KEY = "2a075d4971c50d5288b40a5f9ad080ab440625e3d1a31bfd8cde4dd3dcd9c9e8";
    private static final Sandbox SANDBOX = Sandbox.create();
    private static final String MEAN_TASK = "Compute the mean of the prices 3, 5, 8";
    private static final String FIRST_STEP = "prices = [3, 5, 8]\nprint(len(prices))";
    private static final String SECOND_STEP = "final_answer(sum(prices) / len(prices))";

    @TempDir
    Path home;
    private ScriptedModelServer server;
    private RunStore store;

    @BeforeEach
    void openStore() {
        store = RunStore.openIn(home);
        server = ScriptedModelServer.openAi();
    }

    @AfterEach
    void close() {
        server.close();
        store.close();
    }

    private CodeActAgent agent(AgentMemory memory) {
        return agent(memory, AgentMode.MULTI_STEP);
    }

    private CodeActAgent agent(AgentMemory memory, AgentMode mode) {
        return agent(memory, mode, Language.PYTHON);
    }

    private CodeActAgent agent(AgentMemory memory, AgentMode mode, Language language) {
        ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(1)
                        .withTimeout(Duration.ofSeconds(20)), Map.of());
        return CodeActAgent.builder().models(models).sandbox(SANDBOX)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build())
                .listener(store.recorder())
                .memory(memory)
                .mode(mode)
                .language(language)
                .build();
    }

    private static String python(String code) {
        return "```python\n" + code + "\n```";
    }

    /** Scripts the two replies that solve the mean of the prices, and runs the task. */
    private AgentResult solveMean(CodeActAgent agent, String task) {
        server.reply("First the list.\n" + python(FIRST_STEP), 100, 10).reply(python(SECOND_STEP), 120, 8);
        return agent.run(task);
    }

    /** Leaves the programs cached and drops their answers, as when the result cache evicted them. */
    private void dropCachedAnswers() throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + store.file());
             Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM result_cache");
        }
    }

    private String firstMessageOfRequest(int index, String role) {
        for (JsonNode message : server.requests().get(index).body().path("messages")) {
            if (message.path("role").asText().equals(role)) {
                return message.path("content").asText();
            }
        }
        return "";
    }

    @Test
    void theSameTaskAgainIsAnsweredFromTheResultCacheWithoutTheModel() {
        CodeActAgent agent = agent(AgentMemory.in(store).withReuse(false));
        AgentResult first = solveMean(agent, MEAN_TASK);
        assertThat(first.success()).isTrue();
        assertThat(first.cached()).isFalse();
        int requests = server.requests().size();

        AgentResult again = agent.run("  Compute the mean   of the prices 3, 5, 8 "); // white space does not count

        assertThat(server.requests()).hasSize(requests);
        assertThat(again.cached()).isTrue();
        assertThat(again.success()).isTrue();
        assertThat(again.answerValue().asDouble()).isEqualTo(16 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(again.steps()).isEmpty();
        assertThat(again.inputTokens()).isZero();
        assertThat(store.report(null, null).cacheHits()).isEqualTo(1);
        assertThat(store.find(again.runId()).orElseThrow().steps()).isEmpty();

        // with the cache turned off, the model is asked
        AgentResult uncached = solveMean(agent(AgentMemory.in(store).withReuse(false).withCache(false)), MEAN_TASK);
        assertThat(uncached.cached()).isFalse();
        assertThat(server.requests()).hasSize(requests + 2);
    }

    @Test
    void aCachedProgramWithoutItsAnswerRunsAgainWithoutTheModel() throws Exception {
        CodeActAgent agent = agent(AgentMemory.in(store).withReuse(false));
        AgentResult first = solveMean(agent, MEAN_TASK);
        dropCachedAnswers();
        int requests = server.requests().size();

        AgentResult replayed = agent.run(MEAN_TASK);

        assertThat(server.requests()).hasSize(requests);
        assertThat(replayed.cached()).isTrue();
        assertThat(replayed.answerValue()).isEqualTo(first.answerValue());
        assertThat(replayed.steps()).extracting(step -> step.code()).containsExactly(FIRST_STEP, SECOND_STEP);
        assertThat(replayed.steps().get(0).observation()).contains("3");
        assertThat(replayed.steps().get(0).thought()).contains(first.runId());
    }

    @Test
    void aCachedSimpleProgramThatPrintsItsAnswerRunsAgainWithoutTheModel() throws Exception {
        server.reply(python("print(sum([3, 5, 8]) / 3)"));
        CodeActAgent agent = agent(AgentMemory.in(store).withReuse(false), AgentMode.SIMPLE);
        AgentResult first = agent.run(MEAN_TASK);
        assertThat(first.success()).isTrue();
        dropCachedAnswers();
        int requests = server.requests().size();

        AgentResult replayed = agent.run(MEAN_TASK);

        // Simple mode's answer is what the program printed, when it ran then and when it runs again.
        assertThat(server.requests()).hasSize(requests);
        assertThat(replayed.cached()).isTrue();
        assertThat(replayed.success()).isTrue();
        assertThat(replayed.answerText()).isEqualTo(first.answerText()).startsWith("5.33");
    }

    @Test
    void anExpiredEntryIsNotUsed() {
        AgentMemory memory = AgentMemory.in(store).withReuse(false).withCacheTtl(Duration.ofDays(7));
        solveMean(agent(memory), MEAN_TASK);

        Clock eightDaysLater = Clock.offset(Clock.systemUTC(), Duration.ofDays(8));
        AgentResult later = solveMean(agent(memory.withClock(eightDaysLater)), MEAN_TASK);

        assertThat(later.cached()).isFalse();
        assertThat(server.requests()).hasSize(4);
        assertThat(server.remaining()).isZero();
    }

    @Test
    void theCachesKeepTheLatestEntriesUpToTheirBound() {
        CodeActAgent agent = agent(AgentMemory.in(store).withReuse(false).withMaxCacheEntries(1));
        solveMean(agent, MEAN_TASK);
        server.reply(python("final_answer(2 ** 10)"));
        assertThat(agent.run("What is 2 to the power of 10?").answerValue().asInt()).isEqualTo(1024);
        assertThat(store.memoryTables().cacheSizes()).containsExactly(1, 1);

        AgentResult evicted = solveMean(agent, MEAN_TASK);

        assertThat(evicted.cached()).isFalse();
        assertThat(server.requests()).hasSize(5);
        server.reply(python("final_answer(2 ** 10)"));
        assertThat(agent.run("What is 2 to the power of 10?").cached()).isFalse(); // evicted in its turn
        assertThat(server.remaining()).isZero();
    }

    @Test
    void aSimilarTaskIsShownTheEarlierProgramAndADissimilarOneIsNot() {
        CodeActAgent agent = agent(AgentMemory.in(store));
        AgentResult first = solveMean(agent, MEAN_TASK);
        assertThat(first.reusedFrom()).isNull();
        int before = server.requests().size();

        server.reply(python("prices = [4, 6, 9]\nfinal_answer(sum(prices) / len(prices))"));
        AgentResult similar = agent.run("Calculate the average of prices 4, 6, 9");

        assertThat(similar.reusedFrom()).isEqualTo(first.runId());
        assertThat(similar.cached()).isFalse();
        String prompt = firstMessageOfRequest(before, "user");
        assertThat(prompt).startsWith("Calculate the average of prices 4, 6, 9")
                .contains("Compute the mean of the prices 3, 5, 8", FIRST_STEP + "\n\n" + SECOND_STEP);
        assertThat(store.find(similar.runId()).orElseThrow()).isNotNull();

        int beforeDissimilar = server.requests().size();
        server.reply(python("final_answer('olleh')"));
        AgentResult dissimilar = agent.run("Reverse the string 'hello'");

        assertThat(dissimilar.reusedFrom()).isNull();
        assertThat(firstMessageOfRequest(beforeDissimilar, "user")).isEqualTo("Reverse the string 'hello'");
    }

    @Test
    void aJavaScriptRunIsShownAnEarlierJavaScriptProgramAndAPythonRunIsNot() {
        CodeActAgent javascript = agent(AgentMemory.in(store), AgentMode.MULTI_STEP, Language.JAVASCRIPT);
        String mean = "const prices = [3, 5, 8];\nfinal_answer(prices.reduce((a, b) => a + b) / prices.length);";
        server.reply("```javascript\n" + mean + "\n```");
        AgentResult first = javascript.run(MEAN_TASK);
        assertThat(first.success()).isTrue();
        assertThat(first.language()).isEqualTo(Language.JAVASCRIPT);
        assertThat(store.find(first.runId()).orElseThrow().language()).isEqualTo(Language.JAVASCRIPT);

        int before = server.requests().size();
        server.reply("```javascript\nfinal_answer((4 + 6 + 9) / 3);\n```");
        AgentResult similar = javascript.run("Calculate the average of prices 4, 6, 9");
        assertThat(similar.reusedFrom()).isEqualTo(first.runId());
        assertThat(firstMessageOfRequest(before, "user")).contains(MEAN_TASK, mean);

        int beforePython = server.requests().size();
        server.reply(python("final_answer((4 + 6 + 9) / 3)"));
        AgentResult python = agent(AgentMemory.in(store)).run("Calculate the average of prices 4, 6, 9");
        assertThat(python.success()).isTrue();
        assertThat(python.reusedFrom()).as("a JavaScript solution is not shown to a Python run").isNull();
        assertThat(firstMessageOfRequest(beforePython, "user")).isEqualTo("Calculate the average of prices 4, 6, 9");
        assertThat(store.find(python.runId()).orElseThrow().language()).isEqualTo(Language.PYTHON);
    }

    @Test
    void loadingTheEmbeddingModelLeavesNoDirectoryBehind() throws Exception {
        java.time.Instant jvmStart = ProcessHandle.current().info().startInstant().orElseThrow();
        assertThat(TaskEmbeddings.embed("warm up the model")).hasSize(384);
        try (var dirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "onnxruntime-java*")) {
            for (Path dir : dirs) {
                var created = Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class).creationTime();
                assertThat(created.toInstant()).as("ONNX Runtime's " + dir + ", made by this JVM").isBefore(jvmStart);
            }
        }
    }

    @Test
    void theLanguageIsPartOfTheCacheKey() {
        var tools = dev.codeact4j.tools.Tools.none();
        SandboxPolicy python = SandboxPolicy.defaults();
        SandboxPolicy javascript = python.toBuilder().language(dev.codeact4j.sandbox.Language.JAVASCRIPT).build();
        RunSetup pythonRun = new RunSetup("Sum 1 to 10", "m", ModelParameters.DEFAULTS, "python", "multi-step", null,
                null, tools, python);
        RunSetup javascriptRun = new RunSetup("Sum 1 to 10", "m", ModelParameters.DEFAULTS, "javascript", "multi-step",
                null, null, tools, javascript);
        assertThat(CacheKey.of(javascriptRun)).isNotEqualTo(CacheKey.of(pythonRun));
        assertThat(CacheKey.of("Sum 1 to 10", "m", "javascript", "multi-step", null, null, tools, python))
                .as("the language alone").isNotEqualTo(CacheKey.of(pythonRun));
    }

    @Test
    void aProgramOnTheSessionsDataRunsAgainOnWhatTheDataHoldsNow() throws Exception {
        Path dir = Files.createTempDirectory("codeact-memory-data");
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Path prices = Files.writeString(dir.resolve("prices.csv"), "price\n3\n5\n");
            ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                    ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(1)
                            .withTimeout(Duration.ofSeconds(20)), Map.of());
            CodeActAgent agent = CodeActAgent.builder().models(models).sandbox(SANDBOX)
                    .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).data(prices).build())
                    .memory(AgentMemory.in(store).withReuse(false)).build();
            server.reply(python("import pandas as pd\nfinal_answer(int(pd.read_csv('/work/data/prices.csv').price.sum()))"));
            assertThat(agent.run("Sum the prices").answerValue().asInt()).isEqualTo(8);

            Files.writeString(prices, "price\n3\n5\n10\n");
            AgentResult again = agent.run("Sum the prices");

            assertThat(server.requests()).hasSize(1); // the cached program, without the model
            assertThat(again.cached()).isTrue();
            assertThat(again.answerValue().asInt()).isEqualTo(18); // run again, not the answer cached
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void theDataAndTheStartupCodeArePartOfTheCacheKey() {
        SandboxPolicy none = SandboxPolicy.defaults();
        var tools = dev.codeact4j.tools.Tools.none();
        List<CacheKey> keys = List.of(
                CacheKey.of("Sum the prices", "m", "python", "multi-step", null, null, tools, none),
                CacheKey.of("Sum the prices", "m", "python", "multi-step", null, null, tools,
                        none.toBuilder().data(Path.of("/srv/a/prices.csv")).build()),
                CacheKey.of("Sum the prices", "m", "python", "multi-step", null, null, tools,
                        none.toBuilder().data(Path.of("/srv/b/prices.csv")).build()),
                CacheKey.of("Sum the prices", "m", "python", "multi-step", null, null, tools,
                        none.toBuilder().startupCode("def helper(): pass").build()));
        assertThat(keys).doesNotHaveDuplicates();
    }

    @Test
    void theHostsTheCodeMayReachArePartOfTheCacheKey() {
        SandboxPolicy closed = SandboxPolicy.defaults();
        CacheKey none = CacheKey.of("Fetch the rate", "m", "python", "multi-step", null, null, dev.codeact4j.tools.Tools.none(), closed);
        CacheKey a = CacheKey.of("Fetch the rate", "m", "python", "multi-step", null, null, dev.codeact4j.tools.Tools.none(),
                closed.toBuilder().allowHosts("a.example.org").build());
        CacheKey b = CacheKey.of("Fetch the rate", "m", "python", "multi-step", null, null, dev.codeact4j.tools.Tools.none(),
                closed.toBuilder().allowHosts("b.example.org").build());
        assertThat(List.of(none, a, b)).doesNotHaveDuplicates();
    }

    @Test
    void theEndpointAndTheSamplingArePartOfTheCacheKeyWhileDefaultsKeepTheEarlierKeys() {
        String task = "What is the capital of France?";
        SandboxPolicy policy = SandboxPolicy.defaults();
        CacheKey earlier = CacheKey.of(task, "openai:default", "python", "multi-step", null, null,
                dev.codeact4j.tools.Tools.none(), policy);
        // The key main computed for this task, before the model's parameters were part of keys.
        assertThat(earlier.value()).isEqualTo(EARLIER_KEY);
        java.util.function.Function<ModelSettings, CacheKey> keyOf = settings -> {
            ChatModels models = ChatModels.create(ModelSpec.parse("openai:default"), settings.withApiKey("k"), Map.of());
            ModelParameters parameters = ModelParameters.of(models.spec(), models.endpoint(),
                    models.chat().defaultRequestParameters());
            return CacheKey.of(task, "openai:default", parameters, "python", "multi-step", null, null,
                    dev.codeact4j.tools.Tools.none(), policy);
        };
        ModelSettings defaults = ModelSettings.defaults();

        assertThat(keyOf.apply(defaults)).isEqualTo(earlier);
        assertThat(keyOf.apply(defaults.withBaseUrl("https://api.openai.com/v1"))).as("the provider's own endpoint")
                .isEqualTo(earlier);
        assertThat(List.of(earlier, keyOf.apply(defaults.withBaseUrl("http://a.example.org/v1")),
                keyOf.apply(defaults.withBaseUrl("http://b.example.org/v1")), keyOf.apply(defaults.withTemperature(0.7)),
                keyOf.apply(defaults.withMaxOutputTokens(100)))).doesNotHaveDuplicates();
        ChatModels anthropic = ChatModels.create(ModelSpec.parse("anthropic:claude-sonnet-4-5"), defaults.withApiKey("k"),
                Map.of());
        assertThat(ModelParameters.of(anthropic.spec(), anthropic.endpoint(), anthropic.chat().defaultRequestParameters())
                .isDefault()).as("Anthropic's model with the default settings").isTrue();
    }

    @Test
    void theTasksPatternIsInTheSystemPromptAndCanBeOverriddenFromAFile() throws Exception {
        PromptTemplates defaults = PromptTemplates.defaults();
        server.reply(python("final_answer(1)"));
        agent(null).run("Train a classifier on the iris dataset");
        String system = firstMessageOfRequest(0, "system");
        assertThat(system).contains(defaults.pattern(TaskPattern.MACHINE_LEARNING).strip())
                .doesNotContain(defaults.pattern(TaskPattern.DATA_ANALYSIS).strip());

        Path prompts = Files.createDirectories(home.resolve("prompts"));
        Files.writeString(prompts.resolve("pattern-machine_learning.txt"), "Always use a random forest.");
        ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("k"), Map.of());
        server.reply(python("final_answer(2)"));
        CodeActAgent.builder().models(models).sandbox(SANDBOX)
                .prompts(defaults.overriddenBy(prompts)).build()
                .run("Train a classifier on the iris dataset");

        assertThat(firstMessageOfRequest(1, "system")).contains("Always use a random forest.")
                .doesNotContain(defaults.pattern(TaskPattern.MACHINE_LEARNING).strip());
    }
}
