package dev.codeact4j.sandbox;

import dev.codeact4j.sandbox.protocol.HostFrame;
import dev.codeact4j.sandbox.protocol.KernelConfig;
import dev.codeact4j.sandbox.protocol.KernelFrame;
import dev.codeact4j.sandbox.protocol.KernelProtocol;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One running interpreter: the OS process (bubblewrap and the kernel inside it), its cgroup, and the frame
 * channel to it. It knows how to start, interrupt and kill; what executions mean is {@link Session}'s job.
 */
final class KernelProcess implements AutoCloseable {
    static final String SOCKET_NAME = "kernel.sock";
    static final String CONFIG_NAME = "config.json";
    /** The host's egress proxy for this session (a Unix socket in the control directory), when hosts are allowed. */
    static final String EGRESS_SOCKET_NAME = "egress.sock";
    /** Where the kernel's relay to the egress proxy listens on the sandbox's own loopback. */
    static final int EGRESS_PORT = 3128;
    private static final int DIAGNOSTIC_CHARS = 4000;
    /** What Python's fault handler adds to a crash's trace that is not the user's (see {@link #recentStderr()}). */
    private static final Pattern EXTENSION_MODULES = Pattern.compile("(?m)^Extension modules: .*\\(total: \\d+\\)\\n?");
    private static final Pattern HOST_FRAMES = Pattern.compile("(?m)^ +File \"" + Bubblewrap.KERNEL_DIR + "[/-].*\\n?");
    /** The last line a forked session's init writes: the kernel's exit status (see forkserver.py). */
    private static final Pattern FORKED_EXIT = Pattern.compile("(?m)^codeact-forkserver: exit (\\d+)\\n?");

    private final OsProcess process;
    private final FrameChannel channel;
    private final Cgroups.Group cgroup;
    private final long kernelPid;
    private final ProcessOutput output;
    private final KernelFrame.Hello hello;
    private final SessionStart howStarted;
    private volatile boolean killed;

    private KernelProcess(OsProcess process, FrameChannel channel, Cgroups.Group cgroup, long kernelPid,
                          ProcessOutput output, KernelFrame.Hello hello, SessionStart howStarted) {
        this.process = process;
        this.hello = hello;
        this.output = output;
        this.channel = channel;
        this.cgroup = cgroup;
        this.kernelPid = kernelPid;
        this.howStarted = howStarted;
    }

    /**
     * Where a session's interpreter runs: its files, its working directory, its user, and its egress; the fork server
     * it comes from (null for a plain start, and then {@code plainBecause} says why).
     */
    record Launch(SessionDirectory files, Path workdir, HostUser user, boolean egress, List<DataMount> dataMounts,
                  ForkServer forkServer, String plainBecause) {
    }

    /**
     * Starts an interpreter and waits until it has said hello (its preloads done): forked from the launch's fork
     * server when it has one, else (or when forking fails) by a bubblewrap of its own.
     */
    static KernelProcess start(LocalSandbox sandbox, SandboxPolicy policy, Launch launch) {
        long started = System.nanoTime();
        String plainBecause = launch.plainBecause();
        if (launch.forkServer() != null && !launch.forkServer().isAlive()) {
            plainBecause = "the fork server this session came from has stopped, so its interpreter was started plainly";
        } else if (launch.forkServer() != null) {
            try {
                return startForked(sandbox, policy, launch, launch.forkServer(), started);
            } catch (ForkFailedException e) {
                plainBecause = "the fork server failed, so the session was started plainly: " + e.getMessage();
            }
        }
        KernelProcess plain = startPlain(sandbox, policy, launch);
        return plain.startedAs(new SessionStart(false, plainBecause, Duration.ofNanos(System.nanoTime() - started)));
    }

    private KernelProcess startedAs(SessionStart how) {
        return new KernelProcess(process, channel, cgroup, kernelPid, output, hello, how);
    }

    /** Forking went wrong before the kernel ran: the session is started plainly instead. */
    private static final class ForkFailedException extends Exception {
        ForkFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static KernelProcess startForked(LocalSandbox sandbox, SandboxPolicy policy, Launch launch,
                                             ForkServer forkServer, long started) throws ForkFailedException {
        KernelDescription kernel = sandbox.kernel(policy.language());
        Cgroups.Group cgroup = null;
        ForkedProcess forked = null;
        try {
            cgroup = sandbox.cgroups().map(c -> c.create(policy.memoryMb(), policy.maxProcesses())).orElse(null);
            try (ServerSocketChannel server = listen(sandbox, policy, launch)) {
                ForkServer.Spawned spawned;
                try {
                    spawned = forkServer.spawn(launch.files(), (long) policy.diskMb() * 1024 * 1024,
                            sandboxEnvironment(sandbox, policy, launch), cgroup, policy.startupTimeout());
                } catch (IOException e) {
                    throw new ForkFailedException(e.getMessage(), e);
                }
                ProcessOutput output = new ProcessOutput();
                Thread reader = Thread.ofVirtual().start(() -> drain(Channels.newInputStream(spawned.output()), output::onStderr));
                forked = new ForkedProcess(spawned.initPid(), spawned.output(), reader, output);
                KernelProcess process = connect(server, forked, output, policy.startupTimeout(), cgroup, kernel,
                        sandbox, launch);
                return process.startedAs(new SessionStart(true, null, Duration.ofNanos(System.nanoTime() - started)));
            }
        } catch (IOException e) {
            abandon(forked, cgroup);
            throw new SandboxException("cannot start a " + kernel.name() + " session: " + e.getMessage(), e);
        } catch (ForkFailedException | RuntimeException e) {
            abandon(forked, cgroup);
            throw e;
        }
    }

    /** A forked start that failed: its processes (if it got as far) and its cgroup go. */
    private static void abandon(ForkedProcess forked, Cgroups.Group cgroup) {
        if (forked != null) {
            forked.destroy(cgroup);
        } else if (cgroup != null) {
            cgroup.destroy();
        }
    }

    /**
     * Writes the kernel's configuration into the control directory and listens on its socket there (an earlier
     * interpreter's is replaced), for the kernel to connect to.
     */
    private static ServerSocketChannel listen(LocalSandbox sandbox, SandboxPolicy policy, Launch launch) throws IOException {
        Path controlDir = launch.files().control();
        Files.writeString(controlDir.resolve(CONFIG_NAME), FrameChannel.JSON.writeValueAsString(
                kernelConfig(sandbox, policy, launch)));
        Path socketPath = controlDir.resolve(SOCKET_NAME);
        Files.deleteIfExists(socketPath);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            // The kernel may run as another user: the socket sits in the session's private directory.
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-rw-rw-"));
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static KernelProcess startPlain(LocalSandbox sandbox, SandboxPolicy policy, Launch launch) {
        Path controlDir = launch.files().control();
        KernelDescription kernel = sandbox.kernel(policy.language());
        Cgroups.Group cgroup = null;
        Process process = null;
        try {
            cgroup = sandbox.cgroups().map(c -> c.create(policy.memoryMb(), policy.maxProcesses())).orElse(null);
            Map<String, String> environment = sandboxEnvironment(sandbox, policy, launch);
            try (ServerSocketChannel server = listen(sandbox, policy, launch)) {
                Path socketPath = controlDir.resolve(SOCKET_NAME);
                boolean byLauncher = bindsByLauncher(sandbox, launch);
                boolean dataByLauncher = byLauncher && !policy.data().isEmpty();
                Path packages = packages(sandbox, kernel);
                List<String> launcherBinds = new ArrayList<>(dataByLauncher ? dataMountPoints(policy, controlDir) : List.of());
                if (byLauncher && packages != null) {
                    // the data stack sits under $CODEACT_HOME, in /root when root runs codeact: bound as the data is
                    Path point = controlDir.resolve("packages");
                    Files.createDirectories(point);
                    launcherBinds.addAll(List.of(packages.toString(), point.toString()));
                    packages = point;
                }
                List<String> command = launcher(sandbox, cgroup, launch.user(), launcherBinds);
                if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
                    long tmpfsBytes = (long) policy.diskMb() * 1024 * 1024;
                    command.addAll(Bubblewrap.command(sandbox.bubblewrap(), kernel, KernelFiles.kernel(kernel.resource()),
                            new Bubblewrap.Mounts(controlDir, launch.workdir(), launch.files().tmp().orElse(null), tmpfsBytes,
                                    packages, dataBinds(policy, controlDir, dataByLauncher)),
                            policy.network(), environment, policy.memoryMb()));
                } else {
                    command.addAll(kernel.command(KernelFiles.kernel(kernel.resource()).toString(), socketPath.toString(),
                            controlDir.resolve(CONFIG_NAME).toString(), policy.memoryMb()));
                }
                ProcessBuilder builder = new ProcessBuilder(command)
                        .directory(launch.workdir().toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                // Nothing of the JVM's environment (API keys!) reaches the launcher, bubblewrap or the kernel.
                builder.environment().clear();
                if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
                    builder.environment().put("PATH", "/usr/bin:/bin");
                } else {
                    builder.environment().putAll(environment);
                }
                process = builder.start();
                ProcessOutput output = new ProcessOutput();
                Process started = process;
                Thread stderrReader = Thread.ofVirtual().start(() -> drain(started.getErrorStream(), output::onStderr));
                StartedProcess os = new StartedProcess(process, stderrReader, kernel);
                KernelProcess kernelProcess = connect(server, os, output, policy.startupTimeout(), cgroup, kernel, sandbox, launch);
                Thread.ofVirtual().start(() -> drain(started.getInputStream(), output::onStdout));
                return kernelProcess;
            }
        } catch (IOException e) {
            destroy(process, cgroup);
            throw new SandboxException("cannot start a " + kernel.name() + " session: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            destroy(process, cgroup);
            throw e;
        }
    }

    /**
     * Whether the launcher binds the data and the JavaScript data stack for bubblewrap: when the JVM is root,
     * bubblewrap runs as the session's unprivileged user, who may not reach a path under /root (the dataset cache and
     * the data stack live in $CODEACT_HOME, ~/.codeact); the launcher, still root, binds each into the session's
     * control directory in a mount namespace of its own (nothing is mounted on the host, and it ends with the
     * process), and bubblewrap binds it from there. The files' own permissions still hold: what that user may not
     * read stays unreadable inside.
     */
    private static boolean bindsByLauncher(LocalSandbox sandbox, Launch launch) {
        return sandbox.isolation() == Isolation.BUBBLEWRAP && launch.user().switched() && LocalSandbox.privateMounts();
    }

    /** Where each data mount is bound from: the data itself, or its mount point in the control directory. */
    private static List<Bubblewrap.DataBind> dataBinds(SandboxPolicy policy, Path controlDir, boolean byLauncher) {
        List<Bubblewrap.DataBind> binds = new ArrayList<>();
        for (int index = 0; index < policy.data().size(); index++) {
            DataMount mount = policy.data().get(index);
            binds.add(new Bubblewrap.DataBind(byLauncher ? dataMountPoint(controlDir, index) : mount.source(), mount.name()));
        }
        return binds;
    }

    private static Path dataMountPoint(Path controlDir, int index) {
        return controlDir.resolve("data").resolve(Integer.toString(index));
    }

    /** The pairs (data, mount point) the launcher binds, the mount points made: a directory or an empty file, as the data. */
    private static List<String> dataMountPoints(SandboxPolicy policy, Path controlDir) throws IOException {
        Files.createDirectories(controlDir.resolve("data"));
        List<String> pairs = new ArrayList<>();
        for (int index = 0; index < policy.data().size(); index++) {
            Path source = policy.data().get(index).source();
            Path point = dataMountPoint(controlDir, index);
            if (!Files.exists(point)) {
                if (Files.isDirectory(source)) {
                    Files.createDirectory(point);
                } else {
                    Files.createFile(point);
                }
            }
            pairs.addAll(List.of(source.toString(), point.toString()));
        }
        return pairs;
    }

    /**
     * The shell that starts the sandbox: it joins the session's cgroup (so nothing escapes the limits), opens the
     * syscall filter for bubblewrap, binds the data where bubblewrap can reach it ({@code dataPairs}: data, mount
     * point; see {@link #bindsByLauncher}), and, when the JVM is root, becomes the session's unprivileged user for
     * good before bubblewrap makes the namespaces, so that no process and no file of the session is root's on the host.
     */
    private static List<String> launcher(LocalSandbox sandbox, Cgroups.Group cgroup, HostUser user,
                                         List<String> dataPairs) {
        StringBuilder script = new StringBuilder();
        if (cgroup != null) {
            for (Path procs : cgroup.procsFiles()) {
                script.append("echo $$ > ").append(Bubblewrap.shellQuoted(procs.toString())).append(" && ");
            }
        }
        script.append("exec \"$@\"");
        if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
            script.append(' ').append(Bubblewrap.SECCOMP_FD).append("< ").append(Bubblewrap.shellQuoted(SyscallFilter.compiled().toString()));
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script.toString(), "codeact-launcher"));
        if (!dataPairs.isEmpty()) {
            StringBuilder binds = new StringBuilder();
            for (int index = 1; index < dataPairs.size(); index += 2) {
                // ${N}: a bare $10 would be $1 and a 0
                binds.append("/usr/bin/mount --bind \"${").append(index).append("}\" \"${").append(index + 1).append("}\" && ");
            }
            binds.append("shift ").append(dataPairs.size()).append(" && exec \"$@\"");
            command.addAll(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "--",
                    "/bin/sh", "-c", binds.toString(), "codeact-data"));
            command.addAll(dataPairs);
        }
        if (sandbox.isolation() == Isolation.BUBBLEWRAP && user.switched()) {
            command.addAll(user.switchCommand());
        }
        return command;
    }

    private static KernelProcess connect(ServerSocketChannel server, OsProcess process, ProcessOutput output,
                                         Duration timeout, Cgroups.Group cgroup, KernelDescription kernel,
                                         LocalSandbox sandbox, Launch launch) throws IOException {
        SocketChannel socket = accept(server, process, timeout);
        if (socket == null) {
            boolean exited = !process.isAlive();
            String exit = exited ? process.exitDescription() : null;
            process.destroy(cgroup);
            process.awaitOutput();
            String stderr = output.recentStderr();
            if (exited && stderr.startsWith("bwrap:") && (stderr.contains(launch.workdir().toString())
                    || stderr.contains("chdir to " + Bubblewrap.WORKDIR))) {
                throw new SandboxException(workdirAccessMessage(launch, "cannot be reached by"));
            }
            Optional<DataMount> unreachable = launch.dataMounts().stream()
                    .filter(mount -> stderr.contains(mount.source().toString())).findFirst();
            if (exited && stderr.startsWith("bwrap:") && unreachable.isPresent()) {
                throw new SandboxException(dataAccessMessage(launch, unreachable.get().source(), "cannot be reached by")
                        + " (bubblewrap said: " + stderr + ")");
            }
            if (exited && stderr.startsWith("bwrap:") && stderr.contains("Permission denied")) {
                throw new SandboxException("bubblewrap, running as " + launch.user().describe() + ", was refused a "
                        + "path it needs: " + stderr + ". Every directory above the session's files (java.io.tmpdir, "
                        + System.getProperty("java.io.tmpdir") + ") and above the working directory must let that "
                        + "user through, as /tmp does (chmod o+x DIR, or setfacl -m u:" + launch.user().name() + ":x DIR).");
            }
            if (exited && stderr.startsWith("bwrap:")) {
                throw new SandboxUnavailableException("bubblewrap could not create the sandbox: " + stderr
                        + "\n" + LocalSandbox.NAMESPACE_HINT);
            }
            throw new SandboxException(exited
                    ? "the " + kernel.name() + " session exited while starting (" + exit + ")"
                    + (stderr.isEmpty() ? "" : ":\n" + stderr)
                    : "the " + kernel.name() + " session did not start within " + timeout.toSeconds() + " s; raise the startup timeout or preload fewer modules");
        }
        FrameChannel channel = new FrameChannel(socket);
        ScheduledFuture<?> watchdog = sandbox.scheduler().schedule(() -> {
            process.destroy(cgroup);
            channel.close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        KernelFrame first;
        try {
            first = channel.receive();
        } catch (IOException e) {
            channel.close();
            throw new SandboxException("the " + kernel.name() + " session failed while starting: "
                    + e.getMessage() + (output.recentStderr().isEmpty() ? "" : "\n" + output.recentStderr()), e);
        } finally {
            watchdog.cancel(false);
        }
        if (!(first instanceof KernelFrame.Hello hello) || hello.protocol() != KernelProtocol.VERSION
                || !hello.language().equals(kernel.language())) {
            channel.close();
            throw new SandboxException("the kernel did not say hello in protocol " + KernelProtocol.VERSION + " for "
                    + kernel.language() + ": " + first);
        }
        if (!hello.workdirWritable()) {
            channel.close();
            throw new SandboxException(workdirAccessMessage(launch, "is not writable by"));
        }
        if (hello.unreadableData() != null) {
            channel.close();
            throw new SandboxException(dataAccessMessage(launch, hostDataPath(sandbox, launch, hello.unreadableData()),
                    "cannot be read by"));
        }
        return new KernelProcess(process, channel, cgroup, process.kernelPid(), output, hello, null);
    }

    /** Why a named working directory cannot be used, and what to grant. */
    private static String workdirAccessMessage(Launch launch, String problem) {
        HostUser user = launch.user();
        String name = user.name();
        String why = user.switched() && HostUser.SANDBOX_USER.equals(name)
                ? " (codeact is running as root, so it runs code as " + name + ": nothing the code writes is root's)"
                : "";
        return "the working directory " + launch.workdir() + " " + problem + " " + user.describe()
                + ", the user the sandbox runs code as" + why + ". Grant it: chown " + name + " " + launch.workdir()
                + ", or setfacl -m u:" + name + ":rwx " + launch.workdir()
                + " (every directory above it must let that user through: setfacl -m u:" + name + ":x DIR); "
                + "or name another working directory, or none for a private one.";
    }

    /** Why the session's data cannot be used, and what to grant. */
    private static String dataAccessMessage(Launch launch, Path path, String problem) {
        HostUser user = launch.user();
        String name = user.name();
        String why = user.switched() && HostUser.SANDBOX_USER.equals(name)
                ? " (codeact is running as root, so it runs code as " + name + ", which cannot read root's private files)"
                : "";
        boolean directory = Files.isDirectory(path);
        return "the data " + (directory ? "directory " : "file ") + path + " " + problem + " " + user.describe()
                + ", the user the sandbox runs code as" + why + ". Grant it: "
                + (directory ? "setfacl -R -m u:" + name + ":rX " + path + " (or chmod -R o+rX " + path + ")"
                        : "setfacl -m u:" + name + ":r " + path + " (or chmod o+r " + path + ")")
                + (launch.user().switched() && !LocalSandbox.privateMounts()
                        ? "; every directory above it must let that user through: setfacl -m u:" + name + ":x DIR" : "")
                + "; or leave it out of the session's data.";
    }

    /** The host path of a path inside the session's data (the one the kernel could not read). */
    private static Path hostDataPath(LocalSandbox sandbox, Launch launch, String sessionPath) {
        String directory = dataDirectory(sandbox, launch);
        for (DataMount mount : launch.dataMounts()) {
            String root = directory + "/" + mount.name();
            if (sessionPath.equals(root)) {
                return mount.source();
            }
            if (sessionPath.startsWith(root + "/")) {
                return mount.source().resolve(sessionPath.substring(root.length() + 1));
            }
        }
        return Path.of(sessionPath);
    }

    private static SocketChannel accept(ServerSocketChannel server, OsProcess process, Duration timeout) throws IOException {
        server.configureBlocking(false);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (System.nanoTime() < deadline) {
                selector.select(50);
                SocketChannel socket = server.accept();
                if (socket != null) {
                    socket.configureBlocking(true);
                    return socket;
                }
                if (!process.isAlive()) {
                    return null;
                }
            }
        }
        return null;
    }

    private static KernelConfig kernelConfig(LocalSandbox sandbox, SandboxPolicy policy, Launch launch) {
        boolean bubblewrap = sandbox.isolation() == Isolation.BUBBLEWRAP;
        KernelConfig.Limits limits = new KernelConfig.Limits((long) policy.maxFileSizeMb() * 1024 * 1024,
                policy.maxOpenFiles(),
                // A session-wide CPU ceiling; each execution gets its own budget below it (see kernel.py).
                Math.max(3600, policy.cpuTime().toSeconds() * 10),
                sandbox.cgroups().isEmpty() ? (long) policy.memoryMb() * 1024 * 1024 : null,
                // Counted per user namespace, so the host's own processes do not count against it.
                bubblewrap ? policy.maxProcesses() : null);
        return new KernelConfig(limits, Math.max(1, policy.cpuTime().toSeconds()), policy.maxFileSizeMb(),
                policy.maxOutputChars(), policy.allowedImports(), policy.preload(), policy.diskMb(),
                launch.files().onDiskImage() && launch.workdir().equals(launch.files().work()),
                launch.egress() ? new KernelConfig.Egress(EGRESS_PORT, Bubblewrap.CONTROL_DIR + "/" + EGRESS_SOCKET_NAME) : null,
                policy.data().isEmpty() ? null : policy.data().stream()
                        .map(mount -> dataDirectory(sandbox, launch) + "/" + mount.name()).toList());
    }

    /**
     * Where the session's data is as its code sees it: /work/data in the sandbox; without one, the {@code data}
     * directory of the working directory, where {@link LocalSession} links it.
     */
    static String dataDirectory(LocalSandbox sandbox, Launch launch) {
        return sandbox.isolation() == Isolation.BUBBLEWRAP ? DataMount.DIRECTORY
                : launch.workdir().resolve("data").toString();
    }

    /** The JavaScript data stack's directory, for a JavaScript kernel when it is installed; else null. */
    private static Path packages(LocalSandbox sandbox, KernelDescription kernel) {
        return kernel.sessionLanguage() == Language.JAVASCRIPT ? sandbox.javascriptPackages() : null;
    }

    static Map<String, String> sandboxEnvironment(LocalSandbox sandbox, SandboxPolicy policy, Launch launch) {
        Map<String, String> env = new LinkedHashMap<>();
        boolean bwrap = sandbox.isolation() == Isolation.BUBBLEWRAP;
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", bwrap ? Bubblewrap.WORKDIR : System.getProperty("java.io.tmpdir"));
        env.put("USER", "user");
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        env.put("XDG_CACHE_HOME", "/tmp/codeact-cache");
        KernelDescription kernel = sandbox.kernel(policy.language());
        env.putAll(kernel.environment());
        Path packages = packages(sandbox, kernel);
        if (packages != null && !bwrap) {
            env.put("NODE_PATH", packages.resolve("node_modules").toString()); // no mount without a sandbox: the real path
        }
        // Without a sandbox /tmp is shared: the JVM's pid keeps its sessions' directories apart from another's.
        String scratch = bwrap ? "session" : Long.toString(ProcessHandle.current().pid());
        kernel.scratchVariables().forEach((name, directory) -> env.put(name, "/tmp/codeact-" + directory + "-" + scratch));
        // With only an address-space limit (no cgroup), every thread's reserved memory counts: one thread each.
        String threads = sandbox.cgroups().isPresent() ? Integer.toString(Math.min(4, Runtime.getRuntime().availableProcessors())) : "1";
        kernel.threadVariables().forEach(name -> env.put(name, threads));
        if (launch.egress()) {
            // Every HTTP client inside goes through the relay to the host's egress proxy: there is no other route.
            String proxy = "http://127.0.0.1:" + EGRESS_PORT;
            for (String name : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) {
                env.put(name, proxy);
            }
            env.put("NO_PROXY", "");
            env.put("no_proxy", "");
        }
        if (!policy.data().isEmpty()) {
            env.put("CODEACT_DATA", dataDirectory(sandbox, launch)); // for helpers such as load_dataset
        }
        env.putAll(policy.environment());
        return env;
    }

    /**
     * The kernel's host PID: the interpreter among bubblewrap's descendants (the process itself without it), known
     * by the name of the interpreter's file once its links are resolved; empty while /proc does not show it.
     */
    private static Optional<Long> findKernelPid(Process process, KernelDescription kernel) {
        String interpreter;
        try {
            interpreter = kernel.interpreter().toRealPath().getFileName().toString();
        } catch (IOException e) {
            return Optional.of(process.pid());
        }
        List<ProcessHandle> candidates = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
        for (ProcessHandle handle : candidates) {
            Optional<String> command = handle.info().command();
            if (command.isPresent() && Path.of(command.get()).getFileName().toString().equals(interpreter)) {
                return Optional.of(handle.pid());
            }
        }
        return Optional.empty();
    }

    private static void drain(InputStream stream, java.util.function.Consumer<String> sink) {
        byte[] buffer = new byte[8192];
        try (stream) {
            int read;
            while ((read = stream.read(buffer)) > 0) {
                sink.accept(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void send(HostFrame frame) throws IOException {
        channel.send(frame);
    }

    KernelFrame receive() throws IOException {
        return channel.receive();
    }

    /** The channel itself, for tests that break the framing on purpose. */
    FrameChannel channel() {
        return channel;
    }

    /** What the kernel said when it started. */
    KernelFrame.Hello hello() {
        return hello;
    }

    /** Where output that the kernel's children write to file descriptors 1 and 2 goes. */
    void processOutput(OutputListener listener) {
        output.listener = listener == null ? OutputListener.NONE : listener;
    }

    /** Sends SIGINT to the interpreter, which raises KeyboardInterrupt in the running code. */
    void interrupt() {
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(kernelPid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills every process of the session at once; the channel then reports end of stream. */
    void kill() {
        killed = true;
        process.destroy(cgroup);
        channel.close();
    }

    /** Whether this interpreter was forked from a fork server or started plainly, and how long it took. */
    SessionStart howStarted() {
        return howStarted;
    }

    /** The session's processes now (host PIDs), its root first: for tests that check none is left. */
    List<Long> pids() {
        return process.pids();
    }

    boolean wasKilled() {
        return killed;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long oomKills() {
        return cgroup == null ? 0 : cgroup.oomKills();
    }

    /** How the process ended, for error messages; waits briefly for it to end. */
    String exitDescription() {
        return process.exitDescription();
    }

    /** An exit status as a shell gives it (128 + N for a signal), in words. */
    private static String describeExit(int code) {
        return code > 128 ? "killed by signal " + (code - 128) : "exit code " + code;
    }

    /**
     * The end of what the process wrote to stderr, for error messages: without the fork server's exit line, nor what
     * Python's fault handler adds to a crash's trace that is not the user's (the list of every extension module
     * loaded, the kernel's and the fork server's own frames), which would push the trace itself out of the message.
     */
    String recentStderr() {
        String text = FORKED_EXIT.matcher(output.recentStderr()).replaceAll("");
        text = EXTENSION_MODULES.matcher(text).replaceAll("");
        return HOST_FRAMES.matcher(text).replaceAll("").strip();
    }

    @Override
    public void close() {
        killed = true;
        channel.close();
        process.destroy(cgroup);
    }

    /** The operating system's side of an interpreter: a process of this JVM's, or a fork server's child. */
    private interface OsProcess {
        boolean isAlive();

        /** Kills every process of the session and waits until each is gone; then removes the cgroup. */
        void destroy(Cgroups.Group cgroup);

        /** How the process ended, in words; waits briefly for it to end. */
        String exitDescription();

        /** The interpreter's host PID, which interrupts are sent to. */
        long kernelPid();

        /** Waits briefly until what the process wrote before it ended has been read. */
        void awaitOutput();

        /** The session's processes now (host PIDs), its root first. */
        List<Long> pids();
    }

    /** bubblewrap started by this JVM, with the kernel inside. */
    private record StartedProcess(Process process, Thread stderrReader, KernelDescription kernel) implements OsProcess {
        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public void destroy(Cgroups.Group cgroup) {
            KernelProcess.destroy(process, cgroup);
        }

        @Override
        public String exitDescription() {
            try {
                if (!process.waitFor(1, TimeUnit.SECONDS)) {
                    return "still running";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
            return describeExit(process.exitValue());
        }

        /**
         * The interpreter among bubblewrap's descendants; asked again for a moment when /proc does not show it yet
         * (an interrupt sent to bubblewrap instead would be lost).
         */
        @Override
        public long kernelPid() {
            Optional<Long> pid = findKernelPid(process, kernel);
            for (int attempt = 0; attempt < 20 && pid.isEmpty() && process.isAlive(); attempt++) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                pid = findKernelPid(process, kernel);
            }
            return pid.orElse(process.pid());
        }

        @Override
        public void awaitOutput() {
            joinQuietly(stderrReader);
        }

        @Override
        public List<Long> pids() {
            return Stream.concat(Stream.of(process.toHandle()), process.descendants()).map(ProcessHandle::pid).toList();
        }
    }

    /**
     * A session forked by a {@link ForkServer}: its init (PID 1 of its namespace, not this JVM's child: the fork
     * server's sandbox reaps it) and the kernel, the init's one child. The init reports the kernel's exit status on
     * the output connection as its last line.
     */
    private static final class ForkedProcess implements OsProcess {
        private final long initPid;
        /** Taken once: a handle knows its process's start time, so a PID used again later is never signalled. */
        private final Optional<ProcessHandle> init;
        private final SocketChannel diagnostics;
        private final Thread reader;
        private final ProcessOutput output;

        ForkedProcess(long initPid, SocketChannel diagnostics, Thread reader, ProcessOutput output) {
            this.initPid = initPid;
            this.init = ProcessHandle.of(initPid);
            this.diagnostics = diagnostics;
            this.reader = reader;
            this.output = output;
        }

        /**
         * Asked before every execution, so it reads no /proc file (two reads cost half a warm round trip): the init
         * holds the output connection until it exits, and every other process of the session dies with it, so the
         * connection's reader ends when the session does.
         */
        @Override
        public boolean isAlive() {
            return reader.isAlive();
        }

        /** Whether the init is still there (not yet reaped), from /proc: for waiting until it is gone. */
        private boolean initRunning() {
            return init.map(ProcessHandle::isAlive).orElse(false) && ForkServer.ProcFs.isRunning(initPid);
        }

        @Override
        public void destroy(Cgroups.Group cgroup) {
            if (cgroup != null) {
                cgroup.pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
            // SIGKILL to a namespace's init ends every process in it.
            init.ifPresent(ProcessHandle::destroyForcibly);
            waitUntilGone(Duration.ofSeconds(5));
            if (cgroup != null) {
                cgroup.destroy();
            }
            try {
                diagnostics.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }

        private boolean waitUntilGone(Duration most) {
            long deadline = System.nanoTime() + most.toNanos();
            while (initRunning()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }

        @Override
        public String exitDescription() {
            if (!waitUntilGone(Duration.ofSeconds(1))) {
                return "still running";
            }
            awaitOutput(); // the init's last line, its kernel's exit status, may still be on its way
            Matcher matcher = FORKED_EXIT.matcher(output.recentStderr());
            String last = null;
            while (matcher.find()) {
                last = matcher.group(1);
            }
            return last == null ? "ended" : describeExit(Integer.parseInt(last));
        }

        @Override
        public long kernelPid() {
            List<Long> children = ForkServer.ProcFs.children(initPid);
            return children.isEmpty() ? initPid : children.get(0);
        }

        @Override
        public List<Long> pids() {
            return init.filter(ProcessHandle::isAlive).stream()
                    .flatMap(root -> Stream.concat(Stream.of(root), root.descendants())).map(ProcessHandle::pid).toList();
        }

        /** The output connection ends with the init: its reader is done once everything it had is read. */
        @Override
        public void awaitOutput() {
            joinQuietly(reader);
        }
    }

    /**
     * What the process writes to its own file descriptors 1 and 2 (child processes, interpreter crashes): the
     * current execution's listener gets it, and the end of stderr is kept for error messages.
     */
    private static final class ProcessOutput {
        private final StringBuilder recentStderr = new StringBuilder();
        private volatile OutputListener listener = OutputListener.NONE;

        void onStdout(String text) {
            listener.onOutput("stdout", text);
        }

        void onStderr(String text) {
            synchronized (recentStderr) {
                recentStderr.append(text);
                if (recentStderr.length() > DIAGNOSTIC_CHARS) {
                    recentStderr.delete(0, recentStderr.length() - DIAGNOSTIC_CHARS);
                }
            }
            listener.onOutput("stderr", text);
        }

        String recentStderr() {
            synchronized (recentStderr) {
                return recentStderr.toString().strip();
            }
        }
    }

    /**
     * Kills every process of the session and waits until each is reaped. All but bubblewrap's outer process go
     * first: bubblewrap's init inside the PID namespace reaps them as it dies, then the outer bubblewrap exits and
     * this JVM reaps it. Killing the outer one first would hand its children to the host's init, which may never
     * reap them (zombies).
     */
    private static void destroy(Process process, Cgroups.Group cgroup) {
        if (process != null) {
            List<ProcessHandle> inside = new ArrayList<>(process.descendants().toList());
            if (cgroup != null) {
                cgroup.pids().stream().filter(pid -> pid != process.pid())
                        .forEach(pid -> ProcessHandle.of(pid).ifPresent(inside::add));
            }
            inside.forEach(ProcessHandle::destroyForcibly);
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        if (cgroup != null) {
            cgroup.destroy();
        }
    }
}
