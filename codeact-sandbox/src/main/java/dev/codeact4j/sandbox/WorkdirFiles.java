package dev.codeact4j.sandbox;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static dev.codeact4j.sandbox.SessionFileException.Reason.INVALID_PATH;
import static dev.codeact4j.sandbox.SessionFileException.Reason.NOT_A_FILE;
import static dev.codeact4j.sandbox.SessionFileException.Reason.NOT_FOUND;
import static dev.codeact4j.sandbox.SessionFileException.Reason.TOO_LARGE;

/**
 * {@link SessionFiles} of a local session. The working directory belongs to the code, which may put a symbolic link
 * anywhere in it at any moment, and this JVM may be root: so no path is ever resolved from the top. Each directory
 * on the way is opened relative to the one before with {@code O_NOFOLLOW} ({@code openat}), so a link is refused
 * wherever it is and whenever it appeared; the last name is created, renamed or removed relative to the open
 * directory ({@code mkdirat}, {@code renameat}, {@code unlinkat}). The JDK has no such calls but for listing and
 * removing ({@link SecureDirectoryStream}, used for those), so the others are the C library's, through JNA as the
 * syscall filter's are. An open file descriptor is handed to Java by opening {@code /proc/self/fd/N}, which is that
 * very file, not a path looked up again.
 */
final class WorkdirFiles implements SessionFiles {
    private static final LibC LIBC = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
    /** Where a write is made before it is renamed into place; the code sees it, briefly, as a hidden file. */
    private static final String UPLOAD_PREFIX = ".codeact-upload-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path workdir;
    private final HostUser user;
    private final long maxFileBytes;
    /** The session's disk in MB when it has one of its own (for the message when it is full), else 0. */
    private final int diskMb;

    WorkdirFiles(Path workdir, HostUser user, int maxFileSizeMb, int diskMb) {
        this.workdir = workdir;
        this.user = user;
        this.maxFileBytes = (long) maxFileSizeMb * 1024 * 1024;
        this.diskMb = diskMb;
    }

    @Override
    public List<FileInfo> list(int max) {
        List<FileInfo> found = new ArrayList<>();
        if (max <= 0) {
            return found;
        }
        try (DirectoryStream<Path> top = Files.newDirectoryStream(workdir)) {
            walk(secure(top), "", 1, max, found);
        } catch (IOException e) {
            throw failed("list the files", e);
        }
        return found;
    }

    private static void walk(SecureDirectoryStream<Path> dir, String prefix, int depth, int max, List<FileInfo> found)
            throws IOException {
        List<Path> names = new ArrayList<>();
        for (Path entry : dir) {
            names.add(entry.getFileName());
        }
        names.sort(null);
        for (Path name : names) {
            if (found.size() >= max) {
                return;
            }
            BasicFileAttributes attributes;
            try {
                attributes = dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .readAttributes();
            } catch (IOException gone) {
                continue; // removed by the code meanwhile
            }
            String path = prefix + name;
            if (attributes.isRegularFile()) {
                found.add(new FileInfo(path, attributes.size(), attributes.lastModifiedTime().toInstant()));
            } else if (attributes.isDirectory() && depth < MAX_DEPTH) {
                try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    walk(child, path + "/", depth + 1, max, found);
                } catch (FileSystemException changed) {
                    // swapped for a link or removed since it was read: not a directory of the listing any more
                }
            }
        }
    }

    @Override
    public InputStream read(String path) {
        List<String> names = names(path);
        int dir = openDirectory(path, names, false);
        try {
            int fd = LIBC.openat(dir, last(names), LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            if (fd < 0) {
                throw refused(path, path, Native.getLastError());
            }
            try {
                // Non-blocking, so that a named pipe put there cannot hold the caller: it is refused here instead.
                BasicFileAttributes attributes = Files.readAttributes(descriptor(fd), BasicFileAttributes.class);
                if (!attributes.isRegularFile()) {
                    throw notAFile(path, attributes);
                }
                return Files.newInputStream(descriptor(fd));
            } catch (IOException e) {
                throw failed("read " + path, e);
            } finally {
                LIBC.close(fd);
            }
        } finally {
            LIBC.close(dir);
        }
    }

    @Override
    public FileInfo write(String path, InputStream content) {
        List<String> names = names(path);
        int dir = openDirectory(path, names, true);
        String upload = UPLOAD_PREFIX + HexFormat.of().formatHex(randomBytes());
        boolean placed = false;
        try {
            int fd = LIBC.openat(dir, upload,
                    LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0644);
            if (fd < 0) {
                throw refused(path, parent(path), Native.getLastError());
            }
            try {
                giveToUser(fd, path);
                copy(content, fd, path);
                if (LIBC.renameat(dir, upload, dir, last(names)) < 0) {
                    throw refused(path, path, Native.getLastError());
                }
                placed = true;
                BasicFileAttributes attributes = Files.readAttributes(descriptor(fd), BasicFileAttributes.class);
                return new FileInfo(String.join("/", names), attributes.size(), attributes.lastModifiedTime().toInstant());
            } catch (IOException e) {
                throw failed("write " + path, e);
            } finally {
                LIBC.close(fd);
            }
        } finally {
            if (!placed) {
                LIBC.unlinkat(dir, upload, 0);
            }
            LIBC.close(dir);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** Copies the content into the open file, within the file size limit and the disk's room. */
    private void copy(InputStream content, int fd, String path) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = content.read(buffer)) > 0) {
            total += read;
            if (total > maxFileBytes) {
                throw new SessionFileException(TOO_LARGE, path + ": the file is larger than the session's file size "
                        + "limit of " + maxFileBytes / (1024 * 1024) + " MB; open a session with a larger maxFileSizeMb");
            }
            int offset = 0;
            while (offset < read) {
                byte[] chunk = offset == 0 ? buffer : Arrays.copyOfRange(buffer, offset, read);
                long written = LIBC.write(fd, chunk, new NativeLong(read - offset)).longValue();
                if (written < 0) {
                    int errno = Native.getLastError();
                    if (errno == LibC.ENOSPC || errno == LibC.EDQUOT || errno == LibC.EFBIG) {
                        throw new SessionFileException(TOO_LARGE, path + ": " + (diskMb > 0
                                ? "the session's disk is full (it holds " + diskMb + " MB for the working directory "
                                + "and /tmp together); delete files, or open a session with more disk"
                                : "no space left for it on the disk of the working directory"));
                    }
                    throw new IOException(strerror(errno));
                }
                offset += (int) written;
            }
        }
    }

    @Override
    public void delete(String path) {
        List<String> names = names(path);
        int dir = openDirectory(path, names, false);
        try {
            if (LIBC.unlinkat(dir, last(names), 0) == 0) {
                return;
            }
            int errno = Native.getLastError();
            if (errno != LibC.EISDIR) {
                throw refused(path, path, errno);
            }
            try (DirectoryStream<Path> parent = Files.newDirectoryStream(descriptor(dir))) {
                SecureDirectoryStream<Path> secure = secure(parent);
                Path name = Path.of(last(names));
                try (SecureDirectoryStream<Path> tree = secure.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(tree, path, 1);
                }
                secure.deleteDirectory(name);
            } catch (IOException e) {
                throw failed("delete " + path, e);
            }
        } finally {
            LIBC.close(dir);
        }
    }

    private static void deleteTree(SecureDirectoryStream<Path> dir, String path, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new SessionFileException(NOT_A_FILE, path + " is more than " + MAX_DEPTH + " directories deep; "
                    + "delete it with code in the session");
        }
        List<Path> names = new ArrayList<>();
        for (Path entry : dir) {
            names.add(entry.getFileName());
        }
        for (Path name : names) {
            BasicFileAttributes attributes = dir.getFileAttributeView(name, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (attributes.isDirectory()) {
                try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(child, path, depth + 1);
                }
                dir.deleteDirectory(name);
            } else {
                dir.deleteFile(name); // a link goes, not what it points at
            }
        }
    }

    /**
     * Opens the directory holding the path's last name, one name at a time from the working directory without
     * following links; with {@code create}, the missing ones are made (and given to the session's user).
     */
    private int openDirectory(String path, List<String> names, boolean create) {
        int fd = LIBC.open(workdir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new SandboxException("cannot open the session's working directory " + workdir + " ("
                    + strerror(Native.getLastError()) + "); is the session closed?");
        }
        for (int i = 0; i < names.size() - 1; i++) {
            String name = names.get(i);
            String reached = String.join("/", names.subList(0, i + 1));
            int next = openSubdirectory(fd, name);
            if (next < 0 && Native.getLastError() == LibC.ENOENT && create) {
                if (LIBC.mkdirat(fd, name, 0755) < 0 && Native.getLastError() != LibC.EEXIST) {
                    int errno = Native.getLastError();
                    LIBC.close(fd);
                    throw refused(path, reached, errno);
                }
                next = openSubdirectory(fd, name);
                if (next >= 0) {
                    try {
                        giveToUser(next, path);
                    } catch (RuntimeException e) {
                        LIBC.close(next);
                        LIBC.close(fd);
                        throw e;
                    }
                }
            }
            if (next < 0) {
                int errno = Native.getLastError();
                // O_DIRECTORY answers a link with ENOTDIR: say which it is (the refusal stands either way).
                if (errno == LibC.ENOTDIR && Files.isSymbolicLink(descriptor(fd).resolve(name))) {
                    errno = LibC.ELOOP;
                }
                LIBC.close(fd);
                throw refused(path, reached, errno);
            }
            LIBC.close(fd);
            fd = next;
        }
        return fd;
    }

    private static int openSubdirectory(int dir, String name) {
        return LIBC.openat(dir, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
    }

    /** Hands what the host made to the user the code runs as (a root JVM's files would be root's otherwise). */
    private void giveToUser(int fd, String path) {
        if (user.switched() && LIBC.fchown(fd, user.uid(), user.gid()) < 0) {
            throw new SandboxException("cannot give " + path + " to " + user.describe() + ": "
                    + strerror(Native.getLastError()));
        }
    }

    /** The path's names, or a refusal saying what is wrong with it. */
    static List<String> names(String path) {
        if (path == null || path.isEmpty()) {
            throw new SessionFileException(INVALID_PATH, "the path is empty: name a file relative to the working "
                    + "directory, such as data/prices.csv");
        }
        if (path.startsWith("/")) {
            throw new SessionFileException(INVALID_PATH, path + ": an absolute path; name the file relative to the "
                    + "working directory, such as data/prices.csv");
        }
        if (path.indexOf('\0') >= 0 || path.getBytes(StandardCharsets.UTF_8).length > 4000) {
            throw new SessionFileException(INVALID_PATH, "the path holds a NUL character or is longer than 4000 bytes");
        }
        List<String> names = List.of(path.split("/", -1));
        for (String name : names) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                throw new SessionFileException(INVALID_PATH, path + ": " + (name.isEmpty() ? "an empty name (//, or "
                        + "a / at the end)" : "'" + name + "'") + " is not allowed in a path; name the file by its "
                        + "path under the working directory, such as data/prices.csv");
            }
        }
        return names;
    }

    private static String last(List<String> names) {
        return names.get(names.size() - 1);
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "the working directory" : path.substring(0, slash);
    }

    /** The failure of a system call on {@code reached}, a part of {@code path}, as what it means to the caller. */
    private static SessionFileException refused(String path, String reached, int errno) {
        String where = reached.equals(path) ? path : path + ": " + reached;
        return switch (errno) {
            case LibC.ELOOP -> new SessionFileException(INVALID_PATH, where + " is a symbolic link; the files API does "
                    + "not follow links, which could lead out of the working directory");
            case LibC.ENOTDIR -> new SessionFileException(INVALID_PATH, where + " is not a directory");
            case LibC.ENOENT -> new SessionFileException(NOT_FOUND, where + ": no such file in the working directory");
            case LibC.EISDIR, LibC.ENOTEMPTY, LibC.EEXIST -> new SessionFileException(NOT_A_FILE,
                    where + " is a directory");
            case LibC.ENAMETOOLONG -> new SessionFileException(INVALID_PATH, where + ": a name is too long");
            case LibC.ENOSPC, LibC.EDQUOT -> new SessionFileException(TOO_LARGE, where + ": no space left on the "
                    + "session's disk");
            default -> new SessionFileException(INVALID_PATH, where + ": " + strerror(errno));
        };
    }

    private static SessionFileException notAFile(String path, BasicFileAttributes attributes) {
        return new SessionFileException(NOT_A_FILE, path + (attributes.isDirectory()
                ? " is a directory; list the files to see what it holds" : " is not a regular file (a pipe or a socket)"));
    }

    private static SandboxException failed(String what, IOException e) {
        return new SandboxException("cannot " + what + " in the session's working directory: " + e.getMessage(), e);
    }

    /** The JDK's secure stream (openat-relative), which Linux always has; refusing beats a silent fallback. */
    @SuppressWarnings("unchecked")
    private static SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) {
        if (stream instanceof SecureDirectoryStream<?> secure) {
            return (SecureDirectoryStream<Path>) secure;
        }
        throw new UncheckedIOException(new IOException("this JVM cannot list a directory relative to an open one"));
    }

    /** The file an open descriptor refers to, for Java to open or read: the very file, whatever its name now is. */
    private static Path descriptor(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    private static String strerror(int errno) {
        return LIBC.strerror(errno) + " (errno " + errno + ")";
    }

    /**
     * The C library's calls relative to an open directory. The flags are Linux's; ARM numbers two of them
     * differently from x86 and most others.
     */
    interface LibC extends Library {
        int O_RDONLY = 0;
        int O_WRONLY = 01;
        int O_CREAT = 0100;
        int O_EXCL = 0200;
        int O_NONBLOCK = 04000;
        int O_CLOEXEC = 02000000;
        int O_DIRECTORY = Platform.isARM() ? 040000 : 0200000;
        int O_NOFOLLOW = Platform.isARM() ? 0100000 : 0400000;

        int ENOENT = 2;
        int EEXIST = 17;
        int ENOTDIR = 20;
        int EISDIR = 21;
        int EFBIG = 27;
        int ENOSPC = 28;
        int ENAMETOOLONG = 36;
        int ENOTEMPTY = 39;
        int ELOOP = 40;
        int EDQUOT = 122;

        int open(String path, int flags, int mode);

        int openat(int dirfd, String path, int flags, int mode);

        int mkdirat(int dirfd, String path, int mode);

        int renameat(int olddirfd, String oldpath, int newdirfd, String newpath);

        int unlinkat(int dirfd, String path, int flags);

        int fchown(int fd, int owner, int group);

        NativeLong write(int fd, byte[] buffer, NativeLong count);

        int close(int fd);

        String strerror(int errnum);
    }
}
