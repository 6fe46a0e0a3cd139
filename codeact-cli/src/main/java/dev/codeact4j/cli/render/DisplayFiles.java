package dev.codeact4j.cli.render;

import dev.codeact4j.sandbox.Display;

import dev.codeact4j.server.json.SavedDisplay;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
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
public final class DisplayFiles {
    private final Path directory;
    private int nextNumber = 1;

    public DisplayFiles(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /**
     * Saves the images, keeps the text. An image that cannot be written is reported as unsaved, with why and
     * what to do, rather than thrown: the code that made it has run, and what else it produced still counts.
     */
    public List<SavedDisplay> save(List<Display> displays) {
        List<SavedDisplay> saved = new ArrayList<>(displays.size());
        for (Display display : displays) {
            if (!display.isImage()) {
                saved.add(SavedDisplay.inline(display.mime(), display.data()));
                continue;
            }
            try {
                saved.add(SavedDisplay.file(display.mime(), write(display)));
            } catch (IOException e) {
                saved.add(SavedDisplay.unsaved(display.mime(), e.getMessage()));
            }
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
            throw new IOException("cannot save a figure under " + directory + " (" + reason(e) + "). Choose a "
                    + "writable directory with --output-dir.", e);
        }
    }

    private static String reason(IOException e) {
        return switch (e) {
            case AccessDeniedException denied -> denied.getFile() + ": permission denied";
            case FileSystemException failed when failed.getReason() != null -> failed.getFile() + ": " + failed.getReason();
            default -> e.toString();
        };
    }
}
