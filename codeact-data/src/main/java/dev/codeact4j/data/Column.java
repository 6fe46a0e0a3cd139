package dev.codeact4j.data;

import java.util.Locale;

/**
 * A column of a table: its name, its type as DuckDB read it ({@code BIGINT}, {@code VARCHAR}, {@code DATE},
 * {@code STRUCT(a BIGINT, b VARCHAR)}, ...), and the pandas dtype {@code load_dataset} gives it.
 */
public record Column(String name, String type, String dtype) {

    static Column of(String name, String type) {
        return new Column(name, type, dtypeOf(type));
    }

    /**
     * The pandas dtype of a DuckDB type, as close to the column's type as pandas has: integers keep their width
     * (and become pandas' nullable integers when the column has nulls), times become datetime64, decimals
     * float64; text, lists, structs, maps, blobs and the rest stay Python objects.
     */
    static String dtypeOf(String type) {
        String upper = type.toUpperCase(Locale.ROOT);
        if (upper.endsWith("]") || upper.startsWith("STRUCT") || upper.startsWith("MAP") || upper.startsWith("UNION")) {
            return "object";
        }
        if (upper.startsWith("DECIMAL") || upper.startsWith("NUMERIC")) {
            return "float64";
        }
        if (upper.startsWith("TIMESTAMP WITH TIME ZONE") || upper.equals("TIMESTAMPTZ")) {
            return "datetime64[ns, UTC]";
        }
        if (upper.startsWith("TIMESTAMP") || upper.equals("DATE") || upper.equals("DATETIME")) {
            return "datetime64[ns]";
        }
        return switch (upper) {
            case "BOOLEAN" -> "bool";
            case "TINYINT" -> "int8";
            case "SMALLINT" -> "int16";
            case "INTEGER" -> "int32";
            case "BIGINT" -> "int64";
            case "UTINYINT" -> "uint8";
            case "USMALLINT" -> "uint16";
            case "UINTEGER" -> "uint32";
            case "UBIGINT" -> "uint64";
            case "FLOAT" -> "float32";
            case "DOUBLE" -> "float64";
            default -> "object";
        };
    }
}
