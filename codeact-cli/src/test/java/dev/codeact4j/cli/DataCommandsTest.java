package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.data.testing.FakeHub;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --data} and {@code --dataset} on {@code run} and {@code exec}, end to end: the real sandbox, a scripted model
 * on loopback, and a loopback Hugging Face Hub that answers as the Hub does.
 */
class DataCommandsTest {
    private static final String REVIEWS = """
            SELECT i::INTEGER AS id, 'review ' || i AS text, (i % 2 = 0) AS positive,
                   DATE '2024-01-01' + i::INTEGER AS day, CASE WHEN i = 1 THEN NULL ELSE i * 10 END::BIGINT AS votes
            FROM range(4) t(i)""";

    @TempDir
    Path home;

    @TempDir
    Path temp;

    private FakeHub hub;

    @BeforeEach
    void startHub() {
        hub = FakeHub.start().tokens("hf_granted", "hf_other");
        hub.repo("acme/reviews")
                .file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(REVIEWS))
                .file(FakeHub.PARQUET_REVISION, "default/test/0000.parquet", FakeHub.parquet(REVIEWS.replace("range(4)", "range(2)")));
        hub.repo("acme/gated").gated("hf_granted")
                .file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(REVIEWS));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private Map<String, String> environment(String... more) {
        Map<String, String> environment = new HashMap<>(Map.of("CODEACT_HOME", home.toString(), "HF_ENDPOINT", hub.endpoint()));
        for (int i = 0; i < more.length; i += 2) {
            environment.put(more[i], more[i + 1]);
        }
        return environment;
    }

    private CodeactRun codeact(String... args) {
        return CodeactRun.of(environment(), args);
    }

    private static String code(String code) {
        return "Let me look.\n\n```python\n" + code + "\n```";
    }

    private Path sales() throws Exception {
        return Files.writeString(temp.resolve("sales.csv"), "region,amount\nnorth,12.5\nsouth,7\neast,3.25\n");
    }

    // --- local data ---------------------------------------------------------------------------------------------------

    @Test
    void execReadsAFileAndADirectoryAtWorkDataAndCannotWriteThere() throws Exception {
        Path csv = sales();
        Path reports = Files.createDirectories(temp.resolve("reports/2024"));
        Files.writeString(reports.resolve("q1.txt"), "first quarter");

        CodeactRun run = codeact("exec", "--json", "--data", csv.toString(), "--data", temp.resolve("reports").toString(),
                "-c", "import pandas as pd\nfloat(pd.read_csv('/work/data/sales.csv').amount.sum())",
                "-c", "open('/work/data/reports/2024/q1.txt').read()",
                "-c", "open('/work/data/sales.csv', 'w').write('gone')",
                "-c", "open('/work/data/new.csv', 'w').write('x')");

        List<JsonNode> snippets = run.jsonLines();
        assertThat(snippets.get(0).path("result").path("json").asDouble()).isEqualTo(22.75);
        assertThat(snippets.get(1).path("result").path("json").asText()).isEqualTo("first quarter");
        for (JsonNode write : snippets.subList(2, 4)) {
            assertThat(write.path("ok").asBoolean()).isFalse();
            assertThat(write.path("error").path("message").asText()).containsAnyOf("Read-only file system", "Permission denied");
        }
        assertThat(snippets.get(3).path("error").path("message").asText()).contains("Read-only file system");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(Files.readString(csv)).startsWith("region,amount");
    }

    @Test
    void runTellsTheModelWhatTheDataIsAndTheModelsCodeReadsIt() throws Exception {
        Path csv = sales();
        try (ScriptedModelServer model = ScriptedModelServer.openAi()) {
            model.reply(code("import pandas as pd\nfinal_answer(float(pd.read_csv('/work/data/sales.csv').amount.max()))"));

            CodeactRun run = codeact("run", "--model", "openai:test", "--base-url", model.baseUrl(), "--api-key", "k",
                    "--no-store", "--json", "--data", csv.toString(), "What is the largest sale?");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().path("answer").asDouble()).isEqualTo(12.5);
            String system = model.requests().get(0).body().path("messages").get(0).path("content").asText();
            assertThat(system).contains("""
                    Data: these files are readable (read-only; write your own files in the working directory):
                    - /work/data/sales.csv: CSV, 43 B, 3 rows; columns: region VARCHAR, amount DOUBLE; first rows:
                      {"region":"north","amount":12.5}
                      {"region":"south","amount":7.0}
                      {"region":"east","amount":3.25}""");
        }
    }

    @Test
    void theDataMustExistAndBeReadableByTheSandboxesUser() throws Exception {
        CodeactRun missing = codeact("exec", "--data", temp.resolve("nowhere.csv").toString(), "-c", "1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--data " + temp.resolve("nowhere.csv") + ", which does not exist");

        Path secret = Files.writeString(temp.resolve("secret.csv"), "a\n1\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        CodeactRun unreadable = codeact("exec", "--data", secret.toString(), "-c", "1");
        assertThat(unreadable.exitCode()).isEqualTo(3);
        assertThat(unreadable.err()).contains("the data file " + secret + " cannot be read by", "Grant it: setfacl -m u:");

        Path one = Files.createDirectories(temp.resolve("one")).resolve("x.csv");
        Path two = Files.createDirectories(temp.resolve("two")).resolve("x.csv");
        Files.writeString(one, "a\n");
        Files.writeString(two, "a\n");
        CodeactRun clash = codeact("exec", "--data", one.toString(), "--data", two.toString(), "-c", "1");
        assertThat(clash.exitCode()).isEqualTo(2);
        assertThat(clash.err()).contains("two data paths would both be /work/data/x.csv");
    }

    // --- Hugging Face datasets ----------------------------------------------------------------------------------------

    @Test
    void runLoadsADatasetWithItsTypesAndASecondRunTakesItFromTheCacheWithoutARequest() throws Exception {
        String loads = """
                df = load_dataset("acme/reviews", split="train")
                final_answer({"dtypes": {name: str(dtype) for name, dtype in df.dtypes.items()}, "rows": len(df),
                              "votes": int(df.votes.sum())})""";
        try (ScriptedModelServer model = ScriptedModelServer.openAi()) {
            model.reply(code(loads)).reply(code(loads));

            CodeactRun first = codeact("run", "--model", "openai:test", "--base-url", model.baseUrl(), "--api-key", "k",
                    "--no-store", "--json", "--dataset", "hf:acme/reviews", "Summarise the reviews.");

            assertThat(first.exitCode()).as(first.err()).isZero();
            JsonNode answer = first.json().path("answer");
            assertThat(answer.path("dtypes").toString()).isEqualTo("{\"id\":\"int32\",\"text\":\"object\","
                    + "\"positive\":\"bool\",\"day\":\"datetime64[ns]\",\"votes\":\"Int64\"}");
            assertThat(answer.path("rows").asInt()).isEqualTo(4);
            assertThat(answer.path("votes").asInt()).isEqualTo(50);
            assertThat(first.err()).contains("[dataset hf:acme/reviews:default:train: fetching 1 file",
                    "[dataset hf:acme/reviews:default:train: 4 rows, converted to JSON Lines]");
            String system = model.requests().get(0).body().path("messages").get(0).path("content").asText();
            assertThat(system).contains("load_dataset(name, split=...) returns a split as a pandas DataFrame",
                    "- load_dataset(\"acme/reviews\", split=\"train\"): 4 rows; columns: id int32, text object, "
                            + "positive bool, day datetime64[ns], votes int64; first rows:",
                    "{\"id\":0,\"text\":\"review 0\",\"positive\":true,\"day\":\"2024-01-01\",\"votes\":0}",
                    "- load_dataset(\"acme/reviews\", split=\"test\"): 2 rows;");
            assertThat(hub.requests()).isNotEmpty();

            hub.forgetRequests();
            CodeactRun second = codeact("run", "--model", "openai:test", "--base-url", model.baseUrl(), "--api-key", "k",
                    "--no-store", "--json", "--dataset", "hf:acme/reviews", "Summarise the reviews.");

            assertThat(second.exitCode()).as(second.err()).isZero();
            assertThat(hub.requests()).isEmpty();
            assertThat(second.err()).contains("[dataset hf:acme/reviews:default:train: 4 rows, from the cache]");
            assertThat(second.json().path("answer")).isEqualTo(answer);
        }
    }

    @Test
    void execOffersADatasetsSplitAsAFileAndThroughLoadDataset() {
        CodeactRun run = codeact("exec", "--json", "--dataset", "hf:acme/reviews:default:test",
                "-c", "df = load_dataset('acme/reviews')\n[len(df), str(df.day.dtype)]",
                "-c", "open('/work/data/hf/acme/reviews/default/test/data.jsonl').readline()");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> snippets = run.jsonLines();
        assertThat(snippets.get(0).path("result").path("json").toString()).isEqualTo("[2,\"datetime64[ns]\"]");
        assertThat(snippets.get(1).path("result").path("json").asText()).startsWith("{\"id\":0,\"text\":\"review 0\"");
    }

    @Test
    void theDatasetKeysOfTheConfigFileAreFetchedToo() throws Exception {
        Path csv = sales();
        Files.writeString(home.resolve("config.json"), "{\"datasets\": [\"hf:acme/reviews:default:test\"], \"data\": [\""
                + csv + "\"]}");
        CodeactRun run = codeact("exec", "--json", "-c", "[len(load_dataset('acme/reviews', split='test')), "
                + "open('/work/data/sales.csv').readline()]");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.jsonLines().get(0).path("result").path("json").toString()).isEqualTo("[2,\"region,amount\\n\"]");

        Files.writeString(home.resolve("config.json"), "{\"datasets\": [\"acme/reviews\"]}");
        CodeactRun bad = codeact("exec", "-c", "1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("\"datasets\": 'acme/reviews' is not a dataset: give one of the Hugging Face Hub as hf:OWNER/NAME");
    }

    @Test
    void everyDatasetErrorIsClearWithItsExitStatus() {
        CodeactRun unknown = codeact("exec", "--dataset", "hf:acme/nothing", "-c", "1");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("codeact: there is no dataset acme/nothing on the Hugging Face Hub at "
                + hub.endpoint() + " (401), or it is private", "set HF_TOKEN");
        CodeactRun unknownWithToken = CodeactRun.of(environment("HF_TOKEN", "hf_granted"),
                "exec", "--dataset", "hf:acme/nothing", "-c", "1");
        assertThat(unknownWithToken.exitCode()).isEqualTo(2);
        assertThat(unknownWithToken.err()).contains("there is no dataset acme/nothing on the Hugging Face Hub at "
                + hub.endpoint() + " (404");

        CodeactRun gated = codeact("exec", "--dataset", "hf:acme/gated", "-c", "1");
        assertThat(gated.exitCode()).isEqualTo(4);
        assertThat(gated.err()).contains("acme/gated is a gated dataset (the Hub answered 401)", "set HF_TOKEN");
        CodeactRun notGranted = CodeactRun.of(environment("HF_TOKEN", "hf_other"), "exec", "--dataset", "hf:acme/gated", "-c", "1");
        assertThat(notGranted.exitCode()).isEqualTo(4);
        assertThat(notGranted.err()).contains("the account of HF_TOKEN has no access to the gated dataset acme/gated (the Hub answered 403)");
        CodeactRun granted = CodeactRun.of(environment("HF_TOKEN", "hf_granted"), "exec", "--dataset", "hf:acme/gated",
                "-c", "len(load_dataset('acme/gated', split='train'))");
        assertThat(granted.exitCode()).as(granted.err()).isZero();
        assertThat(granted.out()).contains("=> 4");

        String nowhere = FakeHub.refusingEndpoint();
        CodeactRun offline = CodeactRun.of(Map.of("CODEACT_HOME", home.toString(), "HF_ENDPOINT", nowhere),
                "exec", "--dataset", "hf:acme/reviews", "-c", "1");
        assertThat(offline.exitCode()).isEqualTo(4);
        assertThat(offline.err()).contains("cannot reach the Hugging Face Hub at " + nowhere + " (connection refused)");

        CodeactRun noSplit = codeact("exec", "--dataset", "hf:acme/reviews:default:validation", "-c", "1");
        assertThat(noSplit.exitCode()).isEqualTo(2);
        assertThat(noSplit.err()).contains("acme/reviews (config default) has no split 'validation'; its splits are train, test");

        hub.repo("acme/big").file(FakeHub.PARQUET_REVISION, "default/train/0000.parquet", FakeHub.parquet(
                "SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) || md5((i * 13)::VARCHAR) AS text FROM range(40000) t(i)"));
        CodeactRun big = codeact("exec", "--dataset", "hf:acme/big", "--dataset-max-mb", "1", "-c", "1");
        assertThat(big.exitCode()).isEqualTo(2);
        assertThat(big.err()).contains("hf:acme/big is ", "over the limit of 1.0 MB", "(--dataset-max-mb)");

        CodeactRun malformed = codeact("exec", "--dataset", "acme/reviews", "-c", "1");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).contains("Invalid value for option '--dataset': 'acme/reviews' is not a dataset");
    }

    @Test
    void theHelpDocumentsTheOptions() {
        CodeactRun run = codeact("run", "--help");
        CodeactRun exec = codeact("exec", "--help");
        for (CodeactRun help : List.of(run, exec)) {
            assertThat(help.out()).contains("--data PATH", "--dataset hf:OWNER/NAME[:CONFIG[:SPLIT]]", "--dataset-max-mb",
                    "(default: 500)", "--dataset-refresh");
        }
        assertThat(run.out()).contains("load_dataset(\"OWNER/NAME\", split=\"train\")", "HF_TOKEN", "HF_ENDPOINT");
        assertThat(new String(run.out().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).contains("  datasets ");
    }
}
