package dev.codeact4j.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The second layer against privileged files left on the host: after each execution in a named working
 * directory, set-user-ID and set-group-ID bits are cleared. (The first layer is the syscall filter, which refuses
 * to set them; a private working directory is on a nosuid disk that no other user can reach.)
 */
final class SetIdBits {
    private static final int SET_ID_BITS = 06000;
    /** A working directory bigger than this is not walked after every execution; close() still walks it all. */
    private static final int MAX_ENTRIES_PER_EXECUTION = 20_000;

    private SetIdBits() {
    }

    /** Clears the bits under {@code dir} and says how many files had them; never follows a symbolic link. */
    static int strip(Path dir, HostUser user) {
        List<Path> found = find(dir, Integer.MAX_VALUE);
        found.forEach(path -> clear(path, user));
        return found.size();
    }

    /** As {@link #strip(Path, HostUser)}, but gives up on very large trees (the work of every execution). */
    static void stripAfterExecution(Path dir, HostUser user) {
        find(dir, MAX_ENTRIES_PER_EXECUTION).forEach(path -> clear(path, user));
    }

    static List<Path> find(Path dir, int maxEntries) {
        List<Path> found = new ArrayList<>();
        int[] seen = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path path, BasicFileAttributes attributes) {
                    return visit(path, attributes);
                }

                @Override
                public FileVisitResult visitFile(Path path, BasicFileAttributes attributes) {
                    return visit(path, attributes);
                }

                @Override
                public FileVisitResult visitFileFailed(Path path, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                private FileVisitResult visit(Path path, BasicFileAttributes attributes) {
                    if (++seen[0] > maxEntries) {
                        return FileVisitResult.TERMINATE;
                    }
                    if (!attributes.isSymbolicLink() && (mode(path) & SET_ID_BITS) != 0) {
                        found.add(path);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // the directory went away: nothing left to clear
        }
        return found;
    }

    static int mode(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Clears one file's bits. A root JVM does it as the session's user, so that a path swapped for a symbolic link
     * meanwhile can only lead to that user's own files; otherwise the JVM is that user already.
     */
    private static void clear(Path path, HostUser user) {
        try {
            if (user.switched()) {
                List<String> command = new ArrayList<>(user.switchCommand());
                command.addAll(List.of("/usr/bin/chmod", "ug-s", "--", path.toString()));
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                process.waitFor(10, TimeUnit.SECONDS);
            } else {
                PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS);
                Set<PosixFilePermission> permissions = view.readAttributes().permissions();
                view.setPermissions(permissions); // chmod with the rwx bits only: the set-ID bits go
            }
        } catch (IOException e) {
            // gone meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
