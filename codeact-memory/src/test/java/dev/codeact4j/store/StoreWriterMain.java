package dev.codeact4j.store;

import dev.codeact4j.sandbox.Language;

import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/**
 * A process of its own that writes runs into a store, for the tests that need more than one process:
 * {@code write FILE LABEL N START_AT_MILLIS} records N runs of model LABEL, starting at that moment (so that two
 * such processes write at the same time) and exits 0, or 1 with the failure on stderr;
 * {@code crash FILE} starts a run, records one step of it, and dies without finishing it or closing anything.
 */
public final class StoreWriterMain {
    private StoreWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        if (args[0].equals("crash")) {
            RunStore store = RunStore.open(file);
            String runId = "crashed-" + UUID.randomUUID();
            store.runStarted(runId, "a task the process never finishes", "multi-step", "test:crash", Language.PYTHON,
                    Instant.now());
            store.stepFinished(runId, SyntheticRuns.step(0, null, 5));
            System.out.println(runId);
            System.out.flush();
            Runtime.getRuntime().halt(9); // no shutdown hooks, no close: as if killed
        }
        String label = args[2];
        int runs = Integer.parseInt(args[3]);
        long startAt = Long.parseLong(args[4]);
        try (RunStore store = RunStore.open(file)) {
            RunRecorder recorder = store.recorder(failure -> {
                System.err.println(failure.getMessage());
                System.exit(1);
            });
            Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
            for (int i = 0; i < runs; i++) {
                SyntheticRuns.emit(recorder, label, label + " task " + i, i % 3 != 0, 10 + i, null, "ValueError", null);
            }
        }
    }
}
