package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code codeact demo} in-process, through the real agent loop, the real bubblewrap sandbox and Debian's python3.
 * The numbers in the answers are checked against the same statistics computed here, in Java.
 */
class DemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double ROUNDED = 2e-4; // the answers round to 4 decimals or more

    private static final Map<String, double[]> PRICES = new LinkedHashMap<>();

    static {
        PRICES.put("AAPL", new double[] {150, 155, 148, 162, 158, 170, 165, 175, 172, 180});
        PRICES.put("GOOGL", new double[] {2800, 2750, 2820, 2900, 2850, 2950, 2920, 3000, 2980, 3050});
        PRICES.put("MSFT", new double[] {300, 305, 295, 315, 310, 320, 315, 330, 325, 340});
    }

    private static final double[] TEMPERATURE = {20.1, 20.5, 21.2, 21.8, 22.1, 22.5, 23.0, 23.4, 23.8, 24.2};
    private static final double[] PRESSURE = {1.01, 1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16, 1.18};

    @TempDir
    static Path temp;

    /** The examples, run once with --json, by name. */
    private static Map<String, JsonNode> results;
    private static CodeactRun jsonRun;


    private static CodeactRun codeact(String... args) {
        return CodeactRun.of(Map.of("CODEACT_HOME", temp.resolve("home").toString()), args);
    }

    @BeforeAll
    static void runAllExamplesWithJson() {
        jsonRun = codeact("demo", "--json", "--output-dir", temp.resolve("figures").toString());
        results = new LinkedHashMap<>();
        jsonRun.out().lines().forEach(line -> {
            try {
                JsonNode result = JSON.readTree(line);
                results.put(result.path("example").asText(), result);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("not a JSON line: " + line, e);
            }
        });
    }

    @Test
    void everyExampleReachesItsAnswerThroughTheRealLoop() throws IOException {
        assertThat(jsonRun.exitCode()).as(jsonRun.err()).isZero();
        assertThat(jsonRun.out().lines()).as("one JSON object per example, one per line").hasSize(4);
        assertThat(results).containsOnlyKeys("stock", "physics", "news", "stock-js");
        assertThat(jsonRun.err()).contains("replaying recorded model replies", "no model is called");
        for (JsonNode result : results.values()) {
            assertThat(result.fieldNames()).toIterable().startsWith("example").contains("runId", "model", "task",
                    "success", "reason", "answer", "answerText", "format", "parseError", "steps", "durationMs",
                    "inputTokens", "outputTokens");
            assertThat(result.get("model").asText()).isEqualTo("replayed:" + result.get("example").asText());
            assertThat(result.get("success").asBoolean()).isTrue();
            assertThat(result.get("reason").asText()).isEqualTo("final_answer");
            assertThat(result.get("format").asText()).isEqualTo("json");
            assertThat(result.get("parseError").isNull()).isTrue();
            assertThat(result.get("answer").isObject()).isTrue();
            assertThat(JSON.readTree(result.get("answerText").asText())).isEqualTo(result.get("answer"));
            assertThat(result.get("steps").size()).isBetween(3, 4);
            int inputTokens = 0;
            for (JsonNode step : result.get("steps")) {
                assertThat(step.fieldNames()).toIterable().contains("index", "thought", "code", "observation",
                        "error", "figures", "durationMs", "modelMs", "executionMs", "inputTokens", "outputTokens");
                assertThat(step.get("code").asText()).isNotBlank();
                assertThat(step.get("outputTokens").asInt()).isPositive();
                inputTokens += step.get("inputTokens").asInt();
            }
            assertThat(result.get("inputTokens").asInt()).isEqualTo(inputTokens);
            JsonNode last = result.get("steps").get(result.get("steps").size() - 1);
            assertThat(last.get("code").asText()).contains("final_answer(");
            assertThat(last.get("observation").asText()).startsWith("Final answer: ");
        }
    }

    /** The same analysis, in Python and in JavaScript, gives the same numbers. */
    @ParameterizedTest
    @ValueSource(strings = {"stock", "stock-js"})
    void stockAnswerMatchesTheStatisticsComputedHere(String example) {
        JsonNode answer = results.get(example).get("answer");
        JsonNode stocks = answer.get("stocks");
        assertThat(stocks.properties().stream().map(Map.Entry::getKey).toList())
                .containsExactlyInAnyOrderElementsOf(PRICES.keySet());
        Map<String, Double> sharpe = new TreeMap<>();
        for (Map.Entry<String, double[]> entry : PRICES.entrySet()) {
            double[] p = entry.getValue();
            JsonNode stock = stocks.get(entry.getKey());
            assertThat(stock.at("/last_price").asDouble()).isEqualTo(p[9]);

            assertThat(stock.at("/moving_averages/ma5_latest").asDouble()).isCloseTo(mean(Arrays.copyOfRange(p, 5, 10)), within(ROUNDED));
            assertThat(stock.at("/moving_averages/ma10_latest").asDouble()).isCloseTo(mean(p), within(ROUNDED));
            JsonNode ma5 = stock.at("/moving_averages/ma5_series");
            assertThat(ma5).hasSize(6);
            for (int day = 4; day < 10; day++) {
                assertThat(ma5.get(day - 4).asDouble()).isCloseTo(mean(Arrays.copyOfRange(p, day - 4, day + 1)), within(ROUNDED));
            }

            double[] returns = IntStream.range(1, p.length).mapToDouble(i -> p[i] / p[i - 1] - 1).toArray();
            double volatility = sampleStd(returns);
            assertThat(stock.at("/returns/total_pct").asDouble()).isCloseTo((p[9] / p[0] - 1) * 100, within(ROUNDED));
            assertThat(stock.at("/returns/mean_daily_pct").asDouble()).isCloseTo(mean(returns) * 100, within(ROUNDED));
            assertThat(stock.at("/volatility/daily_pct").asDouble()).isCloseTo(volatility * 100, within(ROUNDED));
            assertThat(stock.at("/volatility/annualized_pct").asDouble()).isCloseTo(volatility * Math.sqrt(252) * 100, within(ROUNDED));
            sharpe.put(entry.getKey(), mean(returns) / volatility * Math.sqrt(252));
            assertThat(stock.at("/returns/sharpe_ratio_annualized").asDouble()).isCloseTo(sharpe.get(entry.getKey()), within(ROUNDED));

            double drawdown = 0;
            double peak = p[0];
            for (double price : p) {
                peak = Math.max(peak, price);
                drawdown = Math.min(drawdown, (price - peak) / peak);
            }
            assertThat(stock.at("/volatility/max_drawdown_pct").asDouble()).isCloseTo(drawdown * 100, within(ROUNDED));

            double[] days = IntStream.rangeClosed(1, 10).asDoubleStream().toArray();
            LeastSquares trend = LeastSquares.fit(days, p);
            assertThat(stock.at("/trend/slope_per_day").asDouble()).isCloseTo(trend.slope(), within(ROUNDED));
            assertThat(stock.at("/trend/r_squared").asDouble()).isCloseTo(trend.r() * trend.r(), within(ROUNDED));
            assertThat(stock.at("/trend/direction").asText()).isEqualTo("up");
            assertThat(stock.at("/recommendation/action").asText()).isIn("BUY", "HOLD", "ACCUMULATE");
            assertThat(stock.at("/recommendation/reasoning").asText()).isNotBlank();
        }
        List<String> bySharpe = sharpe.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())).map(Map.Entry::getKey).toList();
        assertThat(answer.get("ranking_by_risk_adjusted_return")).extracting(JsonNode::asText).containsExactlyElementsOf(bySharpe);
        assertThat(bySharpe.get(0)).isEqualTo("GOOGL");
        for (int rank = 1; rank <= 3; rank++) {
            assertThat(stocks.get(bySharpe.get(rank - 1)).at("/recommendation/rank").asInt()).isEqualTo(rank);
        }
    }

    @Test
    void stockChartIsSavedAsAPng() throws IOException {
        JsonNode chartStep = results.get("stock").get("steps").get(2);
        assertThat(chartStep.get("figures")).hasSize(1);
        Path png = Path.of(chartStep.get("figures").get(0).asText());
        assertThat(png).isRegularFile().hasParent(temp.resolve("figures").toAbsolutePath());
        assertThat(Files.readAllBytes(png)).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    @Test
    void physicsAnswerMatchesTheLeastSquaresFitComputedHere() {
        JsonNode answer = results.get("physics").get("answer");
        int n = TEMPERATURE.length;
        LeastSquares fit = LeastSquares.fit(TEMPERATURE, PRESSURE);
        double tQuantile = 2.306004; // Student t, 97.5th percentile, 8 degrees of freedom (from tables)
        double meanT = mean(TEMPERATURE);
        double sxx = Arrays.stream(TEMPERATURE).map(t -> (t - meanT) * (t - meanT)).sum();
        double residualSe = Math.sqrt(IntStream.range(0, n)
                .mapToDouble(i -> Math.pow(PRESSURE[i] - fit.predict(TEMPERATURE[i]), 2)).sum() / (n - 2));
        double slopeSe = residualSe / Math.sqrt(sxx);
        double interceptSe = residualSe * Math.sqrt(1.0 / n + meanT * meanT / sxx);

        JsonNode regression = answer.get("linear_regression");
        assertThat(regression.get("slope").asDouble()).isCloseTo(fit.slope(), within(1e-6));
        assertThat(regression.get("intercept").asDouble()).isCloseTo(fit.intercept(), within(1e-6));
        assertThat(regression.get("slope_std_error").asDouble()).isCloseTo(slopeSe, within(1e-6));
        assertThat(regression.get("intercept_std_error").asDouble()).isCloseTo(interceptSe, within(1e-6));
        assertThat(regression.get("residual_std_error").asDouble()).isCloseTo(residualSe, within(1e-6));
        assertThat(regression.get("r_squared").asDouble()).isCloseTo(fit.r() * fit.r(), within(1e-6));
        assertThat(regression.get("degrees_of_freedom").asInt()).isEqualTo(8);
        assertThat(regression.get("slope_ci95").get(0).asDouble()).isCloseTo(fit.slope() - tQuantile * slopeSe, within(1e-5));
        assertThat(regression.get("slope_ci95").get(1).asDouble()).isCloseTo(fit.slope() + tQuantile * slopeSe, within(1e-5));
        assertThat(regression.get("slope_formatted").asText())
                .isEqualTo(String.format(Locale.ROOT, "(%.4f ± %.4f) atm/°C", fit.slope(), slopeSe));
        assertThat(answer.at("/correlation/pearson_r").asDouble()).isCloseTo(fit.r(), within(1e-6));

        double at25 = fit.predict(25.0);
        double meanSe = residualSe * Math.sqrt(1.0 / n + Math.pow(25.0 - meanT, 2) / sxx);
        double predictionSe = residualSe * Math.sqrt(1 + 1.0 / n + Math.pow(25.0 - meanT, 2) / sxx);
        JsonNode prediction = answer.get("prediction_at_25C");
        assertThat(prediction.get("pressure_atm").asDouble()).isCloseTo(at25, within(1e-5));
        assertThat(prediction.get("confidence_interval95").get(0).asDouble()).isCloseTo(at25 - tQuantile * meanSe, within(2e-5));
        assertThat(prediction.get("confidence_interval95").get(1).asDouble()).isCloseTo(at25 + tQuantile * meanSe, within(2e-5));
        assertThat(prediction.get("prediction_interval95").get(0).asDouble()).isCloseTo(at25 - tQuantile * predictionSe, within(2e-5));
        assertThat(prediction.get("prediction_interval95").get(1).asDouble()).isCloseTo(at25 + tQuantile * predictionSe, within(2e-5));

        JsonNode temperature = answer.at("/summary_statistics/temperature");
        assertThat(temperature.get("n").asInt()).isEqualTo(n);
        assertThat(temperature.get("mean").asDouble()).isCloseTo(meanT, within(1e-5));
        assertThat(temperature.get("std").asDouble()).isCloseTo(sampleStd(TEMPERATURE), within(1e-5));
        assertThat(temperature.get("median").asDouble()).isCloseTo((TEMPERATURE[4] + TEMPERATURE[5]) / 2, within(1e-9));
        JsonNode pressure = answer.at("/summary_statistics/pressure");
        assertThat(pressure.get("mean").asDouble()).isCloseTo(mean(PRESSURE), within(1e-5));
        assertThat(pressure.get("sem").asDouble()).isCloseTo(sampleStd(PRESSURE) / Math.sqrt(n), within(1e-5));
        assertThat(answer.at("/measurement_uncertainties/pressure_atm/combined_standard").asDouble())
                .isCloseTo(Math.hypot(residualSe, 0.005 / Math.sqrt(3)), within(1e-6));
    }

    @Test
    void newsAnswerCoversEveryShippedHeadline() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = DemoExample.class.getResourceAsStream("demo/news-headlines.csv")) {
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().skip(1)
                    .forEach(line -> rows.add(line.split(",", 3)));
        }
        JsonNode answer = results.get("news").get("answer");
        assertThat(rows).hasSize(30);
        assertThat(answer.get("headline_count").asInt()).isEqualTo(rows.size());
        Map<String, Integer> sources = new TreeMap<>();
        rows.forEach(row -> sources.merge(row[1], 1, Integer::sum));
        Map<String, Integer> reported = new TreeMap<>();
        answer.get("sources").properties().forEach(source -> reported.put(source.getKey(), source.getValue().asInt()));
        assertThat(reported).isEqualTo(sources);
        assertThat(answer.get("date_range")).extracting(JsonNode::asText).containsExactly("2025-03-03", "2025-03-09");

        JsonNode headlines = answer.get("headlines");
        assertThat(headlines).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode headline = headlines.get(i);
            assertThat(headline.get("headline").asText()).isEqualTo(rows.get(i)[2]);
            assertThat(headline.get("source").asText()).isEqualTo(rows.get(i)[1]);
            assertThat(headline.get("sentiment").asText()).isIn("positive", "negative", "neutral");
            assertThat(headline.get("sentiment_confidence").asDouble()).isBetween(0.0, 1.0);
            assertThat(headline.get("category").asText())
                    .isIn("politics", "business", "technology", "sports", "science", "health", "weather", "other");
            assertThat(headline.get("category_confidence").asDouble()).isBetween(0.0, 1.0);
        }
        JsonNode counts = answer.at("/sentiment/counts");
        assertThat(counts.get("positive").asInt() + counts.get("negative").asInt() + counts.get("neutral").asInt())
                .isEqualTo(rows.size());
        assertThat(counts.get("negative").asInt()).isEqualTo(count(headlines, "sentiment", "negative"));
        int categorised = 0;
        for (Map.Entry<String, JsonNode> category : answer.get("categories").properties()) {
            assertThat(category.getValue().get("headlines").asInt()).isEqualTo(count(headlines, "category", category.getKey()));
            categorised += category.getValue().get("headlines").asInt();
        }
        assertThat(categorised).isEqualTo(rows.size());
        assertThat(answer.get("trending_topics")).isNotEmpty();
        for (JsonNode topic : answer.get("trending_topics")) {
            String phrase = topic.get("topic").asText();
            long mentioning = rows.stream().filter(row -> (" " + row[2].toLowerCase(Locale.ROOT) + " ").contains(" " + phrase + " ")).count();
            assertThat(topic.get("headlines").asLong()).as(phrase).isEqualTo(mentioning).isGreaterThanOrEqualTo(2);
        }
        assertThat(answer.get("summary").asText()).contains("30 headlines from 8 sources");
    }

    @Test
    void newsTranscriptHitsAnErrorAndRecoversFromIt() {
        JsonNode steps = results.get("news").get("steps");
        JsonNode failed = steps.get(1);
        assertThat(failed.get("error").get("type").asText()).isEqualTo("AttributeError");
        assertThat(failed.get("error").get("message").asText()).contains(".dt accessor");
        assertThat(failed.get("observation").asText()).contains("<cell-2>", "AttributeError");
        assertThat(steps.get(2).get("error").isNull()).isTrue();
        assertThat(steps.get(2).get("code").asText()).contains("pd.to_datetime");
    }

    @Test
    void oneExampleShowsItsProgressAndPrintsItsAnswer() throws IOException {
        CodeactRun run = codeact("demo", "physics");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("replaying recorded model replies — no model is called",
                "Example 1 of 1: Scientific data analysis (physics)", "▶ replayed:physics · multi-step",
                "── Step 1 ", "── Step 3 ", "fit = stats.linregress(temperature, pressure)",
                "slope     = 0.042438 atm/°C", "✓ final answer", "✓ Answer after 3 steps", "replayed:physics",
                "codeact run --model");
        assertThat(run.err()).doesNotContain("── Step 4 ").doesNotContain("\u001B[");
        JsonNode answer = JSON.readTree(run.out());
        assertThat(answer.at("/linear_regression/slope").asDouble()).isCloseTo(0.042438, within(1e-6));
        assertThat(run.out()).startsWith("{\n  \"linear_regression\": {\n");
    }

    @Test
    void theJavaScriptExampleRunsAloneInNodeJs() throws IOException {
        CodeactRun run = codeact("demo", "stock-js");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("Example 1 of 1: Financial analysis in JavaScript (stock-js)",
                "▶ replayed:stock-js · multi-step", "function leastSquares(xs, ys) {", "const trend = leastSquares(days, p);",
                "1. GOOGL BUY: Best risk-adjusted return", "✓ Answer after 4 steps");
        assertThat(JSON.readTree(run.out()).at("/stocks/GOOGL/recommendation/action").asText()).isEqualTo("BUY");
        assertThat(results.get("stock-js").get("steps")).allSatisfy(step -> assertThat(step.get("error").isNull()).isTrue());
    }

    @Test
    void withoutNodeJsTheJavaScriptExampleIsSkippedWhenAllRunAndExitsThreeAlone() {
        CodeactRun all = codeact("demo", "--json", "--node", "/nonexistent/node");
        CodeactRun alone = codeact("demo", "--node", "/nonexistent/node", "stock-js");

        assertThat(all.exitCode()).as(all.err()).isZero();
        assertThat(all.jsonLines()).extracting(result -> result.get("example").asText())
                .containsExactly("stock", "physics", "news");
        assertThat(all.err()).contains("[skipped: JavaScript sessions need Node.js 18 or newer", "/nonexistent/node");
        assertThat(alone.exitCode()).isEqualTo(3);
        assertThat(alone.err()).contains("JavaScript sessions need Node.js", "Install it");
    }

    @Test
    void withoutASandboxTheDemoExitsThree() {
        CodeactRun run = codeact("demo", "--bwrap", "/nonexistent/bwrap", "stock");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("cannot make a sandbox", "/nonexistent/bwrap");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void anUnknownExampleIsAUsageError() {
        CodeactRun run = codeact("demo", "weather");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown example 'weather': choose stock, physics, news");
    }

    // --- statistics, computed independently of the Python in the recordings -------------------------------------

    record LeastSquares(double slope, double intercept, double r) {
        static LeastSquares fit(double[] x, double[] y) {
            double mx = mean(x);
            double my = mean(y);
            double sxy = 0;
            double sxx = 0;
            double syy = 0;
            for (int i = 0; i < x.length; i++) {
                sxy += (x[i] - mx) * (y[i] - my);
                sxx += (x[i] - mx) * (x[i] - mx);
                syy += (y[i] - my) * (y[i] - my);
            }
            double slope = sxy / sxx;
            return new LeastSquares(slope, my - slope * mx, sxy / Math.sqrt(sxx * syy));
        }

        double predict(double x) {
            return intercept + slope * x;
        }
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    private static double sampleStd(double[] values) {
        double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1));
    }

    private static int count(JsonNode records, String field, String value) {
        int count = 0;
        for (JsonNode record : records) {
            count += record.get(field).asText().equals(value) ? 1 : 0;
        }
        return count;
    }
}
