package dev.codeact4j.store;

import dev.codeact4j.store.internal.Transaction;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's schema as numbered migrations. A database at version N (its {@code PRAGMA user_version}) has had
 * migrations 1 to N; opening it applies the ones after N in a single transaction, so a database is always at
 * one version or the next, never in between. Migrations are only ever added at the end, never edited.
 */
final class Migrations {

    record Migration(int version, String description, List<String> statements) {
    }

    static final List<Migration> ALL = List.of(
            new Migration(1, "runs and their steps", List.of(
                    """
                    CREATE TABLE runs (
                        id                 TEXT PRIMARY KEY,
                        task               TEXT NOT NULL,
                        model              TEXT,
                        mode               TEXT,
                        status             TEXT NOT NULL
                                           CHECK (status IN ('running', 'succeeded', 'failed', 'incomplete')),
                        reason             TEXT,
                        answer_json        TEXT,
                        answer_text        TEXT,
                        format             TEXT,
                        parse_error        TEXT,
                        started_at         INTEGER NOT NULL,
                        finished_at        INTEGER,
                        duration_ms        INTEGER,
                        input_tokens       INTEGER NOT NULL DEFAULT 0,
                        output_tokens      INTEGER NOT NULL DEFAULT 0,
                        attempts           INTEGER NOT NULL DEFAULT 1,
                        pid                INTEGER,
                        process_started_at INTEGER,
                        host               TEXT
                    )""",
                    "CREATE INDEX runs_by_start ON runs (started_at)",
                    "CREATE INDEX runs_running ON runs (status) WHERE status = 'running'",
                    """
                    CREATE TABLE steps (
                        run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                        step_index      INTEGER NOT NULL,
                        thought         TEXT,
                        code            TEXT,
                        observation     TEXT,
                        stdout          TEXT,
                        stderr          TEXT,
                        result_repr     TEXT,
                        error_type      TEXT,
                        error_message   TEXT,
                        traceback       TEXT,
                        model_ms        INTEGER NOT NULL DEFAULT 0,
                        execution_ms    INTEGER NOT NULL DEFAULT 0,
                        input_tokens    INTEGER NOT NULL DEFAULT 0,
                        output_tokens   INTEGER NOT NULL DEFAULT 0,
                        tool_calls_json TEXT,
                        PRIMARY KEY (run_id, step_index)
                    )""",
                    "CREATE INDEX steps_by_error ON steps (error_type) WHERE error_type IS NOT NULL")),
            new Migration(2, "the agent's memory: caches and past solutions (dev.codeact4j.memory)", List.of(
                    // A run served from the cache, and the run whose solution a run was shown to adapt.
                    "ALTER TABLE runs ADD COLUMN cached INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE runs ADD COLUMN reused_from TEXT",
                    """
                    CREATE TABLE code_cache (
                        cache_key  TEXT PRIMARY KEY,
                        run_id     TEXT NOT NULL,
                        code_json  TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    )""",
                    "CREATE INDEX code_cache_by_age ON code_cache (created_at)",
                    """
                    CREATE TABLE result_cache (
                        cache_key   TEXT PRIMARY KEY,
                        run_id      TEXT NOT NULL,
                        answer_json TEXT,
                        answer_text TEXT,
                        format      TEXT,
                        parse_error TEXT,
                        created_at  INTEGER NOT NULL
                    )""",
                    "CREATE INDEX result_cache_by_age ON result_cache (created_at)",
                    // Not tied to runs by a foreign key: an agent may keep a memory without recording its runs.
                    """
                    CREATE TABLE solutions (
                        run_id     TEXT PRIMARY KEY,
                        task       TEXT NOT NULL,
                        code_json  TEXT NOT NULL,
                        embedding  BLOB,
                        created_at INTEGER NOT NULL
                    )""",
                    "CREATE INDEX solutions_by_age ON solutions (created_at)")),
            new Migration(3, "what each step's code asked of the network (the sandbox's egress proxy)", List.of(
                    "ALTER TABLE steps ADD COLUMN network_json TEXT")),
            new Migration(4, "why a run failed when the model, its provider or something else failed", List.of(
                    // The exception's message, with the provider's own words; the kind is in reason (model_error).
                    "ALTER TABLE runs ADD COLUMN error TEXT")),
            new Migration(5, "the language of each run's code, and of each past solution's", List.of(
                    // Every run and solution before this migration was Python.
                    "ALTER TABLE runs ADD COLUMN language TEXT NOT NULL DEFAULT 'python'",
                    "ALTER TABLE solutions ADD COLUMN language TEXT NOT NULL DEFAULT 'python'")),
            // SQLite cannot change a CHECK constraint in place: both tables are made anew and filled from the old
            // (runs keep their rowids, which order runs started in the same millisecond). The steps go first, so
            // that dropping the old runs deletes no step through the foreign key; renaming runs_v6 to runs
            // updates the reference in steps_v6 (SQLite 3.26 and later).
            new Migration(6, "runs may be cancelled (stopped by whoever started them)", List.of(
                    """
                    CREATE TABLE runs_v6 (
                        id                 TEXT PRIMARY KEY,
                        task               TEXT NOT NULL,
                        model              TEXT,
                        mode               TEXT,
                        status             TEXT NOT NULL
                                           CHECK (status IN ('running', 'succeeded', 'failed', 'incomplete', 'cancelled')),
                        reason             TEXT,
                        answer_json        TEXT,
                        answer_text        TEXT,
                        format             TEXT,
                        parse_error        TEXT,
                        started_at         INTEGER NOT NULL,
                        finished_at        INTEGER,
                        duration_ms        INTEGER,
                        input_tokens       INTEGER NOT NULL DEFAULT 0,
                        output_tokens      INTEGER NOT NULL DEFAULT 0,
                        attempts           INTEGER NOT NULL DEFAULT 1,
                        pid                INTEGER,
                        process_started_at INTEGER,
                        host               TEXT,
                        cached             INTEGER NOT NULL DEFAULT 0,
                        reused_from        TEXT,
                        error              TEXT,
                        language           TEXT NOT NULL DEFAULT 'python'
                    )""",
                    """
                    INSERT INTO runs_v6 (rowid, id, task, model, mode, status, reason, answer_json, answer_text, format,
                                         parse_error, started_at, finished_at, duration_ms, input_tokens, output_tokens,
                                         attempts, pid, process_started_at, host, cached, reused_from, error, language)
                    SELECT rowid, id, task, model, mode, status, reason, answer_json, answer_text, format, parse_error,
                           started_at, finished_at, duration_ms, input_tokens, output_tokens, attempts, pid,
                           process_started_at, host, cached, reused_from, error, language
                    FROM runs""",
                    """
                    CREATE TABLE steps_v6 (
                        run_id          TEXT NOT NULL REFERENCES runs_v6 (id) ON DELETE CASCADE,
                        step_index      INTEGER NOT NULL,
                        thought         TEXT,
                        code            TEXT,
                        observation     TEXT,
                        stdout          TEXT,
                        stderr          TEXT,
                        result_repr     TEXT,
                        error_type      TEXT,
                        error_message   TEXT,
                        traceback       TEXT,
                        model_ms        INTEGER NOT NULL DEFAULT 0,
                        execution_ms    INTEGER NOT NULL DEFAULT 0,
                        input_tokens    INTEGER NOT NULL DEFAULT 0,
                        output_tokens   INTEGER NOT NULL DEFAULT 0,
                        tool_calls_json TEXT,
                        network_json    TEXT,
                        PRIMARY KEY (run_id, step_index)
                    )""",
                    """
                    INSERT INTO steps_v6 (run_id, step_index, thought, code, observation, stdout, stderr, result_repr,
                                          error_type, error_message, traceback, model_ms, execution_ms, input_tokens,
                                          output_tokens, tool_calls_json, network_json)
                    SELECT run_id, step_index, thought, code, observation, stdout, stderr, result_repr, error_type,
                           error_message, traceback, model_ms, execution_ms, input_tokens, output_tokens,
                           tool_calls_json, network_json
                    FROM steps""",
                    "DROP TABLE steps",
                    "DROP TABLE runs",
                    "ALTER TABLE runs_v6 RENAME TO runs",
                    "ALTER TABLE steps_v6 RENAME TO steps",
                    "CREATE INDEX runs_by_start ON runs (started_at)",
                    "CREATE INDEX runs_running ON runs (status) WHERE status = 'running'",
                    "CREATE INDEX steps_by_error ON steps (error_type) WHERE error_type IS NOT NULL")));

    private Migrations() {
    }

    static int latest(List<Migration> migrations) {
        return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
    }

    /**
     * Brings the database up to the last of {@code migrations} in one transaction (taken at once, so that
     * another process opening the same file waits instead of migrating it too). A database newer than this code
     * is refused: its tables may mean something this code does not know.
     */
    static void apply(Connection connection, List<Migration> migrations, Path file) throws SQLException {
        int latest = latest(migrations);
        Transaction.run(connection, () -> {
            try (Statement statement = connection.createStatement()) {
                int version = userVersion(statement);
                if (version > latest) {
                    throw new StoreException("the run store at " + file + " was written by a newer codeact (schema "
                            + "version " + version + "; this one knows up to " + latest + "): upgrade codeact, or "
                            + "point CODEACT_HOME at another directory", null);
                }
                for (Migration migration : migrations) {
                    if (migration.version() > version) {
                        for (String sql : migration.statements()) {
                            statement.execute(sql);
                        }
                    }
                }
                if (version < latest) {
                    statement.execute("PRAGMA user_version = " + latest);
                }
            }
        });
    }

    static int userVersion(Statement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery("PRAGMA user_version")) {
            return row.next() ? row.getInt(1) : 0;
        }
    }
}
