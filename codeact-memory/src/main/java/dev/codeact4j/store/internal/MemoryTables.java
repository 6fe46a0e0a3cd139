package dev.codeact4j.store.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.ProcessedAnswer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The agent's memory in the run store's file (schema version 2): the code cache, the result cache and the
 * past solutions. Only storage: what goes in, when it counts as expired and how it is used is
 * {@code dev.codeact4j.memory.AgentMemory}'s business. Shares the store's connection and its lock. Not API: only
 * {@code dev.codeact4j.memory} uses it.
 */
public final class MemoryTables {

    /** A program from the code cache: the code of every step of the run it came from, in order. */
    public record CachedCode(String runId, List<String> code, Instant createdAt) {
        public CachedCode {
            code = List.copyOf(code);
        }
    }

    /** An answer from the result cache. */
    public record CachedAnswer(String runId, ProcessedAnswer answer, Instant createdAt) {
    }

    /** A past solution's task and its embedding, null until one has been computed. */
    public record SolutionVector(String runId, String task, float[] embedding) {
    }

    private final StoreFile store;

    public MemoryTables(StoreFile store) {
        this.store = store;
    }

    // --- the caches -------------------------------------------------------------------------------------------------

    /** The program cached under {@code key}, if it was cached at {@code notBefore} or later. */
    public Optional<CachedCode> code(String key, Instant notBefore) {
        synchronized (store.lock()) {
            try (PreparedStatement select = store.connection().prepareStatement(
                    "SELECT run_id, code_json, created_at FROM code_cache WHERE cache_key = ? AND created_at >= ?")) {
                select.setString(1, key);
                select.setLong(2, notBefore.toEpochMilli());
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(new CachedCode(row.getString(1), codeList(row.getString(2)),
                            Instant.ofEpochMilli(row.getLong(3)))) : Optional.empty();
                }
            } catch (SQLException e) {
                throw store.failure("read", e);
            }
        }
    }

    /** The answer cached under {@code key}, if it was cached at {@code notBefore} or later. */
    public Optional<CachedAnswer> answer(String key, Instant notBefore) {
        synchronized (store.lock()) {
            try (PreparedStatement select = store.connection().prepareStatement("""
                    SELECT run_id, answer_json, answer_text, format, parse_error, created_at
                    FROM result_cache WHERE cache_key = ? AND created_at >= ?""")) {
                select.setString(1, key);
                select.setLong(2, notBefore.toEpochMilli());
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    String json = row.getString(2);
                    String format = row.getString(4);
                    ProcessedAnswer answer = new ProcessedAnswer(json == null ? null : StoreJson.parse(json),
                            row.getString(3), format == null ? null : AnswerFormat.parse(format), row.getString(5));
                    return Optional.of(new CachedAnswer(row.getString(1), answer, Instant.ofEpochMilli(row.getLong(6))));
                }
            } catch (SQLException e) {
                throw store.failure("read", e);
            }
        }
    }

    /**
     * Caches a run's program under {@code key} (replacing what was there), drops the entries cached before
     * {@code expiredBefore}, and then the oldest ones beyond {@code maxEntries}.
     */
    public void putCode(String key, String runId, List<String> code, Instant now, Instant expiredBefore, int maxEntries) {
        synchronized (store.lock()) {
            store.write(() -> {
                try (PreparedStatement insert = store.connection().prepareStatement(
                        "INSERT OR REPLACE INTO code_cache (cache_key, run_id, code_json, created_at) VALUES (?, ?, ?, ?)")) {
                    insert.setString(1, key);
                    insert.setString(2, runId);
                    insert.setString(3, codeJson(code));
                    insert.setLong(4, now.toEpochMilli());
                    insert.executeUpdate();
                }
                trim("code_cache", expiredBefore, maxEntries);
            });
        }
    }

    /** Like {@link #putCode}, for an answer. */
    public void putAnswer(String key, String runId, ProcessedAnswer answer, Instant now, Instant expiredBefore,
                          int maxEntries) {
        synchronized (store.lock()) {
            store.write(() -> {
                try (PreparedStatement insert = store.connection().prepareStatement("""
                        INSERT OR REPLACE INTO result_cache
                            (cache_key, run_id, answer_json, answer_text, format, parse_error, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
                    insert.setString(1, key);
                    insert.setString(2, runId);
                    insert.setString(3, answer.value() == null ? null : StoreJson.json(answer.value()));
                    insert.setString(4, answer.text());
                    insert.setString(5, answer.format() == null ? null : answer.format().label());
                    insert.setString(6, answer.parseError());
                    insert.setLong(7, now.toEpochMilli());
                    insert.executeUpdate();
                }
                trim("result_cache", expiredBefore, maxEntries);
            });
        }
    }

    /** Drops a program and its answers (a cached program that no longer reaches an answer). */
    public void forgetCode(String key) {
        synchronized (store.lock()) {
            store.write(() -> {
                try (PreparedStatement delete = store.connection().prepareStatement(
                        "DELETE FROM code_cache WHERE cache_key = ?")) {
                    delete.setString(1, key);
                    delete.executeUpdate();
                }
            });
        }
    }

    /** How many entries each cache holds: {code, result}. */
    public int[] cacheSizes() {
        synchronized (store.lock()) {
            return new int[] {count("code_cache"), count("result_cache")};
        }
    }

    private void trim(String table, Instant expiredBefore, int maxEntries) throws SQLException {
        try (PreparedStatement expired = store.connection().prepareStatement(
                "DELETE FROM " + table + " WHERE created_at < ?")) {
            expired.setLong(1, expiredBefore.toEpochMilli());
            expired.executeUpdate();
        }
        try (PreparedStatement oldest = store.connection().prepareStatement("DELETE FROM " + table
                + " WHERE cache_key NOT IN (SELECT cache_key FROM " + table
                + " ORDER BY created_at DESC, rowid DESC LIMIT ?)")) {
            oldest.setInt(1, maxEntries);
            oldest.executeUpdate();
        }
    }

    // --- past solutions ---------------------------------------------------------------------------------------------

    /** How many past solutions there are. */
    public int solutionCount() {
        synchronized (store.lock()) {
            return count("solutions");
        }
    }

    /**
     * Keeps a successful run's program, in {@code language} (an id such as python), as a past solution of its
     * task, without an embedding yet (it is computed when one is first needed, so that a process that never looks
     * for a solution never loads the model); the oldest ones beyond {@code maxSolutions} are dropped.
     */
    public void putSolution(String runId, String task, String language, List<String> code, Instant now,
                            int maxSolutions) {
        synchronized (store.lock()) {
            store.write(() -> {
                try (PreparedStatement insert = store.connection().prepareStatement("""
                        INSERT OR REPLACE INTO solutions (run_id, task, code_json, embedding, created_at, language)
                        VALUES (?, ?, ?, NULL, ?, ?)""")) {
                    insert.setString(1, runId);
                    insert.setString(2, task);
                    insert.setString(3, codeJson(code));
                    insert.setLong(4, now.toEpochMilli());
                    insert.setString(5, language);
                    insert.executeUpdate();
                }
                try (PreparedStatement oldest = store.connection().prepareStatement("""
                        DELETE FROM solutions WHERE run_id NOT IN
                            (SELECT run_id FROM solutions ORDER BY created_at DESC, rowid DESC LIMIT ?)""")) {
                    oldest.setInt(1, maxSolutions);
                    oldest.executeUpdate();
                }
            });
        }
    }

    /** The task and embedding of every past solution in {@code language} (an id such as python), latest first. */
    public List<SolutionVector> solutionVectors(String language) {
        synchronized (store.lock()) {
            List<SolutionVector> vectors = new ArrayList<>();
            try (PreparedStatement select = store.connection().prepareStatement(
                    "SELECT run_id, task, embedding FROM solutions WHERE language = ? ORDER BY created_at DESC, rowid DESC")) {
                select.setString(1, language);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        byte[] bytes = row.getBytes(3);
                        vectors.add(new SolutionVector(row.getString(1), row.getString(2),
                                bytes == null ? null : floats(bytes)));
                    }
                }
            } catch (SQLException e) {
                throw store.failure("read", e);
            }
            return vectors;
        }
    }

    /** Keeps the embedding computed for a solution's task. */
    public void putEmbedding(String runId, float[] embedding) {
        synchronized (store.lock()) {
            store.write(() -> {
                try (PreparedStatement update = store.connection().prepareStatement(
                        "UPDATE solutions SET embedding = ? WHERE run_id = ?")) {
                    update.setBytes(1, bytes(embedding));
                    update.setString(2, runId);
                    update.executeUpdate();
                }
            });
        }
    }

    /** The program of a past solution. */
    public Optional<List<String>> solutionCode(String runId) {
        synchronized (store.lock()) {
            try (PreparedStatement select = store.connection().prepareStatement(
                    "SELECT code_json FROM solutions WHERE run_id = ?")) {
                select.setString(1, runId);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(codeList(row.getString(1))) : Optional.empty();
                }
            } catch (SQLException e) {
                throw store.failure("read", e);
            }
        }
    }

    // --- plumbing ---------------------------------------------------------------------------------------------------

    private int count(String table) {
        try (PreparedStatement select = store.connection().prepareStatement("SELECT COUNT(*) FROM " + table);
             ResultSet row = select.executeQuery()) {
            return row.next() ? row.getInt(1) : 0;
        } catch (SQLException e) {
            throw store.failure("read", e);
        }
    }

    private static String codeJson(List<String> code) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        code.forEach(array::add);
        return StoreJson.json(array);
    }

    private static List<String> codeList(String json) {
        List<String> code = new ArrayList<>();
        for (JsonNode node : StoreJson.parse(json)) {
            code.add(node.asText());
        }
        return code;
    }

    // Little-endian float32s: 384 of them (1.5 kB) for all-MiniLM-L6-v2.
    private static byte[] bytes(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(vector);
        return buffer.array();
    }

    private static float[] floats(byte[] bytes) {
        float[] vector = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        return vector;
    }
}
