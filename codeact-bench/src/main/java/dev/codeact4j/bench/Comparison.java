package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares the code as it is with an earlier commit, measured in the same run ({@code ./bench --against REV}):
 * the two were run in turns, round after round, so that a machine whose speed drifts (a shared virtual machine)
 * disturbs both alike. Per benchmark, each round's p50 and p99 of each side, the median over the rounds, and
 * the ratio of the medians (this code over the earlier one: above 1 is slower).
 *
 * <p>Usage: {@code Comparison <dir>} where the directory holds {@code base-<round>.json} and
 * {@code new-<round>.json}, JMH's JSON results.
 */
public final class Comparison {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Comparison() {
    }

    /** p50 and p99 of every benchmark (with its parameters) in one JMH result file. */
    static Map<String, double[]> percentiles(Path file) throws IOException {
        Map<String, double[]> result = new TreeMap<>();
        for (JsonNode run : JSON.readTree(file.toFile())) {
            String name = run.path("benchmark").asText().replace("dev.codeact4j.bench.", "");
            if (run.has("params")) {
                name += " " + run.get("params").toString().replace("\"", "");
            }
            JsonNode metric = run.path("primaryMetric");
            String unit = metric.path("scoreUnit").asText();
            JsonNode percentiles = metric.path("scorePercentiles");
            result.put(name + " (" + unit + ")", new double[]{percentiles.path("50.0").asDouble(),
                    percentiles.path("99.0").asDouble()});
        }
        return result;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Map<String, List<double[]>> base = new TreeMap<>();
        Map<String, List<double[]>> current = new TreeMap<>();
        List<Path> results = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*-*.json")) {
            files.forEach(results::add);
        }
        results.sort(null); // round by round
        {
            for (Path file : results) {
                Map<String, List<double[]>> side = file.getFileName().toString().startsWith("base-") ? base : current;
                percentiles(file).forEach((name, values) -> side.computeIfAbsent(name, n -> new ArrayList<>()).add(values));
            }
        }
        System.out.println("| Benchmark | rounds | earlier p50 (median; each round) | now p50 (median; each round) "
                + "| now / earlier p50 | earlier p99 | now p99 | now / earlier p99 |");
        System.out.println("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |");
        for (String name : current.keySet()) {
            List<double[]> earlier = base.get(name);
            List<double[]> now = current.get(name);
            if (earlier == null) {
                continue;
            }
            double earlierP50 = median(earlier.stream().map(v -> v[0]).toList());
            double nowP50 = median(now.stream().map(v -> v[0]).toList());
            double earlierP99 = median(earlier.stream().map(v -> v[1]).toList());
            double nowP99 = median(now.stream().map(v -> v[1]).toList());
            System.out.printf(Locale.ROOT, "| %s | %d | %s (%s) | %s (%s) | %.2f | %s | %s | %.2f |%n", name,
                    Math.min(earlier.size(), now.size()), number(earlierP50), each(earlier), number(nowP50), each(now),
                    nowP50 / earlierP50, number(earlierP99), number(nowP99), nowP99 / earlierP99);
        }
    }

    private static String each(List<double[]> rounds) {
        return String.join(", ", rounds.stream().map(v -> number(v[0])).toList());
    }

    private static String number(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
