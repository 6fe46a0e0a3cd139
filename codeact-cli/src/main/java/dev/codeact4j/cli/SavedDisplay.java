package dev.codeact4j.cli;

import java.nio.file.Path;

/**
 * A display as the command reports it: images as a file ({@code path}), text (plain, or JSON for tables)
 * inline ({@code data}). Exactly one of the two is set.
 */
record SavedDisplay(String mime, Path path, String data) {

    static SavedDisplay file(String mime, Path path) {
        return new SavedDisplay(mime, path, null);
    }

    static SavedDisplay inline(String mime, String data) {
        return new SavedDisplay(mime, null, data);
    }

    boolean isFile() {
        return path != null;
    }
}
