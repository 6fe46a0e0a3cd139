package dev.codeact4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Tables in files, read on the host with DuckDB (in-process, in memory): what a CSV, JSON, JSON Lines or Parquet file
 * holds (its columns, rows, first rows), and a conversion of such files into one JSON Lines file that the sandbox's
 * Python reads without a Parquet reader. No extension is ever downloaded: Parquet and JSON are built into the driver.
 */
final class Tables implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows are counted in a CSV or JSON file only up to this size: counting reads the whole file. */
    private static final long COUNTED_BYTES = 16L * 1024 * 1024;
    private static final int FIRST_ROWS = 3;
    private static final int TEXT_CHARS = 80;
    private static final int LIST_ITEMS = 5;

    /** What a file of a table format holds; {@code rows} is null when it was not counted. */
    record Described(String format, List<Column> columns, Long rows, List<String> firstRows) {
    }

    /** What a conversion wrote. */
    record Converted(long rows, List<Column> columns) {
    }

    /** The table formats, known by their file names' ends. */
    enum Format {
        PARQUET("Parquet", "read_parquet", ".parquet"),
        CSV("CSV", "read_csv", ".csv", ".tsv", ".csv.gz", ".tsv.gz"),
        JSON("JSON", "read_json", ".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz");

        final String label;
        final String reader;
        final List<String> endings;

        Format(String label, String reader, String... endings) {
            this.label = label;
            this.reader = reader;
            this.endings = List.of(endings);
        }

        static Optional<Format> of(String fileName) {
            String name = fileName.toLowerCase(Locale.ROOT);
            for (Format format : values()) {
                if (format.endings.stream().anyMatch(name::endsWith)) {
                    return Optional.of(format);
                }
            }
            return Optional.empty();
        }

        /** The file's extension as this format knows it ({@code .csv.gz}), to keep it when a file is renamed. */
        String ending(String fileName) {
            String name = fileName.toLowerCase(Locale.ROOT);
            return endings.stream().filter(name::endsWith).max((a, b) -> a.length() - b.length()).orElse("");
        }
    }

    private final Connection connection;

    private Tables(Connection connection) {
        this.connection = connection;
    }

    /** An in-memory DuckDB that spills, if it must, to {@code scratch}. */
    static Tables open(Path scratch) {
        try {
            Connection connection = DriverManager.getConnection("jdbc:duckdb:");
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET autoinstall_known_extensions = false");
                if (scratch != null) {
                    statement.execute("SET temp_directory = " + literal(scratch.toString()));
                }
            }
            return new Tables(connection);
        } catch (SQLException e) {
            throw new DatasetException(DatasetException.Kind.FAILED, "DuckDB, which reads the data files, could not "
                    + "start: " + e.getMessage(), e);
        }
    }

    /** What a file of a table format holds; empty when its name is not of one. Throws SQLException when it cannot be read. */
    Optional<Described> describe(Path file) throws SQLException, IOException {
        Optional<Format> format = Format.of(file.getFileName().toString());
        if (format.isEmpty()) {
            return Optional.empty();
        }
        String source = format.get().reader + "(" + literal(file.toString()) + ")";
        List<Column> columns = columns("SELECT * FROM " + source);
        Long rows = null;
        if (format.get() == Format.PARQUET || Files.size(file) <= COUNTED_BYTES) {
            rows = count("SELECT count(*) FROM " + source);
        }
        List<String> first = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT to_json(t)::VARCHAR FROM (SELECT * FROM " + source
                     + " LIMIT " + FIRST_ROWS + ") t")) {
            while (result.next()) {
                first.add(compact(result.getString(1)));
            }
        }
        return Optional.of(new Described(format.get().label, columns, rows, first));
    }

    /**
     * Converts data files (Parquet, CSV, JSON, in any mix: their columns are matched by name) into one JSON Lines file
     * at {@code target}, one object per row, in the files' order; the columns' types are those of the files.
     */
    Converted toJsonLines(List<Path> files, Path target) throws SQLException {
        Map<Format, List<Path>> byFormat = files.stream().collect(Collectors.groupingBy(
                file -> Format.of(file.getFileName().toString()).orElseThrow(() -> new IllegalArgumentException(
                        "not a data file: " + file)), () -> new java.util.EnumMap<>(Format.class), Collectors.toList()));
        List<String> selects = new ArrayList<>();
        byFormat.forEach((format, paths) -> selects.add("SELECT * FROM " + format.reader + "(["
                + paths.stream().map(path -> literal(path.toString())).collect(Collectors.joining(", "))
                + "], union_by_name = true)"));
        String query = String.join(" UNION ALL BY NAME ", selects);
        List<Column> columns = columns(query);
        long rows;
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET preserve_insertion_order = true");
            statement.execute("COPY (" + query + ") TO " + literal(target.toString()) + " (FORMAT JSON)");
            rows = statement.getUpdateCount();
        }
        return new Converted(rows, columns);
    }

    private List<Column> columns(String query) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("DESCRIBE " + query)) {
            while (result.next()) {
                columns.add(Column.of(result.getString("column_name"), result.getString("column_type")));
            }
        }
        return columns;
    }

    private long count(String query) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(query)) {
            result.next();
            return result.getLong(1);
        }
    }

    /** A row as a line of JSON that stays short: long texts and lists are cut, saying so. */
    static String compact(String json) {
        try {
            return JSON.writeValueAsString(shortened(JSON.readTree(json)));
        } catch (IOException e) {
            return json.length() > 400 ? json.substring(0, 400) + "..." : json;
        }
    }

    private static JsonNode shortened(JsonNode node) {
        if (node.isTextual() && node.asText().length() > TEXT_CHARS) {
            String text = node.asText();
            return TextNode.valueOf(text.substring(0, TEXT_CHARS) + "... (" + text.length() + " characters)");
        }
        if (node.isArray()) {
            ArrayNode cut = JSON.createArrayNode();
            for (int index = 0; index < Math.min(node.size(), LIST_ITEMS); index++) {
                cut.add(shortened(node.get(index)));
            }
            if (node.size() > LIST_ITEMS) {
                cut.add("... (" + node.size() + " items)");
            }
            return cut;
        }
        if (node.isObject()) {
            ObjectNode cut = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                cut.set(field.getKey(), shortened(field.getValue()));
            }
            return cut;
        }
        return node;
    }

    /** A string as an SQL literal. */
    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // an in-memory database: nothing is lost
        }
    }
}
