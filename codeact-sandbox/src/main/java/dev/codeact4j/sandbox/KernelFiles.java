package dev.codeact4j.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel sources, shipped as resources in the jar and written once to a directory named after their
 * content, so that every session of every JVM on the machine mounts the same read-only copy.
 */
final class KernelFiles {
    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    private KernelFiles() {
    }

    /** The kernel source {@code resource} (see {@link KernelDescription#resource()}) on the host's file system. */
    static Path kernel(String resource) {
        return EXTRACTED.computeIfAbsent(resource, KernelFiles::extract);
    }

    private static Path extract(String resource) {
        try (InputStream in = KernelFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the kernel resource " + resource + " is missing from the jar");
            }
            return publish(Path.of(System.getProperty("java.io.tmpdir")), "codeact-kernel-",
                    Path.of(resource).getFileName().toString(), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kernel to a temporary directory: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code content} to {@code prefix + its digest / name} under {@code parent}, readable by every
     * user (sessions may run as another one) and writable by this one only, and returns the file. An existing copy
     * is used only when it is this user's, nobody else may write to it, and it holds exactly this content: a copy
     * planted by another local user would otherwise become part of the sandbox.
     */
    static Path publish(Path parent, String prefix, String name, byte[] content) throws IOException {
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path dir = parent.resolve(prefix + digest);
        try {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (FileAlreadyExistsException e) {
            // an earlier run's, or another JVM's: used only if it is trusted
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !trusted(dir)) {
            dir = Files.createTempDirectory(parent, prefix + digest + "-"); // not ours: a private copy instead
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && trusted(file)
                && Arrays.equals(Files.readAllBytes(file), content)) {
            return file;
        }
        Path temporary = Files.createTempFile(dir, name, ".tmp");
        Files.write(temporary, content);
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** Owned by this process's user, and writable by nobody else. */
    private static boolean trusted(Path path) throws IOException {
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return owner == HostUser.current().uid() && (mode & 0022) == 0;
    }
}
