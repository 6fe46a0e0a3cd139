package dev.codeact4j.store.internal;

import dev.codeact4j.store.StoreException;

import java.sql.Connection;
import java.sql.SQLException;

/** The run store's file as the memory's tables see it: they share its connection and its lock. */
public interface StoreFile {

    /** What every read and write of the file holds: the run store itself. */
    Object lock();

    Connection connection();

    /** Runs {@code work} as one write transaction; a failure is a StoreException naming the file. */
    void write(Transaction.Work work);

    StoreException failure(String what, SQLException e);
}
