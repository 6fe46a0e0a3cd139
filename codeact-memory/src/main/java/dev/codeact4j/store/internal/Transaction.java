package dev.codeact4j.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One write transaction, begun IMMEDIATE: it takes the write lock when it begins, so that two processes
 * writing at once queue up on the busy timeout, rather than both reading first and one of them failing at once
 * when it wants to write. Issued by hand rather than through JDBC's autocommit switch, which the SQLite driver
 * implements by beginning a new transaction after every commit.
 */
public final class Transaction {

    @FunctionalInterface
    public interface Work {
        void run() throws SQLException;
    }

    private Transaction() {
    }

    public static void run(Connection connection, Work work) throws SQLException {
        execute(connection, "BEGIN IMMEDIATE");
        try {
            work.run();
            execute(connection, "COMMIT");
        } catch (SQLException | RuntimeException e) {
            try {
                execute(connection, "ROLLBACK");
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed); // SQLite may have rolled back already (a full disk, an I/O error)
            }
            throw e;
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
