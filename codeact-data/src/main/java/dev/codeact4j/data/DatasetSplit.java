package dev.codeact4j.data;

import dev.codeact4j.sandbox.DataMount;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One split of a Hugging Face dataset in the cache, converted: {@value #DATA_FILE} (JSON Lines, one object per row)
 * and {@value #MANIFEST} (its columns' types, where it came from) in {@code directory}. A session sees it at
 * {@code /work/data/hf/OWNER/NAME/CONFIG/SPLIT} ({@link #mount()}).
 *
 * @param repo      the dataset, {@code OWNER/NAME}
 * @param config    its configuration
 * @param split     the split
 * @param directory where it is in the cache
 * @param rows      how many rows it has
 * @param columns   its columns, with their types and the pandas dtypes load_dataset gives them
 * @param fromCache whether it was in the cache already (no request was made for it)
 */
public record DatasetSplit(String repo, String config, String split, Path directory, long rows, List<Column> columns,
                           boolean fromCache) {
    /** The split's rows, one JSON object per line. */
    public static final String DATA_FILE = "data.jsonl";
    /** The split's description: its columns with their types and dtypes, its source files, its revision. */
    public static final String MANIFEST = "split.json";

    public DatasetSplit {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(directory, "directory");
        columns = List.copyOf(columns);
    }

    /** Where the session finds it: /work/data/hf/OWNER/NAME/CONFIG/SPLIT, read-only. */
    public DataMount mount() {
        return new DataMount("hf/" + repo + "/" + config + "/" + split, directory);
    }

    /** The spec that names exactly this split. */
    public String spec() {
        return "hf:" + repo + ":" + config + ":" + split;
    }
}
