package dev.codeact4j.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The kernel sources, shipped as resources in the jar and written once to a directory named after their
 * content, so that every session of every JVM on the machine mounts the same read-only copy.
 */
final class KernelFiles {
    private static final String PYTHON_KERNEL = "kernels/python/kernel.py";
    private static volatile Path pythonKernel;

    private KernelFiles() {
    }

    /** The Python kernel script on the host's file system. */
    static Path pythonKernel() {
        Path existing = pythonKernel;
        if (existing == null) {
            synchronized (KernelFiles.class) {
                if (pythonKernel == null) {
                    pythonKernel = extract(PYTHON_KERNEL);
                }
                existing = pythonKernel;
            }
        }
        return existing;
    }

    private static Path extract(String resource) {
        try (InputStream in = KernelFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the kernel resource " + resource + " is missing from the jar");
            }
            byte[] content = in.readAllBytes();
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 8);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "codeact-kernel-" + digest);
            Path file = dir.resolve(Path.of(resource).getFileName());
            if (!Files.isRegularFile(file) || Files.size(file) != content.length) {
                Files.createDirectories(dir);
                Path temporary = Files.createTempFile(dir, "kernel", ".tmp");
                Files.write(temporary, content);
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kernel to a temporary directory: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
