package dev.codeact4j.store.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** The run store's file as the memory's tables see it: they share its connection and its lock. */
public interface StoreFile {

    /** What every read and write of the file holds: the run store itself. */
    Object lock();

    Connection connection();

    /** Runs {@code work} as one write transaction; a failure is the store's exception naming the file. */
    void write(Transaction.Work work);

    /** The store's own exception for a failed read or write (its type is the store's, above this package). */
    RuntimeException failure(String what, SQLException e);
}
