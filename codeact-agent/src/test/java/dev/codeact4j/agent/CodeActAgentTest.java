package dev.codeact4j.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelException;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The agent loop end to end: scripted replies from a real HTTP server on loopback, code in the real sandbox. */
class CodeActAgentTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private ScriptedModelServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private CodeActAgent.Builder agent(ScriptedModelServer server) {
        ChatModels models = ChatModels.create(ModelSpec.parse(server.protocol() == ScriptedModelServer.Protocol.OPENAI
                        ? "openai:scripted-model" : "anthropic:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key").withMaxRetries(2)
                        .withTimeout(Duration.ofSeconds(20)), Map.of());
        return CodeActAgent.builder().models(models).sandbox(SANDBOX)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build());
    }

    private static String python(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    @Test
    void aFailingStepIsFixedInTheNextUsingTheStateItLeft() {
        server = ScriptedModelServer.openAi()
                .reply("I will load the readings first.\n" + python("readings = [3, 5, 8]\nprint(readings[3])"), 300, 20)
                .reply("Index 3 is out of range; the list is still defined, so I sum it.\n"
                        + python("final_answer(sum(readings))"), 420, 12);
        List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

        AgentResult result = agent(server).listener(events::add).build().run("Add up the readings 3, 5 and 8.");

        assertThat(result.success()).isTrue();
        assertThat(result.reason()).isEqualTo(StopReason.FINAL_ANSWER);
        assertThat(result.answerValue().asInt()).isEqualTo(16);
        assertThat(result.steps()).hasSize(2);
        Step failed = result.steps().get(0);
        assertThat(failed.error().type()).isEqualTo("IndexError");
        assertThat(failed.observation()).contains("IndexError: list index out of range").contains("line 2");
        assertThat(failed.thought()).isEqualTo("I will load the readings first.");
        assertThat(result.inputTokens()).isEqualTo(720);
        assertThat(result.outputTokens()).isEqualTo(32);
        // The model saw the traceback before it wrote the fix.
        assertThat(server.requests().get(1).rawBody()).contains("IndexError: list index out of range");
        assertThat(server.requests()).allSatisfy(request -> {
            assertThat(request.streaming()).isTrue();
            assertThat(request.body().path("temperature").asDouble()).isEqualTo(0.1);
        });
        assertThat(server.requests().get(0).rawBody()).contains("final_answer").contains("persistent interpreter");
        assertThat(events).filteredOn(e -> e instanceof AgentEvent.ModelText).hasSizeGreaterThan(2);
        assertThat(events).filteredOn(e -> e instanceof AgentEvent.ExecutionOutput).isEmpty();
        assertThat(events.get(events.size() - 1)).isInstanceOf(AgentEvent.RunFinished.class);
        assertThat(events.stream().map(e -> e.getClass().getSimpleName()).collect(Collectors.toSet()))
                .contains("RunStarted", "StepStarted", "ModelReplied", "CodeReady", "Observation", "FinalAnswer");
    }

    @Test
    void theSeedsStockAnalysisGivesTheRightNumbers() {
        server = ScriptedModelServer.openAi()
                .reply("Compute the indicators with pandas.\n" + python("""
                        import numpy as np, pandas as pd
                        prices = pd.DataFrame({
                            'AAPL': [150, 155, 148, 162, 158, 170, 165, 175, 172, 180],
                            'GOOGL': [2800, 2750, 2820, 2900, 2850, 2950, 2920, 3000, 2980, 3050],
                            'MSFT': [300, 305, 295, 315, 310, 320, 315, 330, 325, 340]})
                        returns = prices.pct_change().dropna()
                        summary = {}
                        for ticker in prices:
                            series = prices[ticker]
                            volatility = float(returns[ticker].std())
                            total = float(series.iloc[-1] / series.iloc[0] - 1)
                            summary[ticker] = {
                                'ma5': float(series.rolling(5).mean().iloc[-1]),
                                'ma10': float(series.rolling(10).mean().iloc[-1]),
                                'volatility': volatility,
                                'total_return': total,
                                'risk_adjusted_return': total / volatility,
                                'trend': 'up' if series.iloc[-1] > series.rolling(5).mean().iloc[-1] else 'down'}
                        print(pd.DataFrame(summary).T.round(4))
                        """))
                .reply("Rank by risk-adjusted return and finish.\n" + python("""
                        ranking = sorted(summary, key=lambda t: summary[t]['risk_adjusted_return'], reverse=True)
                        final_answer({'indicators': summary, 'recommendation': {'buy': ranking[0], 'ranking': ranking}})
                        """));

        AgentResult result = agent(server).build().run("Analyze this stock price data ... Return results as structured JSON.");

        assertThat(result.success()).isTrue();
        assertThat(result.format()).isEqualTo(AnswerFormat.JSON);
        Map<String, double[]> prices = Map.of(
                "AAPL", new double[]{150, 155, 148, 162, 158, 170, 165, 175, 172, 180},
                "GOOGL", new double[]{2800, 2750, 2820, 2900, 2850, 2950, 2920, 3000, 2980, 3050},
                "MSFT", new double[]{300, 305, 295, 315, 310, 320, 315, 330, 325, 340});
        String best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (var entry : prices.entrySet()) {
            double[] p = entry.getValue();
            JsonNode indicators = result.answerValue().path("indicators").path(entry.getKey());
            double[] returns = new double[p.length - 1];
            for (int i = 1; i < p.length; i++) {
                returns[i - 1] = p[i] / p[i - 1] - 1;
            }
            double volatility = sampleStandardDeviation(returns);
            double total = p[p.length - 1] / p[0] - 1;
            assertThat(indicators.path("ma5").asDouble()).isCloseTo(mean(p, 5, 10), within(1e-9));
            assertThat(indicators.path("ma10").asDouble()).isCloseTo(mean(p, 0, 10), within(1e-9));
            assertThat(indicators.path("volatility").asDouble()).isCloseTo(volatility, within(1e-12));
            assertThat(indicators.path("total_return").asDouble()).isCloseTo(total, within(1e-12));
            if (total / volatility > bestScore) {
                bestScore = total / volatility;
                best = entry.getKey();
            }
        }
        assertThat(result.answerValue().path("indicators").path("AAPL").path("ma5").asDouble()).isEqualTo(172.4);
        assertThat(result.answerValue().path("recommendation").path("buy").asText()).isEqualTo(best);
    }

    @Test
    void theSeedsPhysicsTaskGivesTheRightRegression() {
        server = ScriptedModelServer.openAi()
                .reply(python("""
                        import numpy as np
                        from scipy import stats
                        t = np.array([20.1, 20.5, 21.2, 21.8, 22.1, 22.5, 23.0, 23.4, 23.8, 24.2])
                        p = np.array([1.01, 1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16, 1.18])
                        fit = stats.linregress(t, p)
                        prediction = fit.intercept + fit.slope * 25.0
                        final_answer({'slope': fit.slope, 'intercept': fit.intercept, 'r': fit.rvalue,
                                      'slope_stderr': fit.stderr, 'pressure_at_25C': prediction,
                                      'mean_temperature': float(t.mean()), 'std_pressure': float(p.std(ddof=1))})
                        """));

        AgentResult result = agent(server).build().run("Process this experimental data from a physics experiment ...");

        double[] t = {20.1, 20.5, 21.2, 21.8, 22.1, 22.5, 23.0, 23.4, 23.8, 24.2};
        double[] p = {1.01, 1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16, 1.18};
        double mt = mean(t, 0, t.length);
        double mp = mean(p, 0, p.length);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < t.length; i++) {
            sxy += (t[i] - mt) * (p[i] - mp);
            sxx += (t[i] - mt) * (t[i] - mt);
            syy += (p[i] - mp) * (p[i] - mp);
        }
        double slope = sxy / sxx;
        double intercept = mp - slope * mt;
        JsonNode answer = result.answerValue();
        assertThat(result.success()).isTrue();
        assertThat(answer.path("slope").asDouble()).isCloseTo(slope, within(1e-12));
        assertThat(answer.path("intercept").asDouble()).isCloseTo(intercept, within(1e-10));
        assertThat(answer.path("r").asDouble()).isCloseTo(sxy / Math.sqrt(sxx * syy), within(1e-12));
        assertThat(answer.path("pressure_at_25C").asDouble()).isCloseTo(intercept + slope * 25.0, within(1e-10));
        assertThat(answer.path("std_pressure").asDouble()).isCloseTo(sampleStandardDeviation(p), within(1e-12));
    }

    @Test
    void aRunThatReachesTheStepLimitAsksForABestAnswerAndFails() {
        server = ScriptedModelServer.openAi()
                .reply(python("x = 1\nprint('still exploring')"))
                .reply(python("x += 1\nprint('more exploring')"))
                .reply("From what I saw, the answer is probably 2.");

        AgentResult result = agent(server).maxSteps(2).build().run("Find x.");

        assertThat(result.success()).isFalse();
        assertThat(result.reason()).isEqualTo(StopReason.MAX_STEPS);
        assertThat(result.answerText()).isEqualTo("From what I saw, the answer is probably 2.");
        assertThat(result.steps()).hasSize(3);
        assertThat(server.lastRequest().rawBody()).contains("You have used all 2 steps");
        assertThat(server.remaining()).isZero();
    }

    @Test
    void aReplyWithoutCodeGetsACorrectiveObservation() {
        server = ScriptedModelServer.openAi()
                .reply("The answer is 4, obviously.")
                .reply(python("final_answer(2 + 2)"));

        AgentResult result = agent(server).build().run("What is 2 + 2?");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().asInt()).isEqualTo(4);
        assertThat(result.steps().get(0).code()).isNull();
        assertThat(result.steps().get(0).observation()).contains("No code was found");
        assertThat(server.requests().get(1).rawBody()).contains("No code was found in your reply");
    }

    @Test
    void aRateLimitIsRetriedAndTheRunGoesOn() {
        server = ScriptedModelServer.openAi()
                .fail(429, Map.of("Retry-After", "0"))
                .reply(python("final_answer('after the rate limit')"));

        AgentResult result = agent(server).build().run("Say something.");

        assertThat(result.success()).isTrue();
        assertThat(result.answerText()).isEqualTo("after the rate limit");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aRefusedKeyIsAModelExceptionNamingTheProvider() {
        server = ScriptedModelServer.openAi().fail(401);
        List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

        assertThatThrownBy(() -> agent(server).listener(events::add).build().run("anything"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("openai refused the API key")
                .hasMessageContaining("OPENAI_API_KEY");
        // A run store hears how the run ended before the exception reaches the caller.
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(AgentEvent.RunFailed.class, failed -> {
            assertThat(failed.reason()).isEqualTo(StopReason.MODEL_ERROR);
            assertThat(failed.message()).contains("openai refused the API key (HTTP 401: Incorrect API key provided.)");
            assertThat(failed.steps()).isEmpty();
            assertThat(failed.durationMs()).isNotNegative();
        });
    }

    @Test
    void anAnswerThatBreaksTheSchemaGoesBackToTheModel() {
        server = ScriptedModelServer.openAi()
                .reply(python("final_answer({'slope': 'steep'})"))
                .reply(python("final_answer({'slope': 0.04, 'r': 0.99})"));
        AnswerSchema schema = AnswerSchema.parse("""
                {"type": "object", "required": ["slope", "r"],
                 "properties": {"slope": {"type": "number"}, "r": {"type": "number"}}}""");

        AgentResult result = agent(server).answerSchema(schema).build().run("Fit the line.");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().path("r").asDouble()).isEqualTo(0.99);
        assertThat(result.steps().get(0).observation()).contains("does not match the required JSON schema");
        assertThat(server.requests().get(1).rawBody()).contains("does not match the required JSON schema");
        assertThat(server.requests().get(0).rawBody()).contains("The answer must be JSON that matches this schema");
    }

    @Test
    void anAnswerThatFailsAUsersOwnCheckGoesBackToTheModelAfterTheSchemasCheck() {
        server = ScriptedModelServer.openAi()
                .reply(python("final_answer({'total': 'twelve'})"))
                .reply(python("final_answer({'total': 12})"))
                .reply(python("final_answer({'total': 12, 'currency': 'EUR'})"));
        AnswerSchema schema = AnswerSchema.parse("""
                {"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}""");
        List<String> checked = Collections.synchronizedList(new ArrayList<>());
        AnswerCheck inEuros = answer -> {
            checked.add(answer.text());
            return answer.value().has("currency") ? Optional.empty() : Optional.of("say which currency the total is in");
        };
        List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

        AgentResult result = agent(server).answerSchema(schema).answerCheck(inEuros).listener(events::add).build()
                .run("Total the invoice.");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().path("currency").asText()).isEqualTo("EUR");
        assertThat(result.steps()).hasSize(3);
        // The schema is checked first: the user's check never saw the answer the schema refused.
        assertThat(checked).containsExactly("{\"total\":12}", "{\"total\":12,\"currency\":\"EUR\"}");
        assertThat(result.steps().get(0).observation()).contains("does not match the required JSON schema");
        assertThat(result.steps().get(1).observation())
                .isEqualTo("Your final answer was not accepted: say which currency the total is in\n"
                        + "Fix it and call final_answer(...) again.");
        assertThat(server.requests().get(2).rawBody()).contains("say which currency the total is in");
        assertThat(events).filteredOn(AgentEvent.Error.class::isInstance).extracting(e -> ((AgentEvent.Error) e).message())
                .containsExactly("the answer does not match the schema: $.total: string found, number expected",
                        "the answer was not accepted: say which currency the total is in");
        assertThat(events).filteredOn(AgentEvent.FinalAnswer.class::isInstance).hasSize(1);
    }

    @Test
    void stringAnswersAreParsedByTheirDetectedOrExpectedFormat() {
        server = ScriptedModelServer.openAi()
                .reply(python("final_answer('city,temp\\nOslo,3.5\\nLima,19')"))
                .reply(python("final_answer('{\"total\": 7}')"))
                .reply(python("final_answer(\"{'python': 'repr'}\")"));

        AgentResult csv = agent(server).build().run("Temperatures as CSV.");
        assertThat(csv.format()).isEqualTo(AnswerFormat.CSV);
        assertThat(csv.answerValue().get(1).path("temp").asInt()).isEqualTo(19);

        AgentResult json = agent(server).expectedFormat(AnswerFormat.JSON).build().run("Total as JSON.");
        assertThat(json.answerValue().path("total").asInt()).isEqualTo(7);

        AgentResult broken = agent(server).expectedFormat(AnswerFormat.JSON).build().run("Again as JSON.");
        assertThat(broken.success()).isTrue();
        assertThat(broken.answer().parseError()).startsWith("not valid JSON");
        assertThat(broken.answerText()).isEqualTo("{'python': 'repr'}");
    }

    @Test
    void aSessionKilledInTheMiddleOfARunIsReplacedAndTheModelIsTold() {
        server = ScriptedModelServer.openAi()
                .reply(python("import time\nnotes = 'lost'\ntime.sleep(30)"))
                .reply(python("final_answer('recovered: ' + str('notes' in globals()))"));
        Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
        AgentListener killer = event -> {
            if (event instanceof AgentEvent.CodeReady ready && ready.step() == 0) {
                Thread.ofVirtual().start(() -> {
                    sleep(500);
                    ProcessHandle.current().descendants()
                            .filter(p -> !before.contains(p.pid()))
                            .filter(p -> p.info().command().orElse("").contains("python"))
                            .forEach(ProcessHandle::destroyForcibly);
                });
            }
        };

        AgentResult result = agent(server).listener(killer).build().run("Survive a crash.");

        assertThat(result.success()).isTrue();
        assertThat(result.steps().get(0).error().type()).isEqualTo("KernelDied");
        assertThat(result.steps().get(0).error().message()).contains("stopped unexpectedly");
        assertThat(result.steps().get(0).observation()).contains("variables and imports are gone");
        assertThat(result.steps().get(0).executionMillis()).isLessThan(10_000);
        assertThat(result.answerText()).isEqualTo("recovered: False");
    }

    @Test
    void multiStepExecutionPassesEachStepsResultToTheNext() {
        server = ScriptedModelServer.openAi()
                .reply(python("final_answer([1, 2, 3])"))
                .reply(python("final_answer([2 * x for x in step_0_result])"));

        List<AgentResult> results = agent(server).build().executeMultiStep(List.of("Make the list 1, 2, 3.", "Double each number."));

        assertThat(results).hasSize(2).allSatisfy(r -> assertThat(r.success()).isTrue());
        assertThat(results.get(1).answerValue().toString()).isEqualTo("[2,4,6]");
        assertThat(server.requests().get(1).rawBody()).contains("step_0_result").contains("step 2 of 2");
    }

    @Test
    void aFailedRunIsRetriedWithTheFailureFedBack() {
        server = ScriptedModelServer.openAi()
                .reply(python("print(undefined_name)"))
                .reply("I could not finish.")
                .reply(python("final_answer(5)"));

        AgentResult result = agent(server).maxSteps(1).build().executeWithRetry("Compute five.", 3);

        assertThat(result.success()).isTrue();
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(result.answerValue().asInt()).isEqualTo(5);
        assertThat(server.lastRequest().rawBody()).contains("An earlier attempt at this task failed").contains("max_steps");
    }

    @Test
    void simpleModeRunsOneProgramAndTakesItsResult() {
        server = ScriptedModelServer.openAi()
                .reply(python("import statistics\nstatistics.median([4, 1, 9])"));

        AgentResult result = agent(server).mode(AgentMode.SIMPLE).build().run("Median of 4, 1, 9?");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().asInt()).isEqualTo(4);
        assertThat(result.steps()).hasSize(1);
        assertThat(server.requests().get(0).rawBody()).contains("Write one complete python program");
    }

    @Test
    void anthropicModelsDriveTheLoopToo() {
        server = ScriptedModelServer.anthropic()
                .reply(python("squares = [n * n for n in range(5)]\nprint(squares)"), 200, 15)
                .reply(python("final_answer(sum(squares))"), 260, 9);

        AgentResult result = agent(server).build().run("Sum the first five squares.");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().asInt()).isEqualTo(30);
        assertThat(result.steps().get(0).observation()).contains("[0, 1, 4, 9, 16]");
        assertThat(result.inputTokens()).isEqualTo(460);
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.path()).endsWith("/messages"));
    }

    @Test
    void hostToolsAreFunctionsInTheCodeAndEveryCallIsRecordedInTheStep() {
        server = ScriptedModelServer.openAi()
                .reply("I'll look up each order's total with the tool and add them in code.\n" + python("""
                        totals = [order_total(order_id=i) for i in (101, 102, 103)]
                        final_answer({'orders': 3, 'sum': sum(totals)})
                        """));
        Tools tools = Tools.of(Tool.builder("order_total").description("The total of an order, in cents.")
                .parameter("order_id", "integer", "the order's number")
                .function(args -> args.path("order_id").asInt() * 10).build());

        AgentResult result = agent(server).tools(tools).build().run("What do orders 101 to 103 add up to?");

        assertThat(result.success()).isTrue();
        assertThat(result.answerValue().path("sum").asInt()).isEqualTo(3060);
        assertThat(result.steps().get(0).toolCalls()).extracting(call -> call.result().asInt()).containsExactly(1010, 1020, 1030);
        assertThat(server.requests().get(0).rawBody())
                .contains("def order_total(order_id: int):")
                .contains("The total of an order, in cents.")
                .contains("Host tools");
    }

    @Test
    void theDataListingIsInTheSystemPromptEvenOneOfTheUsersOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path prompts)
            throws java.io.IOException {
        String listing = "Data: these files are readable:\n- /work/data/sales.csv: CSV, 98 B, 4 rows";
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)")).reply(python("final_answer(2)"));

        agent(server).dataListing(listing).build().run("Use the data.");
        java.nio.file.Files.writeString(prompts.resolve("system.txt"), "Write {{language}}. {{tools}}");
        agent(server).dataListing(listing).prompts(PromptTemplates.defaults(dev.codeact4j.sandbox.Language.PYTHON)
                .overriddenBy(prompts)).build().run("Use the data.");

        String builtIn = server.requests().get(0).rawBody();
        assertThat(builtIn).contains("Data: these files are readable:\\n- /work/data/sales.csv: CSV, 98 B, 4 rows");
        assertThat(server.requests().get(1).rawBody()).contains("Write python.\\n\\nData: these files are readable:");
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }

    private static double sampleStandardDeviation(double[] values) {
        double mean = mean(values, 0, values.length);
        double squares = 0;
        for (double value : values) {
            squares += (value - mean) * (value - mean);
        }
        return Math.sqrt(squares / (values.length - 1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aReplyCutOffAtTheTokenLimitIsNotRunAndTheModelIsToldWhy() {
        for (ScriptedModelServer cutting : List.of(ScriptedModelServer.openAi(), ScriptedModelServer.anthropic())) {
            server = cutting;
            server.replyCutOff("<think>\nA draft:\n" + python("final_answer(sum(range(2, 100, 2)))") + "\nBut does range")
                    .reply(python("final_answer(sum(range(2, 101, 2)))"));
            List<AgentEvent> events = Collections.synchronizedList(new ArrayList<>());

            AgentResult result = agent(server).listener(events::add).build().run("Sum the even numbers from 2 to 100.");

            assertThat(result.answerValue().asInt()).isEqualTo(2550);
            Step cut = result.steps().get(0);
            assertThat(cut.code()).isNull();
            assertThat(cut.execution()).isNull();
            assertThat(cut.thought()).contains("A draft");
            assertThat(cut.observation()).contains("cut off").contains("none of it was run");
            assertThat(server.requests().get(1).rawBody()).contains("Your reply was cut off");
            assertThat(events).filteredOn(e -> e instanceof AgentEvent.Error error && error.message().contains("cut off")).hasSize(1);
            server.close();
        }
    }

    @Test
    void inSimpleModeACutOffReplyEndsTheRunSayingSo() {
        server = ScriptedModelServer.openAi().replyCutOff(python("total = sum(range(2, 101, 2))\nfinal_answer(tot"));

        AgentResult result = agent(server).mode(AgentMode.SIMPLE).build().run("Sum the even numbers from 2 to 100.");

        assertThat(result.success()).isFalse();
        assertThat(result.reason()).isEqualTo(StopReason.EXECUTION_FAILED);
        assertThat(result.steps().get(0).code()).isNull();
        assertThat(result.steps().get(0).observation()).contains("cut off");
    }

    @Test
    void stopSequencesGoToProvidersThatTakeThemAndNotToAPlainChatModel() {
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"));
        agent(server).build().run("One.");
        assertThat(server.lastRequest().body().path("stop").toString()).contains("\\nObservation:").contains("<end_code>");
        server.close();

        server = ScriptedModelServer.anthropic().reply(python("final_answer(1)"));
        agent(server).build().run("One.");
        assertThat(server.lastRequest().body().path("stop_sequences").toString()).contains("\\nObservation:").contains("<end_code>");
        server.close();

        // a model given as a plain ChatModel may not support them: none are sent
        server = ScriptedModelServer.openAi().reply(python("final_answer(1)"));
        ChatModels models = ChatModels.create(ModelSpec.parse("openai:scripted-model"),
                ModelSettings.defaults().withBaseUrl(server.baseUrl()).withApiKey("test-key"), Map.of());
        CodeActAgent.builder().model(models.chat()).sandbox(SANDBOX).build().run("One.");
        assertThat(server.lastRequest().body().has("stop")).isFalse();
    }

    @Test
    void aReplyWithOnlyShellIsNotRunAndTheModelIsToldWhatRunsHere() {
        server = ScriptedModelServer.openAi()
                .reply("```bash\npip install numpy\npython -c 'import numpy; print(numpy.arange(3).sum())'\n```")
                .reply(python("import numpy\nfinal_answer(int(numpy.arange(3).sum()))"));

        AgentResult result = agent(server).build().run("Sum 0, 1 and 2 with numpy.");

        assertThat(result.answerValue().asInt()).isEqualTo(3);
        assertThat(result.steps().get(0).code()).isNull();
        assertThat(result.steps().get(0).observation()).contains("only shell commands").contains("Python only")
                .contains("numpy");
    }

    @Test
    void theConversationKeepsTheReplyOnlyUpToAnInventedObservation() {
        server = ScriptedModelServer.openAi()
                .reply(python("print(6 * 7)") + "\nObservation: 41\nSo the answer is 41.")
                .reply(python("final_answer(42)"));

        AgentResult result = agent(server).build().run("Six times seven?");

        assertThat(result.answerValue().asInt()).isEqualTo(42);
        String second = server.requests().get(1).rawBody();
        assertThat(second).contains("print(6 * 7)").doesNotContain("Observation: 41").doesNotContain("answer is 41");
        assertThat(result.steps().get(0).observation()).contains("42");
    }

    @Test
    void theLastWordAtTheStepLimitLeavesTheReasoningOut() {
        server = ScriptedModelServer.openAi()
                .reply(python("print(sum(range(2, 101, 2)))"))
                .reply("<think>\nIt printed 2550, or was it 2450?\n</think>\nThe sum is 2550.");

        AgentResult result = agent(server).maxSteps(1).build().run("Sum the even numbers from 2 to 100.");

        assertThat(result.reason()).isEqualTo(StopReason.MAX_STEPS);
        assertThat(result.answerText()).isEqualTo("The sum is 2550.");
    }

    // --- JavaScript: the same loop in a real Node.js session ----------------------------------------------------------

    /** The policy says nothing of the language: the builder's language sets it. */
    private CodeActAgent.Builder javaScriptAgent(ScriptedModelServer server) {
        return agent(server).language(Language.JAVASCRIPT);
    }

    private static String javascript(String code) {
        return "```javascript\n" + code.strip() + "\n```";
    }

    @Test
    void inJavaScriptStateToolsAndAnErrorFedBackAndFixedReachTheFinalAnswer() {
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
            result = javaScriptAgent(server).tools(mcp.addTo(javaTools)).build().run("Sum the readings 3, 5 and 8.");
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

        AgentResult result = javaScriptAgent(server).build().run("What is 6 times 7?");

        assertThat(result.answerValue().asInt()).isEqualTo(42);
        assertThat(result.steps()).hasSize(2);
        assertThat(result.steps().get(0).code()).isNull();
        assertThat(result.steps().get(0).observation()).contains("No code was found", "```javascript");
    }

    @Test
    void unfencedJavaScriptRunsOnlyWhenNodeCompilesIt() {
        server = ScriptedModelServer.openAi()
                .reply("final_answer(6 * );", 100, 10)
                .reply("const a = 6;\nfinal_answer(a * 7);", 100, 10);

        AgentResult result = javaScriptAgent(server).build().run("What is 6 times 7?");

        assertThat(result.answerValue().asInt()).isEqualTo(42);
        assertThat(result.steps().get(0).code()).as("what does not compile is not run").isNull();
        assertThat(result.steps().get(1).code()).isEqualTo("const a = 6;\nfinal_answer(a * 7);");
    }

    @Test
    void inJavaScriptEachStepsAnswerIsLeftForTheNextInAMultiStepTask() {
        server = ScriptedModelServer.openAi()
                .reply(javascript("final_answer({primes: [2, 3, 5, 7]});"), 100, 10)
                .reply(javascript("final_answer(step_0_result.primes.reduce((a, b) => a + b, 0));"), 100, 10);

        List<AgentResult> results = javaScriptAgent(server).build().executeMultiStep(List.of("The primes under 10.", "Their sum."));

        assertThat(results).allSatisfy(result -> assertThat(result.success()).isTrue());
        assertThat(results.get(1).answerValue().asInt()).isEqualTo(17);
    }
}
