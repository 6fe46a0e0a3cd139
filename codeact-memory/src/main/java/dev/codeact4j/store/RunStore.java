package dev.codeact4j.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.Step;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.ExecutionError;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.ToolCall;
import dev.codeact4j.store.Migrations.Migration;
import dev.codeact4j.store.internal.MemoryTables;
import dev.codeact4j.store.internal.StoreFile;
import dev.codeact4j.store.internal.StoreJson;
import dev.codeact4j.store.internal.Transaction;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every run, its steps, code, observations, errors, model, tokens, durations and answer, in an SQLite database
 * file ({@code $CODEACT_HOME/runs.db} for the CLI).
 *
 * <p>Several processes may use the same file at once: it is in WAL mode (readers never wait for the writer),
 * a writer waits up to {@link #BUSY_TIMEOUT} for another to finish, and every write is one transaction. A step
 * is written as soon as it is complete, so a process that dies in the middle of a run leaves that run and its
 * steps so far; the next process that opens the store marks it {@link RunStatus#INCOMPLETE incomplete}.
 *
 * <pre>{@code
 * try (RunStore store = RunStore.open(Path.of("runs.db"))) {
 *     CodeActAgent agent = CodeActAgent.builder().models(models).listener(store.recorder()).build();
 *     agent.run("What is 2**100?");
 *     store.history(10).forEach(System.out::println);
 * }
 * }</pre>
 *
 * Failures are {@link StoreException}s whose message names the file. A store is safe to share between threads.
 */
public final class RunStore implements AutoCloseable {
    /** The file's name in a codeact home directory. */
    public static final String FILE_NAME = "runs.db";

    /** How long a write waits for another process's write to finish before it fails. */
    public static final Duration BUSY_TIMEOUT = Duration.ofSeconds(5);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MOST_COMMON_ERRORS = 10;

    private final Path file;
    private final Connection connection;
    // Runs started through this store and not finished: if the process goes on but the run does not (the model
    // failed), closing the store marks them incomplete at once rather than when the process has ended.
    private final Set<String> unfinished = new LinkedHashSet<>();
    private final MemoryTables memoryTables;

    private RunStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
        this.memoryTables = new MemoryTables(new StoreFile() {
            @Override
            public Object lock() {
                return RunStore.this;
            }

            @Override
            public Connection connection() {
                return connection;
            }

            @Override
            public void write(Transaction.Work work) {
                RunStore.this.write(work);
            }

            @Override
            public StoreException failure(String what, SQLException e) {
                return RunStore.this.failure(what, e);
            }
        });
    }

    /**
     * Opens the store in {@code file}, creating it and its directory when missing, bringing its schema up to
     * date, and marking incomplete the runs whose process has ended without finishing them.
     */
    public static RunStore open(Path file) {
        return open(file, BUSY_TIMEOUT, Migrations.ALL);
    }

    /** The store of a codeact home directory: {@code home/runs.db}. */
    public static RunStore openIn(Path home) {
        return open(home.resolve(FILE_NAME));
    }

    /**
     * Opens an existing store to read it (what {@code codeact history}, {@code show} and {@code report} do);
     * empty when {@code file} does not exist, which is not created. When the file and its directory can be
     * written it is opened as by {@link #open}; when they cannot (a read-only mount, a file or directory without
     * write permission, an immutable file), it is opened read-only: readable, but its schema is not brought up
     * to date, abandoned runs are not marked incomplete, and every write fails.
     */
    public static Optional<RunStore> openToRead(Path file) {
        return openToRead(file, BUSY_TIMEOUT, Migrations.ALL);
    }

    static Optional<RunStore> openToRead(Path file, Duration busyTimeout, List<Migration> migrations) {
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        if (directory != null && Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new StoreException("the run store at " + absolute + " could not be opened: " + directory
                    + " is a file, not a directory", null);
        }
        if (!Files.exists(absolute)) {
            return Optional.empty();
        }
        if (Files.isDirectory(absolute)) {
            throw new StoreException("the run store at " + absolute + " could not be opened: it is a directory", null);
        }
        Optional<String> readOnly = whyReadOnly(absolute);
        return Optional.of(readOnly.isEmpty() ? open(absolute, busyTimeout, migrations)
                : openReadOnly(absolute, readOnly.get(), busyTimeout, migrations));
    }

    static RunStore open(Path file, Duration busyTimeout, List<Migration> migrations) {
        Path absolute = file.toAbsolutePath();
        try {
            Path directory = absolute.getParent();
            if (directory != null) {
                Files.createDirectories(directory);
            }
        } catch (IOException e) {
            throw new StoreException("the run store at " + absolute + " could not be opened: " + fileProblem(e), e);
        }
        if (Files.isDirectory(absolute)) {
            throw new StoreException("the run store at " + absolute + " could not be opened: it is a directory", null);
        }
        // Said here: SQLite would only say "unable to open database file", or fail at the first write.
        Optional<String> readOnly = whyReadOnly(absolute);
        if (readOnly.isPresent()) {
            throw new StoreException("the run store at " + absolute + " cannot be written: " + readOnly.get(), null);
        }
        Connection connection = null;
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout((int) busyTimeout.toMillis());
            connection = config.createConnection("jdbc:sqlite:" + absolute);
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode = WAL");
                // In WAL mode NORMAL loses no committed transaction when a process dies, only when the machine does.
                statement.execute("PRAGMA synchronous = NORMAL");
                statement.execute("PRAGMA foreign_keys = ON");
            }
            Migrations.apply(connection, migrations, absolute);
            RunStore store = new RunStore(absolute, connection);
            store.markAbandonedRunsIncomplete();
            return store;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            if (e instanceof StoreException storeException) {
                throw storeException;
            }
            throw new StoreException("the run store at " + absolute + " could not be opened: " + describe(e), e);
        }
    }

    /**
     * Opens the file for reading only, for a store whose file or directory cannot be written ({@code why} says
     * which). SQLite reads a database in WAL mode through an index file ({@code runs.db-shm}) that it makes next
     * to it: when that cannot be made either, the file is read as immutable, without the index and without
     * locks, which is sound since nothing can write to it there (only what a writer that died left in
     * {@code runs.db-wal}, not yet folded into the file, is then not seen).
     */
    private static RunStore openReadOnly(Path absolute, String why, Duration busyTimeout, List<Migration> migrations) {
        SQLException failure = null;
        for (String parameters : List.of("?mode=ro", "?mode=ro&immutable=1")) {
            Connection connection = null;
            try {
                SQLiteConfig config = new SQLiteConfig();
                config.setReadOnly(true);
                config.setBusyTimeout((int) busyTimeout.toMillis());
                connection = config.createConnection("jdbc:sqlite:" + absolute.toUri() + parameters);
                int version;
                try (Statement statement = connection.createStatement()) {
                    version = Migrations.userVersion(statement);
                }
                int latest = Migrations.latest(migrations);
                if (version != latest) {
                    closeQuietly(connection);
                    throw new StoreException("the run store at " + absolute + " cannot be read: its schema is at "
                            + "version " + version + " and this codeact's at " + latest + (version > latest
                            ? " (upgrade codeact)" : ", and it cannot be brought up to date here (" + why
                            + "): open it once with codeact where it can be written"), null);
                }
                return new RunStore(absolute, connection);
            } catch (SQLException e) {
                closeQuietly(connection);
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        throw new StoreException("the run store at " + absolute + " could not be opened to read (" + why + "): "
                + describe(failure), failure);
    }

    /**
     * Why the store in {@code file} cannot be written, when it cannot: SQLite needs to write the file and to make
     * its journal files next to it. access(2) tells at once when both can be written (it says no even to root on
     * a read-only mount or for an immutable file); otherwise writing is tried, without changing anything, for
     * the operating system's reason ("read-only file system", "permission denied").
     */
    private static Optional<String> whyReadOnly(Path file) {
        Path directory = file.getParent();
        try {
            if (Files.exists(file) && !Files.isWritable(file)) {
                FileChannel.open(file, StandardOpenOption.WRITE).close();
            }
        } catch (IOException e) {
            return Optional.of(refusal(e));
        }
        try {
            if (directory != null && Files.isDirectory(directory) && !Files.isWritable(directory)) {
                Files.delete(Files.createTempFile(directory, ".codeact-write-check-", ""));
            }
        } catch (IOException e) {
            return Optional.of("its directory " + directory + ", where SQLite makes its journal files, cannot be "
                    + "written: " + refusal(e));
        }
        return Optional.empty();
    }

    private static String refusal(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String reason = e instanceof FileSystemException failed && failed.getReason() != null ? failed.getReason()
                : String.valueOf(e.getMessage());
        return reason.isEmpty() ? reason : Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
    }

    public Path file() {
        return file;
    }

    /** A listener that records every run of an agent it is given to (see {@link RunRecorder}). */
    public RunRecorder recorder() {
        return new RunRecorder(this, failure -> { });
    }

    /** Like {@link #recorder()}; {@code onFailure} hears of the first write that fails, once. */
    public RunRecorder recorder(Consumer<StoreException> onFailure) {
        return new RunRecorder(this, Objects.requireNonNull(onFailure, "onFailure"));
    }

    /**
     * The tables of the agent's memory in this file: caches and past solutions. Not API: for dev.codeact4j.memory,
     * whose AgentMemory is how they are used; its type is in a package the module does not export.
     */
    @SuppressWarnings("exports")
    public MemoryTables memoryTables() {
        return memoryTables;
    }

    // --- writing ----------------------------------------------------------------------------------------------------

    /**
     * Records that a run has started in this process, its code in {@code language}; it is
     * {@link RunStatus#RUNNING} until it finishes.
     */
    public synchronized void runStarted(String runId, String task, String mode, String model, Language language,
                                        Instant startedAt) {
        write(() -> {
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO runs (id, task, model, mode, status, started_at, pid, process_started_at, host, language)
                    VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)""")) {
                insert.setString(1, runId);
                insert.setString(2, task);
                insert.setString(3, model);
                insert.setString(4, mode);
                insert.setLong(5, startedAt.toEpochMilli());
                insert.setLong(6, ThisProcess.CURRENT.pid());
                setLong(insert, 7, ThisProcess.CURRENT.startedAt());
                insert.setString(8, ThisProcess.CURRENT.host());
                insert.setString(9, language.id());
                insert.executeUpdate();
            }
        });
        unfinished.add(runId);
    }

    /** Records a completed step of a started run (again: a step written twice is kept once, as last written). */
    public synchronized void stepFinished(String runId, Step step) {
        write(() -> insertStep(runId, step, "INSERT OR REPLACE"));
    }

    /**
     * Records how a run ended, with all its steps. A run this store has not seen start is recorded whole, so
     * this alone stores a run that was not recorded as it went.
     */
    public synchronized void runFinished(AgentResult result, Instant finishedAt) {
        write(() -> {
            ProcessedAnswer answer = result.answer();
            try (PreparedStatement upsert = connection.prepareStatement("""
                    INSERT INTO runs (id, task, model, status, reason, answer_json, answer_text, format, parse_error,
                                      started_at, finished_at, duration_ms, input_tokens, output_tokens, attempts,
                                      pid, process_started_at, host, cached, reused_from)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        model = excluded.model, status = excluded.status, reason = excluded.reason,
                        answer_json = excluded.answer_json, answer_text = excluded.answer_text,
                        format = excluded.format, parse_error = excluded.parse_error,
                        finished_at = excluded.finished_at, duration_ms = excluded.duration_ms,
                        input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
                        attempts = excluded.attempts, cached = excluded.cached,
                        reused_from = excluded.reused_from""")) {
                upsert.setString(1, result.runId());
                upsert.setString(2, result.task());
                upsert.setString(3, result.model());
                upsert.setString(4, RunStatus.of(result).label());
                upsert.setString(5, result.reason() == null ? null : result.reason().label());
                upsert.setString(6, answer == null || answer.value() == null ? null : StoreJson.json(answer.value()));
                upsert.setString(7, answer == null ? null : answer.text());
                upsert.setString(8, answer == null || answer.format() == null ? null : answer.format().label());
                upsert.setString(9, answer == null ? null : answer.parseError());
                upsert.setLong(10, finishedAt.toEpochMilli() - result.durationMs());
                upsert.setLong(11, finishedAt.toEpochMilli());
                upsert.setLong(12, result.durationMs());
                upsert.setInt(13, result.inputTokens());
                upsert.setInt(14, result.outputTokens());
                upsert.setInt(15, result.attempts());
                upsert.setLong(16, ThisProcess.CURRENT.pid());
                setLong(upsert, 17, ThisProcess.CURRENT.startedAt());
                upsert.setString(18, ThisProcess.CURRENT.host());
                upsert.setInt(19, result.cached() ? 1 : 0);
                upsert.setString(20, result.reusedFrom());
                upsert.executeUpdate();
            }
            for (Step step : result.steps()) {
                insertStep(result.runId(), step, "INSERT OR IGNORE"); // those written as they finished stay
            }
        });
        unfinished.remove(result.runId());
    }

    /**
     * Records that a run ended by a failure (of the model, its provider or something else): failed, with the
     * error's message and the time it took, not left to look like a run whose process died.
     */
    public synchronized void runFailed(AgentEvent.RunFailed failure, Instant finishedAt) {
        write(() -> {
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE runs SET status = 'failed', reason = ?, error = ?, finished_at = ?, duration_ms = ?,
                                    input_tokens = ?, output_tokens = ?
                    WHERE id = ?""")) {
                update.setString(1, failure.reason().label());
                update.setString(2, failure.message());
                update.setLong(3, finishedAt.toEpochMilli());
                update.setLong(4, failure.durationMs());
                update.setInt(5, failure.inputTokens());
                update.setInt(6, failure.outputTokens());
                update.setString(7, failure.runId());
                update.executeUpdate();
            }
            for (Step step : failure.steps()) {
                insertStep(failure.runId(), step, "INSERT OR IGNORE"); // those written as they finished stay
            }
        });
        unfinished.remove(failure.runId());
    }

    /**
     * Records that a run was stopped before it finished because the process running it is ending (codeact serve
     * shutting down within its grace): {@link RunStatus#INCOMPLETE incomplete}, as if the process had ended first,
     * with {@code why} as its error. An end already recorded by the stop itself (cancelled) is undone: the run never
     * finished. Its steps stay.
     */
    public synchronized void runIncomplete(String runId, String why) {
        write(() -> {
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE runs SET status = 'incomplete', reason = NULL, error = ?, finished_at = NULL,
                                    duration_ms = NULL
                    WHERE id = ?""")) {
                update.setString(1, why);
                update.setString(2, runId);
                update.executeUpdate();
            }
        });
        unfinished.remove(runId);
    }

    private void insertStep(String runId, Step step, String insert) throws SQLException {
        ExecutionResult execution = step.execution();
        ExecutionError error = step.error();
        try (PreparedStatement statement = connection.prepareStatement(insert + """
                 INTO steps (run_id, step_index, thought, code, observation, stdout, stderr, result_repr,
                             error_type, error_message, traceback, model_ms, execution_ms, input_tokens,
                             output_tokens, tool_calls_json, network_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            statement.setString(1, runId);
            statement.setInt(2, step.index());
            statement.setString(3, step.thought());
            statement.setString(4, step.code());
            statement.setString(5, step.observation());
            statement.setString(6, execution == null ? null : execution.stdout());
            statement.setString(7, execution == null ? null : execution.stderr());
            statement.setString(8, execution == null || execution.result() == null ? null : execution.result().repr());
            statement.setString(9, error == null ? null : error.type());
            statement.setString(10, error == null ? null : error.message());
            statement.setString(11, error == null ? null : error.traceback());
            statement.setLong(12, step.modelMillis());
            statement.setLong(13, step.executionMillis());
            statement.setInt(14, step.inputTokens());
            statement.setInt(15, step.outputTokens());
            statement.setString(16, step.toolCalls().isEmpty() ? null : StoreJson.json(toolCalls(step.toolCalls())));
            boolean network = execution != null && !execution.networkRequests().isEmpty();
            statement.setString(17, network ? StoreJson.json(JSON.valueToTree(execution.networkRequests())) : null);
            statement.executeUpdate();
        }
    }

    private static ArrayNode toolCalls(List<ToolCall> calls) {
        ArrayNode list = JSON.createArrayNode();
        for (ToolCall call : calls) {
            var node = list.addObject().put("name", call.name());
            node.set("arguments", call.arguments());
            node.set("result", call.result());
            node.put("error", call.error());
            node.put("durationMs", call.duration() == null ? 0 : call.duration().toMillis());
        }
        return list;
    }

    /**
     * Marks incomplete the runs still marked running whose process, on this host, has ended: they will never
     * finish. Runs of other hosts are left alone, since their processes cannot be looked at from here.
     * Returns how many were marked.
     */
    synchronized int markAbandonedRunsIncomplete() {
        List<String> abandoned = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, pid, process_started_at FROM runs WHERE status = 'running' AND host = ? AND pid IS NOT NULL")) {
            select.setString(1, ThisProcess.CURRENT.host());
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    long started = rows.getLong(3);
                    Long startedAt = rows.wasNull() ? null : started;
                    if (!ThisProcess.isAlive(rows.getLong(2), startedAt)) {
                        abandoned.add(rows.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw failure("read", e);
        }
        markIncomplete(abandoned);
        return abandoned.size();
    }

    private void markIncomplete(List<String> runIds) {
        if (runIds.isEmpty()) {
            return;
        }
        write(() -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE runs SET status = 'incomplete' WHERE id = ? AND status = 'running'")) {
                for (String runId : runIds) {
                    update.setString(1, runId);
                    update.executeUpdate();
                }
            }
        });
    }

    // --- reading ----------------------------------------------------------------------------------------------------

    /**
     * The latest {@code limit} runs, latest first. Their steps are counted as {@link Step#ranCode()} counts them
     * (COUNT(code) below): a reply without code, or the model's last word at the step limit, is not a step.
     */
    public synchronized List<RunSummary> history(int limit) {
        return history(limit, null, null);
    }

    /**
     * The latest {@code limit} runs, latest first, of those with {@code status} (any when null) whose task
     * contains {@code text} (any when null or blank; ignoring case in ASCII letters), counted as
     * {@link #history(int)} counts them.
     */
    public synchronized List<RunSummary> history(int limit, RunStatus status, String text) {
        if (limit < 1) {
            throw new IllegalArgumentException("the number of runs must be at least 1, got " + limit);
        }
        List<RunSummary> runs = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT r.id, r.task, r.model, r.mode, r.status, r.reason, r.started_at, r.duration_ms,
                       r.finished_at, r.input_tokens, r.output_tokens,
                       COUNT(s.code), COALESCE(SUM(s.input_tokens), 0), COALESCE(SUM(s.output_tokens), 0), r.language
                FROM runs r LEFT JOIN steps s ON s.run_id = r.id
                WHERE (?2 IS NULL OR r.status = ?2) AND (?3 IS NULL OR instr(lower(r.task), lower(?3)) > 0)
                GROUP BY r.id
                ORDER BY r.started_at DESC, r.rowid DESC
                LIMIT ?1""")) {
            select.setInt(1, limit);
            select.setString(2, status == null ? null : status.label());
            select.setString(3, text == null || text.isBlank() ? null : text.strip());
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    boolean finished = row.getObject(9) != null;
                    runs.add(new RunSummary(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                            RunStatus.parse(row.getString(5)), row.getString(6), Instant.ofEpochMilli(row.getLong(7)),
                            nullableLong(row, 8), row.getInt(12),
                            finished ? row.getInt(10) : row.getInt(13), finished ? row.getInt(11) : row.getInt(14),
                            Language.parse(row.getString(15))));
                }
            }
        } catch (SQLException e) {
            throw failure("read", e);
        }
        return runs;
    }

    /**
     * The run with this id, or with an id starting with it when only one does. Empty when none does; an
     * IllegalArgumentException, listing some of them, when several do.
     */
    public synchronized Optional<StoredRun> find(String idOrPrefix) {
        String prefix = idOrPrefix == null ? "" : idOrPrefix.strip();
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("a run id (or the start of one) is needed");
        }
        try {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("""
                    SELECT id FROM runs WHERE id = ?1
                    UNION ALL
                    SELECT id FROM (SELECT id FROM runs WHERE substr(id, 1, length(?1)) = ?1 AND id <> ?1
                                    ORDER BY started_at DESC LIMIT 5)""")) {
                select.setString(1, prefix);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        ids.add(row.getString(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                return Optional.empty();
            }
            if (ids.size() > 1 && !ids.get(0).equals(prefix)) {
                throw new IllegalArgumentException("'" + prefix + "' is the start of several run ids ("
                        + String.join(", ", ids.size() > 4 ? ids.subList(0, 4) : ids) + (ids.size() > 4 ? ", ..." : "")
                        + "): give more of the id");
            }
            return Optional.of(load(ids.get(0)));
        } catch (SQLException e) {
            throw failure("read", e);
        }
    }

    private StoredRun load(String id) throws SQLException {
        List<StoredStep> steps = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT step_index, thought, code, observation, stdout, stderr, result_repr, error_type,
                       error_message, traceback, model_ms, execution_ms, input_tokens, output_tokens, tool_calls_json,
                       network_json
                FROM steps WHERE run_id = ? ORDER BY step_index""")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    String errorType = row.getString(8);
                    ExecutionError error = errorType == null ? null
                            : new ExecutionError(errorType, row.getString(9), row.getString(10));
                    String toolCalls = row.getString(15);
                    String network = row.getString(16);
                    steps.add(new StoredStep(row.getInt(1), row.getString(2), row.getString(3), row.getString(4),
                            row.getString(5), row.getString(6), row.getString(7), error, row.getLong(11),
                            row.getLong(12), row.getInt(13), row.getInt(14),
                            toolCalls == null ? JSON.createArrayNode() : StoreJson.parse(toolCalls),
                            network == null ? JSON.createArrayNode() : StoreJson.parse(network)));
                }
            }
        }
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT id, task, model, mode, status, reason, answer_json, answer_text, format, parse_error,
                       started_at, finished_at, duration_ms, input_tokens, output_tokens, attempts, pid, host, error,
                       cached, reused_from, language
                FROM runs WHERE id = ?""")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                boolean finished = row.getObject(12) != null;
                String answer = row.getString(7);
                return new StoredRun(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                        RunStatus.parse(row.getString(5)), row.getString(6), row.getString(19),
                        answer == null ? null : StoreJson.parse(answer),
                        row.getString(8), row.getString(9), row.getString(10), Instant.ofEpochMilli(row.getLong(11)),
                        finished ? Instant.ofEpochMilli(row.getLong(12)) : null, nullableLong(row, 13),
                        finished ? row.getInt(14) : steps.stream().mapToInt(StoredStep::inputTokens).sum(),
                        finished ? row.getInt(15) : steps.stream().mapToInt(StoredStep::outputTokens).sum(),
                        row.getInt(16), nullableLong(row, 17), row.getString(18), steps, row.getInt(20) != 0,
                        row.getString(21), Language.parse(row.getString(22)));
            }
        }
    }

    /**
     * The execution report over the runs started at {@code since} or later (all when null), of {@code model}
     * only when it is not null. Runs still under way are left out; incomplete and cancelled runs count, as
     * unsuccessful. Its days ({@link ExecutionReport#byDay()}) are in this machine's time zone.
     */
    public synchronized ExecutionReport report(Instant since, String model) {
        long from = since == null ? Long.MIN_VALUE : since.toEpochMilli();
        String filter = "r.status <> 'running' AND r.started_at >= ?1 AND (?2 IS NULL OR r.model = ?2)";
        List<RunFigures> runs = new ArrayList<>();
        List<ErrorSeen> errors = new ArrayList<>();
        try {
            try (PreparedStatement select = connection.prepareStatement("""
                    SELECT r.model, r.status, r.duration_ms, COUNT(s.code), COALESCE(SUM(s.execution_ms), 0),
                           r.cached,
                           CASE WHEN r.finished_at IS NULL THEN COALESCE(SUM(s.input_tokens), 0) ELSE r.input_tokens END,
                           CASE WHEN r.finished_at IS NULL THEN COALESCE(SUM(s.output_tokens), 0) ELSE r.output_tokens END,
                           r.started_at
                    FROM runs r LEFT JOIN steps s ON s.run_id = r.id
                    WHERE %s
                    GROUP BY r.id""".formatted(filter))) {
                select.setLong(1, from);
                select.setString(2, model);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        runs.add(new RunFigures(modelName(row.getString(1)), RunStatus.parse(row.getString(2)),
                                nullableLong(row, 3), row.getInt(4), row.getLong(5), row.getInt(6) != 0,
                                row.getLong(7), row.getLong(8), Instant.ofEpochMilli(row.getLong(9))));
                    }
                }
            }
            try (PreparedStatement select = connection.prepareStatement("""
                    SELECT r.model, s.error_type, s.error_message
                    FROM steps s JOIN runs r ON r.id = s.run_id
                    WHERE s.error_type IS NOT NULL AND %s
                    ORDER BY r.started_at DESC, r.rowid DESC, s.step_index DESC""".formatted(filter))) {
                select.setLong(1, from);
                select.setString(2, model);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        errors.add(new ErrorSeen(modelName(row.getString(1)), row.getString(2), row.getString(3)));
                    }
                }
            }
        } catch (SQLException e) {
            throw failure("read", e);
        }
        Map<String, List<RunFigures>> runsByModel = new HashMap<>();
        runs.forEach(run -> runsByModel.computeIfAbsent(run.model(), name -> new ArrayList<>()).add(run));
        Map<String, ExecutionReport> byModel = new LinkedHashMap<>();
        runsByModel.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, List<RunFigures>>>comparingInt(entry -> -entry.getValue().size())
                        .thenComparing(Map.Entry::getKey))
                .forEach(entry -> byModel.put(entry.getKey(), report(entry.getValue(),
                        errors.stream().filter(error -> error.model().equals(entry.getKey())).toList(), Map.of(),
                        List.of())));
        return report(runs, errors, byModel, byDay(runs, since, ZoneId.systemDefault()));
    }

    private record RunFigures(String model, RunStatus status, Long durationMs, int steps, long executionMs,
                              boolean cached, long inputTokens, long outputTokens, Instant startedAt) {
    }

    /** Every day from {@code since}'s (the first run's without it) to today, with the runs that started on it. */
    private static List<ExecutionReport.Day> byDay(List<RunFigures> runs, Instant since, ZoneId zone) {
        Map<LocalDate, List<RunFigures>> byDay = new HashMap<>();
        runs.forEach(run -> byDay.computeIfAbsent(LocalDate.ofInstant(run.startedAt(), zone), day -> new ArrayList<>())
                .add(run));
        LocalDate first = since != null ? LocalDate.ofInstant(since, zone)
                : byDay.keySet().stream().min(Comparator.naturalOrder()).orElse(null);
        if (first == null) {
            return List.of();
        }
        LocalDate today = LocalDate.now(zone);
        LocalDate last = byDay.keySet().stream().max(Comparator.naturalOrder()).filter(today::isBefore).orElse(today);
        List<ExecutionReport.Day> days = new ArrayList<>();
        for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
            List<RunFigures> ofDay = byDay.getOrDefault(day, List.of());
            int succeeded = (int) ofDay.stream().filter(run -> run.status() == RunStatus.SUCCEEDED).count();
            long[] durations = durations(ofDay);
            days.add(new ExecutionReport.Day(day, ofDay.size(), succeeded,
                    ofDay.isEmpty() ? 0 : rounded((double) succeeded / ofDay.size(), 4),
                    percentile(durations, 50), percentile(durations, 95),
                    ofDay.stream().mapToLong(RunFigures::inputTokens).sum(),
                    ofDay.stream().mapToLong(RunFigures::outputTokens).sum()));
        }
        return days;
    }

    /** The wall-clock times of the finished runs among {@code runs}, sorted. */
    private static long[] durations(List<RunFigures> runs) {
        return runs.stream().filter(run -> run.durationMs() != null).mapToLong(RunFigures::durationMs).sorted().toArray();
    }

    private record ErrorSeen(String model, String type, String message) {
    }

    private static ExecutionReport report(List<RunFigures> runs, List<ErrorSeen> errors,
                                          Map<String, ExecutionReport> byModel, List<ExecutionReport.Day> byDay) {
        int succeeded = (int) runs.stream().filter(run -> run.status() == RunStatus.SUCCEEDED).count();
        long[] durations = durations(runs);
        Map<String, int[]> counts = new LinkedHashMap<>();
        Map<String, String> examples = new HashMap<>();
        for (ErrorSeen error : errors) { // latest first: the first message seen of a type is its example
            counts.computeIfAbsent(error.type(), type -> new int[1])[0]++;
            examples.putIfAbsent(error.type(), error.message());
        }
        List<ExecutionReport.CommonError> common = counts.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, int[]>>comparingInt(entry -> -entry.getValue()[0])
                        .thenComparing(Map.Entry::getKey))
                .limit(MOST_COMMON_ERRORS)
                .map(entry -> new ExecutionReport.CommonError(entry.getKey(), entry.getValue()[0], examples.get(entry.getKey())))
                .toList();
        return new ExecutionReport(
                runs.size(),
                succeeded,
                runs.isEmpty() ? 0 : rounded((double) succeeded / runs.size(), 4),
                durations.length == 0 ? 0 : Math.round(java.util.Arrays.stream(durations).average().orElse(0)),
                percentile(durations, 50),
                percentile(durations, 95),
                runs.isEmpty() ? 0 : rounded(runs.stream().mapToInt(RunFigures::steps).average().orElse(0), 2),
                runs.stream().mapToLong(RunFigures::executionMs).sum(),
                common,
                runs.stream().mapToLong(RunFigures::inputTokens).sum(),
                runs.stream().mapToLong(RunFigures::outputTokens).sum(),
                (int) runs.stream().filter(RunFigures::cached).count(),
                byModel,
                byDay);
    }

    /** The nearest-rank percentile: the smallest value that at least {@code percent}% of the values do not exceed. */
    static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double rounded(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    private static String modelName(String model) {
        return model == null ? "unknown" : model;
    }

    // --- plumbing ---------------------------------------------------------------------------------------------------

    /** Marks the runs started here and not finished incomplete (their agent gave up), then closes the file. */
    @Override
    public synchronized void close() {
        try {
            markIncomplete(List.copyOf(unfinished));
        } finally {
            unfinished.clear();
            closeQuietly(connection);
        }
    }

    Connection connection() {
        return connection;
    }

    /** Runs {@code work} as one transaction. */
    void write(Transaction.Work work) {
        try {
            Transaction.run(connection, work);
        } catch (SQLException e) {
            throw failure("written", e);
        }
    }

    StoreException failure(String what, SQLException e) {
        return new StoreException("the run store at " + file + " could not be " + what + ": " + describe(e), e);
    }

    /** SQLite's own words, without the driver's decoration ("[SQLITE_BUSY] The database file is locked (...)"). */
    private static String describe(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int open = message.lastIndexOf(" (");
        if (message.startsWith("[SQLITE_") && open > 0 && message.endsWith(")")) {
            return message.substring(open + 2, message.length() - 1);
        }
        return message;
    }

    /** What stops the file from being made, the way a person would say it (Java's messages are only the path). */
    private static String fileProblem(IOException e) {
        if (e instanceof FileAlreadyExistsException exists) {
            return exists.getFile() + " is a file, not a directory";
        }
        if (e instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        return e instanceof FileSystemException ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage();
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.INTEGER);
        } else {
            statement.setLong(index, value);
        }
    }

    private static Long nullableLong(ResultSet row, int column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            // nothing was left to write: every write commits at once
        }
    }
}
