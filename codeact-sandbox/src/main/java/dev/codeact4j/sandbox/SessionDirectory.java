package dev.codeact4j.sandbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's files on the host, in one directory that lives as long as the session:
 * <pre>
 * codeact-session-XXXX/      owned by the session's user, mode 0700: no other local user can reach inside
 *   owner                    the JVM's PID and start time, so that a later JVM can clean up after a killed one
 *   control/                 the kernel's socket, config and user database (/run/codeact inside)
 *   disk.img + disk/         with root: an ext4 image of diskMb mounted nosuid,nodev at disk/, holding
 *     work/ tmp/             the private working directory and /tmp, so that both share the one bound
 *   work/                    without root: the private working directory (its /tmp is a tmpfs of diskMb)
 * </pre>
 */
final class SessionDirectory implements AutoCloseable {
    static final String PREFIX = "codeact-session-";

    /** The names of the directories made in fork servers' sessions directories (see {@link #numbered}). */
    private static final AtomicLong NUMBERS = new AtomicLong();

    private final Path root;
    private final Path work;
    private final Path tmp;
    private final boolean mounted;

    private SessionDirectory(Path root, Path work, Path tmp, boolean mounted) {
        this.root = root;
        this.work = work;
        this.tmp = tmp;
        this.mounted = mounted;
    }

    /**
     * The directory for a new session run by {@code user}, on a disk image of {@code diskMb} when {@code diskImage}
     * is set. Making and mounting an image takes about 15 ms, so once a JVM has started a second session, one is
     * made ahead in the background for the next (the first session of a short-lived CLI does not pay for a spare).
     */
    static SessionDirectory take(HostUser user, int diskMb, boolean diskImage, Path parent) {
        if (!diskImage) {
            return create(user, diskMb, false, parent);
        }
        Kind kind = new Kind(user, diskMb, parent);
        SessionDirectory spare = Spares.take(kind);
        SessionDirectory taken = spare != null ? spare : create(user, diskMb, true, parent);
        if (spare != null || Spares.TAKEN.incrementAndGet() > 1) {
            Spares.refill(kind);
        }
        return taken;
    }

    /** Removes the directories made ahead (at the JVM's exit). */
    static void removeSpares() {
        Spares.removeAll();
    }

    /** What a spare directory must match to serve a session. */
    private record Kind(HostUser user, int diskMb, Path parent) {
    }

    /** At most one directory made ahead per kind; none once the JVM is exiting. */
    private static final class Spares {
        static final AtomicInteger TAKEN = new AtomicInteger();
        private static final Map<Kind, SessionDirectory> READY = new HashMap<>();
        private static boolean closed;

        static synchronized SessionDirectory take(Kind kind) {
            return READY.remove(kind);
        }

        static void refill(Kind kind) {
            Thread.ofVirtual().name("codeact-spare-disk").start(() -> {
                SessionDirectory made;
                try {
                    made = create(kind.user(), kind.diskMb(), true, kind.parent());
                } catch (RuntimeException e) {
                    return; // the next session makes its own, and says what is wrong
                }
                if (!offer(kind, made)) {
                    made.close();
                }
            });
        }

        private static synchronized boolean offer(Kind kind, SessionDirectory made) {
            return !closed && READY.putIfAbsent(kind, made) == null;
        }

        static void removeAll() {
            List<SessionDirectory> spares;
            synchronized (Spares.class) {
                closed = true;
                spares = List.copyOf(READY.values());
                READY.clear();
            }
            spares.forEach(SessionDirectory::close);
        }
    }

    private static SessionDirectory create(HostUser user, int diskMb, boolean diskImage, Path parent) {
        Path root = null;
        try {
            root = parent == null ? Files.createTempDirectory(PREFIX) : numbered(parent);
            Files.writeString(root.resolve("owner"), ownerLine(ProcessHandle.current()));
            Files.createDirectory(root.resolve("control"));
            Path work;
            Path tmp = null;
            if (diskImage) {
                Path disk = root.resolve("disk");
                Files.createDirectory(disk);
                DiskImage.mount(root.resolve("disk.img"), disk, diskMb, user);
                work = Files.createDirectory(disk.resolve("work"));
                tmp = Files.createDirectory(disk.resolve("tmp"));
                giveTo(user, work, tmp);
            } else {
                work = Files.createDirectory(root.resolve("work"));
            }
            giveTo(user, root, root.resolve("control"), work);
            return new SessionDirectory(root, work, tmp, diskImage);
        } catch (IOException | RuntimeException e) {
            if (root != null) {
                remove(root);
            }
            throw new SandboxException("cannot prepare the session's directory: " + e.getMessage(), e);
        }
    }

    /**
     * A new directory in a fork server's sessions directory, named by a number: the kernel's socket in it must stay
     * within a Unix socket path's 108 bytes, so the name is as short as it can be (the server's directory is private).
     */
    private static Path numbered(Path parent) throws IOException {
        while (true) {
            try {
                return Files.createDirectory(parent.resolve(Long.toString(NUMBERS.incrementAndGet(), 36)));
            } catch (FileAlreadyExistsException e) {
                // a number taken by a JVM before this one (the directory outlived it): the next
            }
        }
    }

    /** Where the kernel's socket and config go. */
    Path control() {
        return root.resolve("control");
    }

    /** The private working directory. */
    Path work() {
        return work;
    }

    /** The host directory behind the session's /tmp, or empty when /tmp is a size-limited tmpfs. */
    Optional<Path> tmp() {
        return Optional.ofNullable(tmp);
    }

    boolean onDiskImage() {
        return mounted;
    }

    @Override
    public void close() {
        remove(root);
    }

    /** Unmounts the disk if it is mounted, then deletes everything. */
    static void remove(Path root) {
        Path disk = root.resolve("disk");
        if (DiskImage.isMountPoint(disk)) {
            DiskImage.unmount(disk);
        }
        // The owner file goes last: a removal cut short (the JVM halting) leaves a directory the next JVM knows
        // to be abandoned, not one it takes for a session being made.
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
            for (Path child : children) {
                if (!child.getFileName().toString().equals("owner")) {
                    LocalSandbox.deleteRecursively(child);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone already, or not ours to read: what is left is swept later
        }
        LocalSandbox.deleteRecursively(root);
    }

    /**
     * Removes the directories of sessions whose JVM is gone (killed before it could clean up), unmounting their
     * disks. Only directories this process may remove are touched.
     */
    static int removeAbandoned() {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        int removed = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && abandoned(dir)) {
                    remove(dir);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // nothing to sweep, or not ours to read
        }
        return removed;
    }

    static boolean abandoned(Path dir) {
        try {
            String[] owner = Files.readString(dir.resolve("owner")).strip().split(" ");
            Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(owner[0]));
            return process.isEmpty() || !ownerLine(process.get()).strip().equals(String.join(" ", owner));
        } catch (IOException | RuntimeException e) {
            // no owner file yet: a session being made right now, or one from an older codeact; leave it unless old
            try {
                return Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minusSeconds(3600));
            } catch (IOException gone) {
                return false;
            }
        }
    }

    static String ownerLine(ProcessHandle process) {
        long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return process.pid() + " " + started + "\n";
    }

    /** Hands directories to the session's user, private to it. */
    private static void giveTo(HostUser user, Path... dirs) throws IOException {
        for (Path dir : dirs) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            if (user.switched()) {
                Files.setAttribute(dir, "unix:uid", user.uid());
                Files.setAttribute(dir, "unix:gid", user.gid());
            }
        }
    }

    /** An ext4 image in a file, loop-mounted: a disk bound that is not charged to the session's memory. */
    static final class DiskImage {
        private DiskImage() {
        }

        static void mount(Path image, Path mountPoint, int sizeMb, HostUser user) throws IOException {
            try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
                file.setLength((long) sizeMb * 1024 * 1024); // sparse: it takes host disk only as it is used
            }
            run(List.of("/usr/sbin/mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal",
                    "-E", "root_owner=" + user.uid() + ":" + user.gid() + ",lazy_itable_init=1,nodiscard",
                    image.toString()));
            // nosuid and nodev on the host too: nothing written here runs with privileges outside the sandbox.
            run(List.of("/usr/bin/mount", "-o", "loop,nosuid,nodev,noatime", image.toString(), mountPoint.toString()));
        }

        static void unmount(Path mountPoint) {
            try {
                run(List.of("/usr/bin/umount", mountPoint.toString()));
            } catch (IOException e) {
                try {
                    // Still busy (a process not yet reaped): detach now, the kernel frees it when the last user goes.
                    run(List.of("/usr/bin/umount", "--lazy", mountPoint.toString()));
                } catch (IOException ignored) {
                    // left mounted; removeAbandoned() tries again later
                }
            }
        }

        static boolean isMountPoint(Path path) {
            try {
                String target = " " + path.toAbsolutePath().normalize() + " ";
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    // fields: id parent major:minor root mount-point options ...
                    String[] fields = line.split(" ", 6);
                    if (fields.length > 4 && (" " + fields[4] + " ").equals(target)) {
                        return true;
                    }
                }
            } catch (IOException e) {
                return false;
            }
            return false;
        }

        /** Whether this process may make and mount disk images (root, with the tools and a free loop device). */
        static boolean available() {
            if (!HostUser.current().isRoot() || !Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
                    || !Files.isExecutable(Path.of("/usr/bin/mount"))) {
                return false;
            }
            Path probe = null;
            try {
                probe = Files.createTempDirectory("codeact-disk-probe-");
                Path disk = Files.createDirectory(probe.resolve("disk"));
                mount(probe.resolve("disk.img"), disk, 16, HostUser.current());
                unmount(disk);
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            } finally {
                if (probe != null) {
                    if (isMountPoint(probe.resolve("disk"))) {
                        unmount(probe.resolve("disk"));
                    }
                    LocalSandbox.deleteRecursively(probe);
                }
            }
        }

        static void run(List<String> command) throws IOException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(command.get(0) + " did not finish in 30 s");
                }
                if (process.exitValue() != 0) {
                    throw new IOException(String.join(" ", command) + " failed (exit code " + process.exitValue()
                            + ")" + (output.isEmpty() ? "" : ": " + output));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IOException("interrupted while running " + command.get(0), e);
            }
        }
    }
}
