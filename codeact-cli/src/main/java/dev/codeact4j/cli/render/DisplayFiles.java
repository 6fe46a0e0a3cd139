package dev.codeact4j.cli.render;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.sandbox.Display;
import dev.codeact4j.server.json.RunJson;
import dev.codeact4j.server.json.SavedDisplay;
import dev.codeact4j.server.mcp.Figures;

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
 * earlier run. Safe to use from several threads ({@code codeact mcp} answers calls at once): the numbers are not
 * shared.
 */
public final class DisplayFiles implements Figures {
    private final Path directory;
    private int nextNumber = 1;

    public DisplayFiles(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /**
     * Saves the images, keeps the text. An image that cannot be written is reported as unsaved, with why and
     * what to do, rather than thrown: the code that made it has run, and what else it produced still counts.
     */
    public synchronized List<SavedDisplay> save(List<Display> displays) {
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

    /** {@code codeact mcp}'s execute_code: the figures saved, as {@code exec} saves them. */
    @Override
    public List<SavedDisplay> displays(List<Display> displays) {
        return save(displays);
    }

    /** {@code codeact mcp}'s run_agent: the figures saved and named in the JSON, as {@code run --json} does. */
    @Override
    public synchronized ObjectNode run(AgentResult result) throws IOException {
        return RunJson.of(result, AgentReport.saveFigures(result, this));
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
