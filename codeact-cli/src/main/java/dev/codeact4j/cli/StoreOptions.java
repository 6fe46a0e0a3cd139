package dev.codeact4j.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Whether the runs of {@code run}, {@code demo} and {@code mcp} are recorded in the run store, as an option shared
 * through {@code @Mixin}; {@link WithCache} adds the cache switch for the commands whose agents use the memory.
 */
final class StoreOptions {

    @Option(names = "--no-store", description = "Do not record the runs in $CODEACT_HOME/runs.db ('codeact history'), "
            + "nor use the cache or past solutions kept there.")
    boolean noStore;

    boolean recording() {
        return !noStore;
    }

    /** {@code --no-store} and {@code --no-cache}: for {@code run} and {@code mcp}. */
    static final class WithCache {
        @Mixin
        StoreOptions store;

        @Option(names = "--no-cache", description = "Ask the model even when the same task was solved before "
                + "(see Memory in 'codeact run --help'); the run is not cached either.")
        boolean noCache;

        boolean recording() {
            return store.recording();
        }

        boolean cache() {
            return !noCache;
        }
    }
}
