package dev.codeact4j.cli;

import dev.codeact4j.sandbox.Display;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Saves image displays as files under the output directory, which is created only when there is something
 * to save, and keeps text displays inline. Files are named figure-N.EXT and never overwrite one of an
 * earlier run.
 */
final class DisplayFiles {
    private final Path directory;
    private int nextNumber = 1;

    DisplayFiles(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    List<SavedDisplay> save(List<Display> displays) throws IOException {
        List<SavedDisplay> saved = new ArrayList<>(displays.size());
        for (Display display : displays) {
            saved.add(display.isBinary()
                    ? SavedDisplay.file(display.mime(), write(display))
                    : SavedDisplay.inline(display.mime(), display.data()));
        }
        return saved;
    }

    private Path write(Display display) throws IOException {
        byte[] bytes = display.bytes();
        try {
            Files.createDirectories(directory);
            while (true) {
                Path file = directory.resolve("figure-" + nextNumber++ + "." + display.extension());
                try {
                    Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    return file;
                } catch (FileAlreadyExistsException taken) {
                    // left by an earlier run: try the next number
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot save a figure under " + directory + " (" + e + "). Choose a writable "
                    + "directory with --output-dir.", e);
        }
    }
}
