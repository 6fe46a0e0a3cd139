package dev.codeact4j.store;

import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How runs went, over the runs a report covers (finished or incomplete ones; runs still under way are left
 * out): the seed's execution report, from the store.
 *
 * @param runs              how many runs
 * @param succeeded         how many ended with an answer
 * @param successRate       succeeded / runs, from 0 to 1 (0 without runs)
 * @param averageDurationMs wall-clock time of a finished run, on average (incomplete runs have none)
 * @param p50DurationMs     the median of the same
 * @param p95DurationMs     95% of finished runs took this long or less
 * @param averageSteps      steps that ran code per run ({@link dev.codeact4j.agent.Step#ranCode()})
 * @param executionTimeMs   the time the code ran, summed over every step of every run
 * @param commonErrors      the code's errors grouped by exception type, most frequent first
 * @param inputTokens       summed over the runs
 * @param cacheHits         how many runs were served from the agent's cache, without a model call
 * @param byModel           the same report for each model's runs, by model name, most runs first (empty in
 *                          those reports)
 * @param byDay             the runs day by day (in this machine's time zone, by the day they started), every day
 *                          from the report's start (its first run's day when it has no start) to today, days
 *                          without runs included, for charts over time (empty in the reports by model)
 */
public record ExecutionReport(
        int runs,
        int succeeded,
        double successRate,
        long averageDurationMs,
        long p50DurationMs,
        long p95DurationMs,
        double averageSteps,
        long executionTimeMs,
        List<CommonError> commonErrors,
        long inputTokens,
        long outputTokens,
        int cacheHits,
        Map<String, ExecutionReport> byModel,
        List<Day> byDay) {

    public ExecutionReport {
        commonErrors = List.copyOf(commonErrors);
        byModel = Collections.unmodifiableMap(new LinkedHashMap<>(byModel));
        byDay = List.copyOf(byDay);
    }

    /** A report without its days (as before they were reported). */
    public ExecutionReport(int runs, int succeeded, double successRate, long averageDurationMs, long p50DurationMs,
                           long p95DurationMs, double averageSteps, long executionTimeMs, List<CommonError> commonErrors,
                           long inputTokens, long outputTokens, int cacheHits, Map<String, ExecutionReport> byModel) {
        this(runs, succeeded, successRate, averageDurationMs, p50DurationMs, p95DurationMs, averageSteps,
                executionTimeMs, commonErrors, inputTokens, outputTokens, cacheHits, byModel, List.of());
    }

    /** A report without cache hits (as before the agent had a cache). */
    public ExecutionReport(int runs, int succeeded, double successRate, long averageDurationMs, long p50DurationMs,
                           long p95DurationMs, double averageSteps, long executionTimeMs, List<CommonError> commonErrors,
                           long inputTokens, long outputTokens, Map<String, ExecutionReport> byModel) {
        this(runs, succeeded, successRate, averageDurationMs, p50DurationMs, p95DurationMs, averageSteps,
                executionTimeMs, commonErrors, inputTokens, outputTokens, 0, byModel, List.of());
    }

    /**
     * One kind of error.
     *
     * @param type    the exception's type as Python names it (NameError, TimeoutError, ...)
     * @param count   how many steps failed with it
     * @param example the message of its latest occurrence
     */
    public record CommonError(String type, int count, String example) {
    }

    /**
     * The runs that started on one day.
     *
     * @param successRate   succeeded / runs, from 0 to 1 (0 without runs)
     * @param p50DurationMs the median wall-clock time of the day's finished runs (0 without any)
     * @param p95DurationMs 95% of them took this long or less
     */
    public record Day(LocalDate day, int runs, int succeeded, double successRate, long p50DurationMs,
                      long p95DurationMs, long inputTokens, long outputTokens) {
    }
}
