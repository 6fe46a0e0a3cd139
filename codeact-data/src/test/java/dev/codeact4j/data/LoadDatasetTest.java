package dev.codeact4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.data.testing.FakeHub;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** load_dataset in a real sandboxed session: the splits fetched from a loopback Hub, as typed pandas DataFrames. */
class LoadDatasetTest {
    @TempDir
    static Path home;

    private static FakeHub hub;
    private static Session session;

    @BeforeAll
    static void offerADataset() {
        hub = FakeHub.start();
        hub.repo("acme/reviews")
                .file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(HubDatasetsTest.TRAIN))
                .file(FakeHub.PARQUET_REVISION, "default/test/0000.parquet", FakeHub.parquet(
                        HubDatasetsTest.TRAIN.replace("range(5)", "range(0)")));
        List<DatasetSplit> splits = HubDatasets.builder().endpoint(hub.endpoint()).cacheDirectory(home).build()
                .fetch(DatasetSpec.parse("hf:acme/reviews"));
        // The code may not import os or json (the default policy): load_dataset's own imports are its own.
        SandboxPolicy policy = HubDatasets.offerTo(SandboxPolicy.builder().build(), splits);
        session = Sandbox.create().open(policy);
    }

    @AfterAll
    static void close() {
        session.close();
        hub.close();
    }

    @Test
    void aSplitIsADataFrameWithItsColumnsTypes() {
        ExecutionResult dtypes = session.execute("""
                df = load_dataset("acme/reviews", split="train")
                {name: str(dtype) for name, dtype in df.dtypes.items()}""");
        assertThat(dtypes.ok()).as(String.valueOf(dtypes.error())).isTrue();
        JsonNode types = dtypes.result().json();
        assertThat(types.toString()).isEqualTo("{\"id\":\"int32\",\"text\":\"object\",\"positive\":\"bool\","
                + "\"score\":\"float64\",\"day\":\"datetime64[ns]\",\"maybe\":\"Int64\",\"pair\":\"object\"}");
        assertThat(session.execute("[len(df), int(df.id.sum()), df.day.iloc[2].isoformat(), df.pair.iloc[1], "
                + "bool(df.maybe.isna().iloc[1]), df.text.iloc[4]]").result().json().toString())
                .isEqualTo("[5,10,\"2024-01-03T00:00:00\",[1,2],true,\"review 4\"]");
    }

    @Test
    void anEmptySplitHasItsColumns() {
        assertThat(session.execute("list(load_dataset('acme/reviews', split='test').columns)").result().json())
                .hasSize(7);
    }

    @Test
    void whatIsNotOfferedIsSaidWithWhatIs() {
        ExecutionResult several = session.execute("load_dataset('acme/reviews')");
        assertThat(several.error().message()).isEqualTo("acme/reviews offers several splits here: split='train', "
                + "split='test'; name one, as load_dataset('acme/reviews', split=...)");
        ExecutionResult noSuchSplit = session.execute("load_dataset('acme/reviews', split='validation')");
        assertThat(noSuchSplit.error().type()).isEqualTo("ValueError");
        assertThat(noSuchSplit.error().message()).isEqualTo("acme/reviews has no split 'validation' in this session; "
                + "it offers: split='train', split='test'");
        ExecutionResult unknown = session.execute("load_dataset('acme/other', split='train')");
        assertThat(unknown.error().message()).isEqualTo("the dataset 'acme/other' is not offered to this session; "
                + "those offered are: acme/reviews");
        // the helper leaves nothing else in the namespace
        assertThat(session.execute("sorted(n for n in globals() if n in ('_offered', '_typed', '_datasets', "
                + "'_split_order', 'os', 'json', 'scope', '_codeact_load_dataset'))")
                .result().json().toString()).isEqualTo("[]");
    }

    @Test
    void aJavaScriptSessionGetsTheFilesButNoPythonHelper() {
        SandboxPolicy js = HubDatasets.offerTo(SandboxPolicy.builder().language(Language.JAVASCRIPT).build(),
                HubDatasets.builder().endpoint(hub.endpoint()).cacheDirectory(home).build()
                        .fetch(DatasetSpec.parse("hf:acme/reviews:default:train")));
        assertThat(js.startupCode()).isEmpty();
        assertThat(js.data()).extracting(mount -> mount.sessionPath())
                .containsExactly("/work/data/hf/acme/reviews/default/train");
    }
}
