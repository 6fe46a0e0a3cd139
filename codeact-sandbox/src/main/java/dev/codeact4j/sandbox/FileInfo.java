package dev.codeact4j.sandbox;

import java.time.Instant;

/**
 * A file of a session's working directory.
 *
 * @param path       its path relative to the working directory, names separated by {@code /}
 * @param size       its size in bytes
 * @param modifiedAt when it was last written
 */
public record FileInfo(String path, long size, Instant modifiedAt) {
}
