package dev.codeact4j.memory;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.RunMemory;
import dev.codeact4j.agent.Step;
import dev.codeact4j.agent.StopReason;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.StoreException;
import dev.codeact4j.store.internal.MemoryTables;
import dev.codeact4j.store.internal.MemoryTables.CachedAnswer;
import dev.codeact4j.store.internal.MemoryTables.SolutionVector;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * What an agent remembers of its successful runs, in a {@link RunStore}'s file: give it to the agent with
 * {@code CodeActAgent.builder().memory(AgentMemory.in(store))}.
 *
 * <ul>
 * <li><b>The caches</b> (the seed's OptimizedCodeActAgent). The code cache files a successful run's program
 *     (the code of all its steps, in order) under the run's key (see {@link CacheKey}); the result cache files
 *     its answer under the key and the program. A run whose key and program have an answer gets it at once: no model call,
 *     no code run. A run whose key has a program but no answer to use (it was evicted, or the answer may depend
 *     on the outside world, see {@link #cachedAnswer}) runs the program again in its fresh session, without
 *     the model, and takes its final answer; should the program no longer reach one, it is forgotten and the
 *     model carries on from where it stopped. Entries expire after {@link #cacheTtl()} (7 days by default) and
 *     each cache keeps the latest {@link #maxCacheEntries()} (1000).</li>
 * <li><b>Reuse of past solutions</b> (the seed's SelfImprovingCodeActAgent). Each successful run's task and
 *     program is kept; a new task whose embedding (all-MiniLM-L6-v2, computed in-process) is similar to a kept
 *     one's by cosine {@link #reuseThreshold()} or more gets that program in its prompt to adapt; solutions are
 *     kept under their run's language, and a run is shown only those in its own. The vectors
 *     are compared in Java, one by one: well under a millisecond per thousand, fine for the
 *     {@link #maxSolutions()} (5000) kept. The embedding model is loaded only when there is something to
 *     compare with.</li>
 * </ul>
 *
 * The memory never breaks a run: a store that cannot be read or written is as good as an empty memory, and
 * the first such failure is kept in {@link #failure()}.
 */
public final class AgentMemory implements RunMemory {
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofDays(7);
    public static final int DEFAULT_MAX_CACHE_ENTRIES = 1000;
    /**
     * Chosen on pairs of tasks: "Compute the mean of the prices 3, 5, 8" and "Calculate the average of prices
     * 4, 6, 9" are at 0.76, the 20th and the 30th Fibonacci number at 0.90, training a classifier on iris and
     * fitting a logistic regression to it at 0.80; the mean of prices and the mean of temperatures at 0.51, the
     * Fibonacci number and the first 20 primes at 0.49, unrelated tasks below 0.2. A program that is shown but
     * does not fit costs tokens, not correctness, so the threshold leans towards showing.
     */
    public static final double DEFAULT_REUSE_THRESHOLD = 0.70;
    public static final int DEFAULT_MAX_SOLUTIONS = 5000;

    private final RunStore store;
    private final boolean cache;
    private final Duration cacheTtl;
    private final int maxCacheEntries;
    private final boolean reuse;
    private final double reuseThreshold;
    private final int maxSolutions;
    private final Clock clock;
    private final AtomicReference<StoreException> firstFailure = new AtomicReference<>();

    private AgentMemory(RunStore store, boolean cache, Duration cacheTtl, int maxCacheEntries, boolean reuse,
                        double reuseThreshold, int maxSolutions, Clock clock) {
        this.store = store;
        this.cache = cache;
        this.cacheTtl = cacheTtl;
        this.maxCacheEntries = maxCacheEntries;
        this.reuse = reuse;
        this.reuseThreshold = reuseThreshold;
        this.maxSolutions = maxSolutions;
        this.clock = clock;
    }

    /** Caches and reuse on, with the defaults, in this store's file. */
    public static AgentMemory in(RunStore store) {
        return new AgentMemory(Objects.requireNonNull(store, "store"), true, DEFAULT_CACHE_TTL,
                DEFAULT_MAX_CACHE_ENTRIES, true, DEFAULT_REUSE_THRESHOLD, DEFAULT_MAX_SOLUTIONS, Clock.systemUTC());
    }

    /** Whether runs are served from and fill the caches ({@code codeact run --no-cache} turns them off). */
    public AgentMemory withCache(boolean cache) {
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions, clock);
    }

    public AgentMemory withCacheTtl(Duration cacheTtl) {
        if (cacheTtl.isNegative() || cacheTtl.isZero()) {
            throw new IllegalArgumentException("the cache's time to live must be positive, got " + cacheTtl);
        }
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions, clock);
    }

    public AgentMemory withMaxCacheEntries(int maxCacheEntries) {
        if (maxCacheEntries < 1) {
            throw new IllegalArgumentException("a cache must hold at least 1 entry, got " + maxCacheEntries);
        }
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions, clock);
    }

    /** Whether similar past solutions are shown to the model, and successful runs kept as such. */
    public AgentMemory withReuse(boolean reuse) {
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions, clock);
    }

    public AgentMemory withReuseThreshold(double reuseThreshold) {
        if (reuseThreshold <= 0 || reuseThreshold > 1) {
            throw new IllegalArgumentException("the reuse threshold is a cosine similarity in (0, 1], got " + reuseThreshold);
        }
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions, clock);
    }

    public AgentMemory withMaxSolutions(int maxSolutions) {
        if (maxSolutions < 1) {
            throw new IllegalArgumentException("at least 1 solution must be kept, got " + maxSolutions);
        }
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions, clock);
    }

    /** The clock that dates entries and expires them (for tests). */
    public AgentMemory withClock(Clock clock) {
        return new AgentMemory(store, cache, cacheTtl, maxCacheEntries, reuse, reuseThreshold, maxSolutions,
                Objects.requireNonNull(clock, "clock"));
    }

    public boolean cache() {
        return cache;
    }

    public Duration cacheTtl() {
        return cacheTtl;
    }

    public int maxCacheEntries() {
        return maxCacheEntries;
    }

    public boolean reuse() {
        return reuse;
    }

    public double reuseThreshold() {
        return reuseThreshold;
    }

    public int maxSolutions() {
        return maxSolutions;
    }

    // --- what a run asks at its start ------------------------------------------------------------------------------

    /** The program cached under this setup's key, when the cache is on and it has not expired. */
    @Override
    public Optional<CachedProgram> cachedProgram(RunSetup setup) {
        if (!cache) {
            return Optional.empty();
        }
        return guarded(() -> tables().code(CacheKey.of(setup).value(), notExpiredSince())
                .map(code -> new CachedProgram(code.runId(), code.code())), Optional.empty());
    }

    /**
     * The answer of this program under this setup's key, when the cache is on, it has not expired, and it may
     * stand for running the program again: not when the code can reach the network, call host tools or read the
     * session's data (files, datasets), since what it finds there may have changed; then the program runs again.
     */
    @Override
    public Optional<ProcessedAnswer> cachedAnswer(RunSetup setup, List<String> code) {
        boolean reachesOut = setup.policy().network() || !setup.policy().allowHosts().isEmpty();
        if (!cache || reachesOut || !setup.tools().isEmpty() || !setup.policy().data().isEmpty()) {
            return Optional.empty();
        }
        return guarded(() -> tables().answer(CacheKey.of(setup).withCode(code).value(), notExpiredSince())
                .map(CachedAnswer::answer), Optional.empty());
    }

    @Override
    public void forget(RunSetup setup) {
        guarded(() -> {
            tables().forgetCode(CacheKey.of(setup).value());
            return null;
        }, null);
    }

    /**
     * The most similar past solution in this language at the threshold or above, when reuse is on and there is one.
     */
    public Optional<PastSolution> similarSolution(String task, Language language) {
        return similarSolution(task, language, pastSolutions -> { });
    }

    /**
     * Like {@link #similarSolution(String, Language)}; {@code loadingModel} hears, with the number of past
     * solutions, when the embedding model is about to be loaded for them (about a second, once per process).
     */
    @Override
    public Optional<PastSolution> similarSolution(String task, Language language, IntConsumer loadingModel) {
        if (!reuse) {
            return Optional.empty();
        }
        return guarded(() -> {
            List<SolutionVector> solutions = tables().solutionVectors(language.id());
            if (solutions.isEmpty()) {
                return Optional.empty(); // nothing to compare with: the model is not loaded
            }
            if (!TaskEmbeddings.loaded()) {
                loadingModel.accept(solutions.size());
            }
            float[] wanted = TaskEmbeddings.embed(task);
            SolutionVector best = null;
            double bestSimilarity = -1;
            for (SolutionVector solution : solutions) {
                float[] vector = solution.embedding();
                if (vector == null) { // kept by a process that never needed the model; computed once, now
                    vector = TaskEmbeddings.embed(solution.task());
                    tables().putEmbedding(solution.runId(), vector);
                }
                double similarity = TaskEmbeddings.cosine(wanted, vector);
                if (similarity > bestSimilarity) {
                    best = solution;
                    bestSimilarity = similarity;
                }
            }
            if (bestSimilarity < reuseThreshold) {
                return Optional.empty();
            }
            String runId = best.runId();
            String earlierTask = best.task();
            double similarity = bestSimilarity;
            return tables().solutionCode(runId).map(code -> new PastSolution(runId, earlierTask, code, similarity));
        }, Optional.empty());
    }

    // --- what a run leaves at its end ------------------------------------------------------------------------------

    /**
     * Keeps a run that reached its answer by {@code final_answer}, and was not itself served from the cache:
     * its program and answer in the caches, and its task and program as a past solution.
     */
    @Override
    public void remember(RunSetup setup, AgentResult result) {
        if (!result.success() || result.reason() != StopReason.FINAL_ANSWER || result.cached()) {
            return;
        }
        List<String> code = programOf(result);
        if (code.isEmpty()) {
            return;
        }
        guarded(() -> {
            Instant now = clock.instant();
            CacheKey key = CacheKey.of(setup);
            if (cache) {
                tables().putCode(key.value(), result.runId(), code, now, notExpiredSince(), maxCacheEntries);
                ProcessedAnswer answer = result.answer();
                if (answer != null) {
                    tables().putAnswer(key.withCode(code).value(), result.runId(), answer, now, notExpiredSince(),
                            maxCacheEntries);
                }
            }
            if (reuse) {
                tables().putSolution(result.runId(), result.task(), setup.language(), code, now, maxSolutions);
            }
            return null;
        }, null);
    }

    /** The code of every step that had code, in order: later steps use the state earlier ones made. */
    public static List<String> programOf(AgentResult result) {
        return result.steps().stream().map(Step::code).filter(Objects::nonNull).toList();
    }

    /** The first read or write of the store that failed, if one did. */
    public Optional<StoreException> failure() {
        return Optional.ofNullable(firstFailure.get());
    }

    private Instant notExpiredSince() {
        return clock.instant().minus(cacheTtl);
    }

    private MemoryTables tables() {
        return store.memoryTables();
    }

    private <T> T guarded(java.util.function.Supplier<T> work, T otherwise) {
        try {
            return work.get();
        } catch (StoreException e) {
            firstFailure.compareAndSet(null, e);
            return otherwise;
        }
    }
}
