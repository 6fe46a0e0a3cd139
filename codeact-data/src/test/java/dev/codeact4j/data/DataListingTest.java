package dev.codeact4j.data;

import dev.codeact4j.data.testing.FakeHub;
import dev.codeact4j.sandbox.DataMount;
import dev.codeact4j.sandbox.Language;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the model is told of the data: files, sizes, and for tables their columns and first rows. */
class DataListingTest {
    @TempDir
    Path dir;

    @Test
    void filesAndDirectoriesAreListedWithTheirTablesColumnsAndFirstRows() throws IOException {
        Path csv = Files.writeString(dir.resolve("sales.csv"), "region,amount,day\nnorth,12.5,2024-01-02\nsouth,7,2024-01-03\n"
                + "east,3.25,2024-01-04\nwest,1,2024-01-05\n");
        Path reports = Files.createDirectories(dir.resolve("reports"));
        Files.write(reports.resolve("q1.parquet"), FakeHub.parquet("SELECT i AS id, 'x' || i AS label FROM range(1000) t(i)"));
        Files.writeString(reports.resolve("notes.txt"), "read me");
        Files.writeString(reports.resolve("people.jsonl"), "{\"name\": \"" + "A".repeat(200) + "\", \"tags\": [1,2,3,4,5,6,7]}\n");
        Files.writeString(reports.resolve(".hidden"), "not listed");
        Files.writeString(reports.resolve("broken.parquet"), "not Parquet at all");

        String listing = DataListing.describe(List.of(DataMount.of(csv), DataMount.of(reports)), List.of(), Language.PYTHON);

        assertThat(listing).isEqualTo("""
                Data: these files are readable (read-only; write your own files in the working directory):
                - /work/data/sales.csv: CSV, 98 B, 4 rows; columns: region VARCHAR, amount DOUBLE, day DATE; first rows:
                  {"region":"north","amount":12.5,"day":"2024-01-02"}
                  {"region":"south","amount":7.0,"day":"2024-01-03"}
                  {"region":"east","amount":3.25,"day":"2024-01-04"}
                - /work/data/reports/: a directory of 4 files, %s:
                  - /work/data/reports/broken.parquet: Parquet, 18 B; could not be read as a table: %s
                  - /work/data/reports/notes.txt: 7 B
                  - /work/data/reports/people.jsonl: JSON, %s, 1 row; columns: name VARCHAR, tags BIGINT[]; first rows:
                    {"name":"%s... (200 characters)","tags":[1,2,3,4,5,"... (7 items)"]}
                  - /work/data/reports/q1.parquet: Parquet, %s, 1,000 rows; columns: id BIGINT, label VARCHAR; first rows:
                    {"id":0,"label":"x0"}
                    {"id":1,"label":"x1"}
                    {"id":2,"label":"x2"}""".formatted(
                listing.lines().filter(line -> line.startsWith("- /work/data/reports/")).findFirst().orElseThrow()
                        .replaceAll(".*files, (.*):$", "$1"),
                listing.lines().filter(line -> line.contains("broken.parquet")).findFirst().orElseThrow()
                        .replaceAll(".*as a table: ", ""),
                DataListing.size(Files.size(reports.resolve("people.jsonl"))),
                "A".repeat(80),
                DataListing.size(Files.size(reports.resolve("q1.parquet")))));
    }

    @Test
    void datasetsAreListedWithTheCallThatLoadsThemOrTheirFiles() throws IOException {
        Path split = Files.createDirectories(dir.resolve("train"));
        Files.writeString(split.resolve(DatasetSplit.DATA_FILE), "{\"text\":\"good\",\"label\":1}\n{\"text\":\"bad\",\"label\":0}\n");
        DatasetSplit train = new DatasetSplit("acme/reviews", "default", "train", split, 2,
                List.of(Column.of("text", "VARCHAR"), Column.of("label", "BIGINT")), true);

        assertThat(DataListing.describe(List.of(), List.of(train), Language.PYTHON)).isEqualTo("""
                Hugging Face datasets: load_dataset(name, split=...) returns a split as a pandas DataFrame with the dtypes below (the files are under /work/data/hf):
                - load_dataset("acme/reviews", split="train"): 2 rows; columns: text object, label int64; first rows:
                  {"text":"good","label":1}
                  {"text":"bad","label":0}""");
        assertThat(DataListing.describe(List.of(), List.of(train), Language.JAVASCRIPT)).isEqualTo("""
                Hugging Face datasets: each split is a JSON Lines file (one object per row; its columns' types are in split.json beside it):
                - /work/data/hf/acme/reviews/default/train/data.jsonl (acme/reviews, config default, split train): 2 rows; columns: text VARCHAR, label BIGINT; first rows:
                  {"text":"good","label":1}
                  {"text":"bad","label":0}""");
        assertThat(DataListing.describe(List.of(), List.of(), Language.PYTHON)).isEmpty();
    }

    @Test
    void sizesReadAsPeopleReadThem() {
        assertThat(DataListing.size(812)).isEqualTo("812 B");
        assertThat(DataListing.size(1234)).isEqualTo("1.2 KB");
        assertThat(DataListing.size(500L * 1024 * 1024)).isEqualTo("500 MB");
    }
}
