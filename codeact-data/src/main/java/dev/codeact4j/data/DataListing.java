package dev.codeact4j.data;

import dev.codeact4j.sandbox.DataMount;
import dev.codeact4j.sandbox.Language;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the model is told of a session's data, so that its first step can use it rather than look for it: each file
 * with its size, and for a table (CSV, JSON, JSON Lines, Parquet) its format, rows, columns with their types and first
 * rows; a directory's files the same way (the first of them); each Hugging Face split with the call that loads it.
 */
public final class DataListing {
    /** A directory lists this many of its files; the rest are counted. */
    private static final int LISTED_FILES = 25;
    /** Of those, this many tables are described (columns, first rows). */
    private static final int DESCRIBED_TABLES = 5;
    private static final int FIRST_ROWS = 3;

    private DataListing() {
    }

    /**
     * The prompt's text for these local data mounts and dataset splits, for code in {@code language} (Python has
     * {@code load_dataset}; JavaScript reads the splits' JSON Lines files); empty when there is neither.
     */
    public static String describe(List<DataMount> local, List<DatasetSplit> datasets, Language language) {
        StringBuilder text = new StringBuilder();
        if (!local.isEmpty()) {
            text.append("Data: these files are readable (read-only; write your own files in the working directory):\n");
            Lazy tables = new Lazy();
            try {
                for (DataMount mount : local) {
                    describeMount(mount, tables, text);
                }
            } finally {
                tables.close();
            }
        }
        if (!datasets.isEmpty()) {
            if (!text.isEmpty()) {
                text.append('\n');
            }
            describeDatasets(datasets, language, text);
        }
        return text.toString().stripTrailing();
    }

    private static void describeMount(DataMount mount, Lazy tables, StringBuilder text) {
        Path source = mount.source();
        if (!Files.isDirectory(source)) {
            text.append("- ").append(mount.sessionPath()).append(": ");
            describeFile(source, tables, text, "  ");
            return;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(source)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(file -> Stream.of(source.relativize(file).toString().split("/")).noneMatch(part -> part.startsWith(".")))
                    .sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            text.append("- ").append(mount.sessionPath()).append("/: a directory (its files could not be listed here)\n");
            return;
        }
        long total = files.stream().mapToLong(DataListing::sizeOf).sum();
        text.append("- ").append(mount.sessionPath()).append("/: a directory of ").append(files.size())
                .append(files.size() == 1 ? " file, " : " files, ").append(size(total)).append(files.isEmpty() ? "\n" : ":\n");
        int described = 0;
        for (Path file : files.subList(0, Math.min(files.size(), LISTED_FILES))) {
            text.append("  - ").append(mount.sessionPath()).append('/').append(source.relativize(file)).append(": ");
            boolean table = Tables.Format.of(file.getFileName().toString()).isPresent();
            if (table && described < DESCRIBED_TABLES) {
                described++;
                describeFile(file, tables, text, "    ");
            } else {
                text.append(size(sizeOf(file))).append('\n');
            }
        }
        if (files.size() > LISTED_FILES) {
            text.append("  - ... and ").append(files.size() - LISTED_FILES).append(" more files\n");
        }
    }

    private static void describeFile(Path file, Lazy tables, StringBuilder text, String indent) {
        long bytes = sizeOf(file);
        Optional<Tables.Format> format = Tables.Format.of(file.getFileName().toString());
        if (format.isEmpty()) {
            text.append(size(bytes)).append('\n');
            return;
        }
        try {
            Tables.Described table = tables.get().describe(file).orElseThrow();
            text.append(table.format()).append(", ").append(size(bytes));
            if (table.rows() != null) {
                text.append(", ").append(rows(table.rows()));
            }
            text.append("; columns: ").append(table.columns().stream()
                    .map(column -> column.name() + " " + column.type()).collect(Collectors.joining(", ")));
            appendRows(table.firstRows(), text, indent);
        } catch (SQLException | IOException | RuntimeException e) {
            text.append(format.get().label).append(", ").append(size(bytes)).append("; could not be read as a table: ")
                    .append(firstLine(e.getMessage())).append('\n');
        }
    }

    private static void describeDatasets(List<DatasetSplit> datasets, Language language, StringBuilder text) {
        if (language == Language.PYTHON) {
            text.append("Hugging Face datasets: load_dataset(name, split=...) returns a split as a pandas DataFrame "
                    + "with the dtypes below (the files are under ").append(DataMount.DIRECTORY).append("/hf):\n");
        } else {
            text.append("Hugging Face datasets: each split is a JSON Lines file (one object per row; its columns' "
                    + "types are in ").append(DatasetSplit.MANIFEST).append(" beside it):\n");
        }
        for (DatasetSplit split : datasets) {
            boolean severalConfigs = datasets.stream().filter(other -> other.repo().equals(split.repo()))
                    .map(DatasetSplit::config).distinct().count() > 1;
            String file = split.mount().sessionPath() + "/" + DatasetSplit.DATA_FILE;
            if (language == Language.PYTHON) {
                text.append("- load_dataset(\"").append(split.repo()).append("\", split=\"").append(split.split())
                        .append('"').append(severalConfigs ? ", config=\"" + split.config() + "\"" : "").append("): ")
                        .append(rows(split.rows())).append("; columns: ").append(split.columns().stream()
                                .map(column -> column.name() + " " + column.dtype()).collect(Collectors.joining(", ")));
            } else {
                text.append("- ").append(file).append(" (").append(split.repo()).append(", config ")
                        .append(split.config()).append(", split ").append(split.split()).append("): ")
                        .append(rows(split.rows())).append("; columns: ").append(split.columns().stream()
                                .map(column -> column.name() + " " + column.type()).collect(Collectors.joining(", ")));
            }
            appendRows(firstLines(split.directory().resolve(DatasetSplit.DATA_FILE)), text, "  ");
        }
    }

    private static void appendRows(List<String> rows, StringBuilder text, String indent) {
        if (rows.isEmpty()) {
            text.append('\n');
            return;
        }
        text.append("; first rows:\n");
        for (String row : rows) {
            text.append(indent).append(row).append('\n');
        }
    }

    private static List<String> firstLines(Path file) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; lines.size() < FIRST_ROWS && (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    lines.add(Tables.compact(line));
                }
            }
        } catch (IOException e) {
            // no rows shown: the columns say enough
        }
        return lines;
    }

    /** A size as people read it: 812 B, 1.2 KB, 3.4 MB, 1.1 GB. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    }

    private static String rows(long rows) {
        return String.format(Locale.ROOT, "%,d %s", rows, rows == 1 ? "row" : "rows");
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }

    /** DuckDB, started only when a table is to be described. */
    private static final class Lazy implements AutoCloseable {
        private Tables tables;

        Tables get() {
            if (tables == null) {
                tables = Tables.open(null);
            }
            return tables;
        }

        @Override
        public void close() {
            if (tables != null) {
                tables.close();
            }
        }
    }
}
