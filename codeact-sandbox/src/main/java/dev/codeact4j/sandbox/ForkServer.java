package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Python that has imported a preload profile's modules once and forks every new session from there: a session is
 * ready in milliseconds and shares the profile's pages with its siblings (see {@code forkserver.py}, which each child
 * runs to make itself a full sandbox before any code of the user's).
 *
 * <p>The server runs in a bubblewrap sandbox of its own, as the sessions' user, without network; it holds no secret
 * and no user state. Its directory on the host:
 * <pre>
 * codeact-fork-XXXX/        owned by the sessions' user, mode 0700 ({@value #INSIDE} inside)
 *   owner                    the JVM's PID and start time, for the cleanup after a killed JVM
 *   config.json, seccomp.bpf the server's configuration and the sessions' syscall filter
 *   passwd, group, hosts     the sandbox's user database
 *   fork.sock                where the server listens for sessions to make
 *   s/                       the sessions' directories ({@link SessionDirectory}); with root, a shared mount, so
 *                            that the disk images mounted there later reach the server's mount namespace
 * </pre>
 */
final class ForkServer implements AutoCloseable {
    static final String PREFIX = "codeact-fork-";
    /** Where the server's directory is inside its sandbox. */
    static final String INSIDE = "/run/codeact-forkserver";
    /** Where the server's own code is inside its sandbox. */
    static final String CODE_DIR = "/opt/codeact-forkserver";
    static final String CONFIG_NAME = "config.json";
    private static final String SOCKET_NAME = "fork.sock";
    private static final String SESSIONS = "s";
    private static final String FAILURE_PREFIX = "codeact-forkserver: ";
    private static final String SERVER_RESOURCE = "kernels/python/forkserver.py";
    private static final int DIAGNOSTIC_CHARS = 4000;
    /** The longest path a Unix socket may have (sun_path's 108 bytes, less the terminating zero). */
    static final int MAX_SOCKET_PATH = 107;

    private final Path dir;
    private final Process process;
    /** The host PID of the shell that starts the server again when it dies; its child is the server. */
    private volatile long shellPid;
    private final boolean sharedMount;
    /** The sandboxes' watchdog scheduler: a spawn that hangs is cut off at its deadline. */
    private final ScheduledExecutorService watchdogs;
    private final AtomicInteger forks = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final StringBuilder recentStderr = new StringBuilder();
    private volatile Runnable onRetiredClose;

    private ForkServer(ScheduledExecutorService watchdogs, Path dir, Process process, boolean sharedMount) {
        this.watchdogs = watchdogs;
        this.dir = dir;
        this.process = process;
        this.sharedMount = sharedMount;
    }

    /** A newly made session: its init's host PID, and the connection that carries what its processes write. */
    record Spawned(long initPid, SocketChannel output) {
    }

    /** Why a session with this policy cannot come from a fork server, or empty when it can. */
    static Optional<String> unfit(LocalSandbox sandbox, SandboxPolicy policy) {
        if (sandbox.isolation() != Isolation.BUBBLEWRAP) {
            return Optional.of("sessions without a sandbox are started plainly");
        }
        if (policy.language() != Language.PYTHON) {
            return Optional.of(policy.language().id() + " sessions have no fork server yet");
        }
        if (policy.network() || !policy.allowHosts().isEmpty()) {
            return Optional.of("the policy allows network access, which the fork server's sandbox has not");
        }
        if (policy.workdir() != null) {
            return Optional.of("the policy names a working directory, which the fork server's sandbox cannot reach");
        }
        if (!policy.data().isEmpty()) {
            return Optional.of("the policy mounts data, which the fork server's sandbox cannot reach");
        }
        if (!policy.environment().isEmpty()) {
            return Optional.of("the policy sets environment variables, which the fork server's modules were imported without");
        }
        if (!sandbox.forkServerEnabled()) {
            return Optional.of("the fork server is turned off");
        }
        return Optional.empty();
    }

    /**
     * Starts a server with {@code preload} imported and waits until it listens. {@code environment} is the sessions'
     * (the same for every session it makes: see {@link #unfit}).
     */
    static ForkServer start(LocalSandbox sandbox, KernelDescription kernel, HostUser user, List<String> preload,
                            Map<String, String> environment, long tmpfsBytes, Duration timeout) {
        Path dir = null;
        Process process = null;
        boolean shared = false;
        try {
            dir = Files.createTempDirectory(PREFIX);
            Files.writeString(dir.resolve("owner"), SessionDirectory.ownerLine(ProcessHandle.current()));
            Path sessions = Files.createDirectory(dir.resolve(SESSIONS));
            Files.write(dir.resolve("seccomp.bpf"), Files.readAllBytes(SyscallFilter.compiled()));
            ObjectNode config = FrameChannel.JSON.createObjectNode()
                    .put("kernel", Bubblewrap.KERNEL_DIR + "/" + KernelFiles.kernel(kernel.resource()).getFileName())
                    .put("socket", INSIDE + "/" + SOCKET_NAME)
                    .put("seccomp", INSIDE + "/seccomp.bpf")
                    .put("sessions", INSIDE + "/" + SESSIONS)
                    .put("hide", INSIDE)
                    .put("control", Bubblewrap.CONTROL_DIR)
                    .put("workdir", Bubblewrap.WORKDIR)
                    .put("uid", Bubblewrap.SANDBOX_UID)
                    .put("gid", Bubblewrap.SANDBOX_UID);
            preload.forEach(config.putArray("preload")::add);
            Files.writeString(dir.resolve(CONFIG_NAME), FrameChannel.JSON.writeValueAsString(config));
            for (Path path : List.of(dir, sessions)) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path path : files) {
                    if (user.switched()) {
                        Files.setAttribute(path, "unix:uid", user.uid());
                        Files.setAttribute(path, "unix:gid", user.gid());
                    }
                }
            }
            if (user.switched()) {
                Files.setAttribute(dir, "unix:uid", user.uid());
                Files.setAttribute(dir, "unix:gid", user.gid());
            }
            if (sandbox.diskImages()) {
                // Disk images are mounted under sessions/ after the server has made its mount namespace: a shared
                // mount hands them on to it (and from it to the session that binds one).
                SessionDirectory.DiskImage.run(List.of("/usr/bin/mount", "--bind", sessions.toString(), sessions.toString()));
                shared = true;
                SessionDirectory.DiskImage.run(List.of("/usr/bin/mount", "--make-shared", sessions.toString()));
            }
            List<String> command = new ArrayList<>();
            if (user.switched()) {
                command.addAll(user.switchCommand());
            }
            command.addAll(Bubblewrap.forkServerCommand(sandbox.bubblewrap(), kernel, KernelFiles.kernel(kernel.resource()),
                    KernelFiles.kernel(SERVER_RESOURCE), dir, tmpfsBytes, environment));
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().put("PATH", "/usr/bin:/bin");
            process = builder.start();
            ForkServer server = new ForkServer(sandbox.scheduler(), dir, process, shared);
            Process started = process;
            Thread.ofVirtual().name("codeact-forkserver-output").start(() -> server.drain(started.getInputStream()));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(dir.resolve(SOCKET_NAME))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new SandboxException("the fork server did not start"
                            + (process.isAlive() ? " within " + timeout.toSeconds() + " s" : "")
                            + (server.recentStderr().isEmpty() ? "" : ": " + server.recentStderr()));
                }
                Thread.sleep(5);
            }
            server.shellPid = shellPid(process);
            return server;
        } catch (IOException e) {
            stop(process, dir, shared);
            throw new SandboxException("cannot start the fork server: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(process, dir, shared);
            throw new SandboxException("interrupted while starting the fork server", e);
        } catch (RuntimeException e) {
            stop(process, dir, shared);
            throw e;
        }
    }

    /** The sandbox's supervising shell: the child of bubblewrap's init, which is the child of bubblewrap. */
    private static long shellPid(Process process) throws IOException {
        List<Long> init = ProcFs.children(process.pid());
        List<Long> shell = init.isEmpty() ? List.of() : ProcFs.children(init.get(0));
        if (shell.isEmpty()) {
            throw new IOException("the fork server's sandbox has no shell");
        }
        return shell.get(0);
    }

    /** Where new sessions' directories go (see {@link SessionDirectory#take}). */
    Path sessionsDirectory() {
        return dir.resolve(SESSIONS);
    }

    int forks() {
        return forks.get();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Makes a session: its directories are {@code files} (under {@link #sessionsDirectory()}), its kernel connects to
     * {@code files.control()}'s socket once it runs. The session's init is moved into {@code cgroup} before it goes on.
     */
    Spawned spawn(SessionDirectory files, long tmpfsBytes, Map<String, String> environment, Cgroups.Group cgroup,
                  Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel channel = connect(deadline);
        forks.incrementAndGet();
        ScheduledFuture<?> watchdog = watchdogs.schedule(() -> close(channel),
                Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
        try {
            Path sessions = sessionsDirectory();
            ObjectNode request = FrameChannel.JSON.createObjectNode()
                    .put("control", sessions.relativize(files.control()).toString())
                    .put("work", sessions.relativize(files.work()).toString())
                    .put("tmpBytes", tmpfsBytes)
                    .put("socket", Bubblewrap.CONTROL_DIR + "/" + KernelProcess.SOCKET_NAME)
                    .put("configFile", Bubblewrap.CONTROL_DIR + "/" + KernelProcess.CONFIG_NAME);
            files.tmp().ifPresent(tmp -> request.put("tmp", sessions.relativize(tmp).toString()));
            environment.forEach(request.putObject("environment")::put);
            write(channel, FrameChannel.JSON.writeValueAsString(request) + "\n");
            InputStream in = Channels.newInputStream(channel);
            String line = readLine(in);
            if (!line.startsWith("forked ")) {
                throw new IOException(line.startsWith(FAILURE_PREFIX) ? line.substring(FAILURE_PREFIX.length())
                        : line.isEmpty() ? "the fork server closed the connection" + diagnostics() : "the fork server said: " + line);
            }
            long intermediate = hostPid(Long.parseLong(line.substring("forked ".length()).trim()));
            List<Long> init = ProcFs.children(intermediate);
            if (init.size() != 1) {
                throw new IOException("the fork server's child has " + init.size() + " children, not the session's init");
            }
            if (cgroup != null) {
                for (Path procs : cgroup.procsFiles()) {
                    Files.writeString(procs, Long.toString(init.get(0)));
                }
            }
            write(channel, "go\n");
            return new Spawned(init.get(0), channel);
        } catch (IOException | RuntimeException e) {
            close(channel);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } finally {
            watchdog.cancel(false);
        }
    }

    /** Connects to the server; while it is being started again (it died), the socket refuses and this retries. */
    private SocketChannel connect(long deadline) throws IOException {
        while (true) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(dir.resolve(SOCKET_NAME)));
                return channel;
            } catch (IOException e) {
                close(channel);
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("cannot reach the fork server: " + e.getMessage() + diagnostics(), e);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the fork server", interrupted);
                }
            }
        }
    }

    /** The host PID of the server's child that its PID namespace numbers {@code pid}. */
    private long hostPid(long pid) throws IOException {
        for (long server : ProcFs.children(shellPid)) {
            for (long child : ProcFs.children(server)) {
                List<Long> ids = ProcFs.namespacePids(child);
                if (ids.size() >= 2 && ids.get(1) == pid) {
                    return child;
                }
            }
        }
        throw new IOException("the fork server's child " + pid + " is not among its children");
    }

    /**
     * A session takes this server: its directory goes in the server's, and its interpreters come from it (or, once
     * the server has died, start plainly in that directory). The server's directory stays until every session has
     * {@linkplain #release() released} it.
     */
    void acquire() {
        open.incrementAndGet();
    }

    /** A session of this server has ended and its directory is gone. */
    void release() {
        Runnable closed = onRetiredClose;
        if (open.decrementAndGet() == 0 && closed != null) {
            close();
            closed.run();
        }
    }

    /**
     * No more sessions for this server (it made its share, or it died): it stops once the last of its sessions has
     * ended, then runs {@code closed}.
     */
    void retire(Runnable closed) {
        onRetiredClose = closed;
        if (open.get() == 0) {
            close();
            closed.run();
        }
    }

    private String diagnostics() {
        String text = recentStderr();
        return text.isEmpty() ? "" : " (the fork server said: " + text + ")";
    }

    String recentStderr() {
        synchronized (recentStderr) {
            return recentStderr.toString().strip();
        }
    }

    private void drain(InputStream stream) {
        byte[] buffer = new byte[8192];
        try (stream) {
            int read;
            while ((read = stream.read(buffer)) > 0) {
                synchronized (recentStderr) {
                    recentStderr.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                    if (recentStderr.length() > DIAGNOSTIC_CHARS) {
                        recentStderr.delete(0, recentStderr.length() - DIAGNOSTIC_CHARS);
                    }
                }
            }
        } catch (IOException ignored) {
            // the server is gone
        }
    }

    /** Stops the server and every session it made (they live in its sandbox's PID namespace), and removes its files. */
    @Override
    public void close() {
        stop(process, dir, sharedMount);
    }

    private static void stop(Process process, Path dir, boolean sharedMount) {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dir != null) {
            removeDirectory(dir, sharedMount);
        }
    }

    private static void removeDirectory(Path dir, boolean sharedMount) {
        Path sessions = dir.resolve(SESSIONS);
        try (DirectoryStream<Path> each = Files.newDirectoryStream(sessions)) {
            for (Path session : each) {
                SessionDirectory.remove(session);
            }
        } catch (IOException | RuntimeException e) {
            // none, or gone already
        }
        if (sharedMount || SessionDirectory.DiskImage.isMountPoint(sessions)) {
            SessionDirectory.DiskImage.unmount(sessions);
        }
        LocalSandbox.deleteRecursively(dir);
    }

    /** Removes the directories of fork servers whose JVM is gone (see {@link SessionDirectory#removeAbandoned}). */
    static void removeAbandoned() {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && SessionDirectory.abandoned(dir)) {
                    removeDirectory(dir, false);
                }
            }
        } catch (IOException | RuntimeException e) {
            // nothing to sweep, or not ours to read
        }
    }

    private static void write(SocketChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** One line, byte by byte: what follows it on the connection is the session's output, read by someone else. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (line.length() > 4000) {
                throw new IOException("the fork server sent a line of more than 4000 bytes");
            }
            line.append((char) b);
        }
        return line.toString();
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    /** What this JVM reads of other processes in /proc. */
    static final class ProcFs {
        private ProcFs() {
        }

        /** The children of a process's main thread (every process this code asks about is single-threaded). */
        static List<Long> children(long pid) {
            try {
                String text = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).strip();
                List<Long> result = new ArrayList<>();
                if (!text.isEmpty()) {
                    for (String id : text.split("\\s+")) {
                        result.add(Long.parseLong(id));
                    }
                }
                return result;
            } catch (IOException | RuntimeException e) {
                return List.of();
            }
        }

        /** A process's PID in each PID namespace it is in, the host's first (the NSpid line of its status). */
        static List<Long> namespacePids(long pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("NSpid:")) {
                        List<Long> ids = new ArrayList<>();
                        for (String id : line.substring("NSpid:".length()).trim().split("\\s+")) {
                            ids.add(Long.parseLong(id));
                        }
                        return ids;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone
            }
            return List.of();
        }

        /** Whether a process exists and is not a zombie waiting to be reaped. */
        static boolean isRunning(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                int end = stat.lastIndexOf(')');
                return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) != 'Z';
            } catch (IOException e) {
                return false;
            }
        }
    }
}
