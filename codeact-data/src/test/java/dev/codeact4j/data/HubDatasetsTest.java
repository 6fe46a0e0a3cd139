package dev.codeact4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.data.DatasetException.Kind;
import dev.codeact4j.data.testing.FakeHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fetching, converting and caching datasets, against a loopback Hub that answers as the Hub does. */
class HubDatasetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TRAIN = """
            SELECT i::INTEGER AS id, 'review ' || i AS text, (i % 2 = 0) AS positive, i * 0.5 AS score,
                   DATE '2024-01-01' + i::INTEGER AS day, CASE WHEN i = 1 THEN NULL ELSE i END::BIGINT AS maybe,
                   [i, i + 1] AS pair
            FROM range(5) t(i)""";

    @TempDir
    Path home;

    private FakeHub hub;
    private final List<String> progress = new ArrayList<>();

    @BeforeEach
    void startHub() {
        hub = FakeHub.start().tokens("hf_good", "hf_other");
        hub.repo("acme/reviews")
                .file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(TRAIN))
                .file(FakeHub.PARQUET_REVISION, "default/train/0001.parquet", FakeHub.parquet(
                        TRAIN.replace("range(5)", "range(5, 7)")))
                .file(FakeHub.PARQUET_REVISION, "default/test/0000.parquet", FakeHub.parquet(
                        TRAIN.replace("range(5)", "range(100, 102)")))
                .file("main", "README.md", "# reviews".getBytes(StandardCharsets.UTF_8));
        hub.repo("acme/plain")  // not converted by the Hub: its own CSV files
                .file("main", "README.md", "# plain".getBytes(StandardCharsets.UTF_8))
                .file("main", "data/train.csv", "city,population\nLyon,522250\nNantes,320732\n".getBytes(StandardCharsets.UTF_8))
                .file("main", "data/test.csv", "city,population\nLille,236234\n".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubDatasets.Builder datasets() {
        return HubDatasets.builder().endpoint(hub.endpoint()).cacheDirectory(home.resolve("datasets"))
                .progress(progress::add);
    }

    @Test
    void theHubsParquetIsFetchedConvertedWithItsTypesAndCachedSoThatASecondRunAsksNothing() throws IOException {
        List<DatasetSplit> splits = datasets().build().fetch(DatasetSpec.parse("hf:acme/reviews"));

        assertThat(splits).extracting(DatasetSplit::split).containsExactly("train", "test");
        DatasetSplit train = splits.get(0);
        assertThat(train.config()).isEqualTo("default");
        assertThat(train.rows()).isEqualTo(7);
        assertThat(train.fromCache()).isFalse();
        assertThat(train.columns()).extracting(Column::name, Column::type, Column::dtype).containsExactly(
                org.assertj.core.groups.Tuple.tuple("id", "INTEGER", "int32"),
                org.assertj.core.groups.Tuple.tuple("text", "VARCHAR", "object"),
                org.assertj.core.groups.Tuple.tuple("positive", "BOOLEAN", "bool"),
                org.assertj.core.groups.Tuple.tuple("score", "DECIMAL(21,1)", "float64"),
                org.assertj.core.groups.Tuple.tuple("day", "DATE", "datetime64[ns]"),
                org.assertj.core.groups.Tuple.tuple("maybe", "BIGINT", "int64"),
                org.assertj.core.groups.Tuple.tuple("pair", "BIGINT[]", "object"));
        List<String> lines = Files.readAllLines(train.directory().resolve(DatasetSplit.DATA_FILE));
        assertThat(lines).hasSize(7);
        assertThat(JSON.readTree(lines.get(1))).isEqualTo(JSON.readTree(
                "{\"id\":1,\"text\":\"review 1\",\"positive\":false,\"score\":0.5,\"day\":\"2024-01-02\",\"maybe\":null,\"pair\":[1,2]}"));
        assertThat(JSON.readTree(lines.get(6)).path("id").asInt()).isEqualTo(6); // the files' order is kept
        JsonNode manifest = JSON.readTree(train.directory().resolve(DatasetSplit.MANIFEST).toFile());
        assertThat(manifest.path("revision").asText()).isEqualTo("refs/convert/parquet");
        assertThat(manifest.path("commit").asText()).hasSize(40);
        assertThat(manifest.path("sources")).hasSize(2);
        assertThat(train.directory()).isEqualTo(home.resolve("datasets/hf/127.0.0.1_" + port() + "/acme/reviews/default/train"));
        assertThat(train.mount().sessionPath()).isEqualTo("/work/data/hf/acme/reviews/default/train");
        try (var left = Files.list(train.directory())) { // the downloaded Parquet is not kept: the JSON Lines are
            assertThat(left.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("data.jsonl", "split.json");
        }
        // the listing came in pages (Link: rel="next"), the files through the download host
        assertThat(hub.requests()).anyMatch(request -> request.contains("/tree/refs%2Fconvert%2Fparquet?")
                && request.contains("cursor=3"));
        assertThat(hub.requests()).filteredOn(request -> request.startsWith("GET download /cas/")).hasSize(3);

        hub.forgetRequests();
        List<DatasetSplit> again = datasets().build().fetch(DatasetSpec.parse("hf:acme/reviews"));
        assertThat(hub.requests()).isEmpty();
        assertThat(again).extracting(DatasetSplit::split).containsExactly("train", "test");
        assertThat(again).allMatch(DatasetSplit::fromCache);
        assertThat(again.get(0).columns()).isEqualTo(train.columns());
        assertThat(datasets().build().fetch(DatasetSpec.parse("hf:acme/reviews:default:test")).get(0).rows()).isEqualTo(2);
        assertThat(hub.requests()).isEmpty();
        assertThat(progress).anyMatch(line -> line.equals("hf:acme/reviews:default:test: 2 rows, from the cache"));
    }

    @Test
    void refreshingAsksTheHubAndFetchesOnlyWhatChanged() {
        datasets().build().fetch(DatasetSpec.parse("hf:acme/reviews"));
        hub.repo("acme/reviews").file(FakeHub.PARQUET_REVISION, "default/test/0000.parquet", FakeHub.parquet(
                TRAIN.replace("range(5)", "range(100, 103)")));
        hub.forgetRequests();

        List<DatasetSplit> refreshed = datasets().refresh(true).build().fetch(DatasetSpec.parse("hf:acme/reviews"));

        assertThat(refreshed.get(0).fromCache()).isTrue();
        assertThat(refreshed.get(1).fromCache()).isFalse();
        assertThat(refreshed.get(1).rows()).isEqualTo(3);
        assertThat(hub.requests()).filteredOn(request -> request.startsWith("GET download")).hasSize(1);
    }

    @Test
    void aDatasetWithoutTheHubsConversionIsReadFromItsOwnCsvFilesSplitByTheirNames() throws IOException {
        List<DatasetSplit> splits = datasets().build().fetch(DatasetSpec.parse("hf:acme/plain"));

        assertThat(splits).extracting(DatasetSplit::config, DatasetSplit::split, DatasetSplit::rows).containsExactly(
                org.assertj.core.groups.Tuple.tuple("default", "train", 2L),
                org.assertj.core.groups.Tuple.tuple("default", "test", 1L));
        assertThat(splits.get(0).columns()).extracting(Column::name, Column::dtype).containsExactly(
                org.assertj.core.groups.Tuple.tuple("city", "object"),
                org.assertj.core.groups.Tuple.tuple("population", "int64"));
        assertThat(Files.readString(splits.get(1).directory().resolve(DatasetSplit.DATA_FILE)))
                .isEqualTo("{\"city\":\"Lille\",\"population\":236234}\n");
        assertThat(hub.requests()).anyMatch(request -> request.contains("/tree/main?"));
        assertThat(hub.requests()).anyMatch(request -> request.contains("/resolve/main/data/test.csv"));
    }

    @Test
    void anUnknownDatasetIsNamedWithWhereToCheck() {
        assertThatThrownBy(() -> datasets().token("hf_good").build().fetch(DatasetSpec.parse("hf:acme/nothing")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                .hasMessageContaining("there is no dataset acme/nothing on the Hugging Face Hub at " + hub.endpoint() + " (404")
                .hasMessageContaining(hub.endpoint() + "/datasets/acme/nothing");
        // without a token the Hub cannot tell a missing dataset from a private one: both are said
        assertThatThrownBy(() -> datasets().build().fetch(DatasetSpec.parse("hf:acme/nothing")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                .hasMessageContaining("(401), or it is private")
                .hasMessageContaining("set HF_TOKEN");
        assertThat(home.resolve("datasets/hf/127.0.0.1_" + port() + "/acme/nothing")).doesNotExist(); // nothing left
    }

    @Test
    void gatedAndPrivateDatasetsNeedAToken() {
        hub.repo("acme/gated").gated("hf_good")
                .file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(TRAIN));
        hub.repo("acme/secret").privateTo("hf_good")
                .file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(TRAIN));

        assertThatThrownBy(() -> datasets().build().fetch(DatasetSpec.parse("hf:acme/gated")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
                .hasMessageContaining("acme/gated is a gated dataset (the Hub answered 401)")
                .hasMessageContaining("set HF_TOKEN");
        assertThatThrownBy(() -> datasets().token("hf_other").build().fetch(DatasetSpec.parse("hf:acme/gated")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
                .hasMessageContaining("the account of HF_TOKEN has no access to the gated dataset acme/gated (the Hub answered 403)");
        assertThatThrownBy(() -> datasets().token("hf_forged").build().fetch(DatasetSpec.parse("hf:acme/gated")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
                .hasMessageContaining("the Hub refused HF_TOKEN for acme/gated (401: Invalid credentials in Authorization header)");
        assertThatThrownBy(() -> datasets().build().fetch(DatasetSpec.parse("hf:acme/secret")))
                .hasMessageContaining("or it is private").hasMessageContaining("set HF_TOKEN");

        assertThat(datasets().token("hf_good").build().fetch(DatasetSpec.parse("hf:acme/gated")).get(0).rows()).isEqualTo(5);
        assertThat(datasets().token("hf_good").build().fetch(DatasetSpec.parse("hf:acme/secret")).get(0).rows()).isEqualTo(5);
        // the token went to the Hub, never to the download host (which refuses it with a 400)
        assertThat(hub.requests()).filteredOn(request -> request.startsWith("GET download")).hasSize(2);
    }

    @Test
    void aHubThatCannotBeReachedIsSaidSo() {
        String nowhere = FakeHub.refusingEndpoint();
        assertThatThrownBy(() -> datasets().endpoint(nowhere).build().fetch(DatasetSpec.parse("hf:acme/reviews")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
                .hasMessageContaining("cannot reach the Hugging Face Hub at " + nowhere + " (connection refused)")
                .hasMessageContaining("check the network connection, or HF_ENDPOINT");
    }

    @Test
    void aConfigOrSplitThatDoesNotExistNamesThoseThatDo() {
        hub.repo("acme/multi")
                .file(FakeHub.PARQUET_REVISION, "en/train/0000.parquet", FakeHub.parquet(TRAIN))
                .file(FakeHub.PARQUET_REVISION, "fr/train/0000.parquet", FakeHub.parquet(TRAIN))
                .file(FakeHub.PARQUET_REVISION, "fr/partial-validation/0000.parquet", FakeHub.parquet(TRAIN));

        assertThatThrownBy(() -> datasets().build().fetch(DatasetSpec.parse("hf:acme/reviews:default:tset")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_SPLIT))
                .hasMessage("acme/reviews (config default) has no split 'tset'; its splits are train, test");
        assertThatThrownBy(() -> datasets().build().fetch(DatasetSpec.parse("hf:acme/multi")))
                .hasMessage("acme/multi has several configs: en, fr; name one, as hf:acme/multi:en");
        assertThatThrownBy(() -> datasets().build().fetch(DatasetSpec.parse("hf:acme/multi:de")))
                .hasMessage("acme/multi has no config 'de'; its configs are en, fr");
        assertThat(datasets().build().fetch(DatasetSpec.parse("hf:acme/multi:fr")))
                .extracting(DatasetSplit::split).containsExactly("train", "validation");
    }

    @Test
    void aDatasetOverTheSizeLimitIsRefusedBeforeAnyDownload() {
        hub.repo("acme/big").file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(
                "SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) || md5((i * 13)::VARCHAR) AS text FROM range(40000) t(i)"));
        hub.repo("acme/big").file(FakeHub.PARQUET_REVISION, "default/test/0000.parquet", FakeHub.parquet(TRAIN));

        assertThatThrownBy(() -> datasets().maxMb(1).build().fetch(DatasetSpec.parse("hf:acme/big")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE))
                .hasMessageMatching("hf:acme/big is [0-9.]+ MB of data files \\(train [0-9.]+ MB, test [0-9.]+ KB\\), over the "
                        + "limit of 1.0 MB: name a smaller split \\(as hf:acme/big:default:test\\) or raise the limit \\(--dataset-max-mb\\)");
        assertThat(hub.requests()).noneMatch(request -> request.contains("/resolve/"));
        assertThat(datasets().maxMb(1).build().fetch(DatasetSpec.parse("hf:acme/big:default:test")).get(0).rows()).isEqualTo(5);
    }

    @Test
    void theEnvironmentIsReadAsHuggingFacesClientsReadIt() {
        HubDatasets fromEnvironment = HubDatasets.fromEnvironment(
                Map.of("HF_ENDPOINT", hub.endpoint() + "/", "HF_TOKEN", "hf_good"), home).build();
        assertThat(fromEnvironment.endpoint()).isEqualTo(hub.endpoint());
        assertThat(HubDatasets.fromEnvironment(Map.of(), home).build().endpoint()).isEqualTo("https://huggingface.co");
        assertThatThrownBy(() -> HubDatasets.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://mirror"), home))
                .hasMessageContaining("must be an http(s) URL");
    }

    @Test
    void specsAreReadWithTheFormToUse() {
        assertThat(DatasetSpec.parse("hf:acme/reviews:default:test"))
                .isEqualTo(new DatasetSpec("acme", "reviews", "default", "test"));
        assertThat(DatasetSpec.parse("hf:acme/reviews").toString()).isEqualTo("hf:acme/reviews");
        for (String bad : List.of("acme/reviews", "hf:reviews", "hf:acme/reviews:a:b:c", "hf:acme/../x", "hf:acme/reviews::x")) {
            assertThatThrownBy(() -> DatasetSpec.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("hf:OWNER/NAME[:CONFIG[:SPLIT]]");
        }
    }

    private int port() {
        return Integer.parseInt(hub.endpoint().substring(hub.endpoint().lastIndexOf(':') + 1));
    }
}
