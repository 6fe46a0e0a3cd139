/**
 * Data for sessions: local files and directories described for the model (names, sizes, columns, first rows), and
 * Hugging Face datasets fetched from the Hub, cached, and converted on the host into what the sandbox's Python reads,
 * with {@code load_dataset} to read them as pandas DataFrames. Reads Parquet, CSV and JSON with DuckDB, a native
 * library: that is why it is a module of its own, which neither the sandbox nor the agent needs.
 */
@SuppressWarnings("requires-automatic") // DuckDB's JDBC driver names its module in its manifest only
module dev.codeact4j.data {
    requires transitive dev.codeact4j.sandbox;
    requires java.net.http;
    requires java.sql;
    requires duckdb.jdbc;

    exports dev.codeact4j.data;
}
