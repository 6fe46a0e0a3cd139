package dev.codeact4j.data;

import dev.codeact4j.data.testing.FakeHub;
import dev.codeact4j.sandbox.DataMount;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What data costs, for BENCHMARKS.md (not a test: timings do not belong in assertions). For N rows of five columns
 * served by the loopback Hub: the first fetch (download and conversion), the second (the cache), the listing, and
 * load_dataset in a real session; then the listing of a local CSV of N rows. Run as BENCHMARKS.md says.
 */
public final class DatasetTimings {
    private DatasetTimings() {
    }

    public static void main(String[] args) throws Exception {
        for (String argument : args.length == 0 ? new String[] {"100000", "1000000"} : args) {
            measure(Integer.parseInt(argument));
        }
    }

    private static void measure(int rows) throws Exception {
        Path home = Files.createTempDirectory("codeact-timings-");
        Path csv = Files.createTempFile("codeact-timings-", ".csv");
        try (FakeHub hub = FakeHub.start()) {
            byte[] parquet = FakeHub.parquet("SELECT i::BIGINT AS id, 'review number ' || i AS text, (i % 2 = 0) AS "
                    + "positive, i * 0.25 AS score, DATE '2024-01-01' + (i % 365)::INTEGER AS day FROM range(" + rows + ") t(i)");
            hub.repo("acme/timed").file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", parquet);
            HubDatasets.Builder datasets = HubDatasets.builder().endpoint(hub.endpoint()).cacheDirectory(home);
            System.out.printf("%,d rows, %s of Parquet:%n", rows, DataListing.size(parquet.length));

            long started = System.nanoTime();
            List<DatasetSplit> fetched = datasets.build().fetch(DatasetSpec.parse("hf:acme/timed"));
            System.out.printf("  first fetch (download, DuckDB's conversion): %d ms, %s of JSON Lines%n", millis(started),
                    DataListing.size(Files.size(fetched.get(0).directory().resolve(DatasetSplit.DATA_FILE))));
            hub.forgetRequests();
            started = System.nanoTime();
            List<DatasetSplit> cached = datasets.build().fetch(DatasetSpec.parse("hf:acme/timed"));
            System.out.printf("  second fetch (the cache): %.1f ms, %d requests%n", micros(started) / 1000.0, hub.requests().size());
            started = System.nanoTime();
            DataListing.describe(List.of(), cached, Language.PYTHON);
            System.out.printf("  the split's listing: %.1f ms%n", micros(started) / 1000.0);

            SandboxPolicy policy = HubDatasets.offerTo(SandboxPolicy.builder().timeout(Duration.ofSeconds(120)).allowImports("resource").build(), cached);
            try (Session session = Sandbox.create().open(policy)) {
                session.execute("import pandas as pd");
                ExecutionResult load = session.execute("import time, resource\nt = time.perf_counter()\n"
                        + "df = load_dataset('acme/timed', split='train')\n"
                        + "[len(df), round((time.perf_counter() - t) * 1000), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024]");
                System.out.println(load.ok() ? "  load_dataset in a session [rows, ms, peak MB of the interpreter]: "
                        + load.result().json() : "  load_dataset failed: " + load.error().summary());
            }

            StringBuilder text = new StringBuilder("id,label,score\n");
            for (int i = 0; i < rows; i++) {
                text.append(i).append(",x").append(i).append(',').append(i * 0.5).append('\n');
            }
            Files.writeString(csv, text);
            started = System.nanoTime();
            DataListing.describe(List.of(DataMount.of(csv)), List.of(), Language.PYTHON);
            System.out.printf("  the listing of a %s CSV of as many rows (DuckDB's start included): %d ms%n",
                    DataListing.size(Files.size(csv)), millis(started));
        } finally {
            HubDatasets.deleteRecursively(home);
            Files.deleteIfExists(csv);
        }
    }

    private static long millis(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static long micros(long started) {
        return (System.nanoTime() - started) / 1_000;
    }
}
