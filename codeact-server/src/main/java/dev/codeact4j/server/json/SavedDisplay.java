package dev.codeact4j.server.json;

import java.nio.file.Path;

/**
 * A display as the command reports it: images as a file ({@code path}), text (plain, or JSON for tables)
 * inline ({@code data}), or, for an image that could not be saved, why ({@code error}). Exactly one of the three
 * is set.
 */
public record SavedDisplay(String mime, Path path, String data, String error) {

    public static SavedDisplay file(String mime, Path path) {
        return new SavedDisplay(mime, path, null, null);
    }

    public static SavedDisplay inline(String mime, String data) {
        return new SavedDisplay(mime, null, data, null);
    }

    public static SavedDisplay unsaved(String mime, String error) {
        return new SavedDisplay(mime, null, null, error);
    }

    public boolean isFile() {
        return path != null;
    }

    public boolean isUnsaved() {
        return error != null;
    }
}
