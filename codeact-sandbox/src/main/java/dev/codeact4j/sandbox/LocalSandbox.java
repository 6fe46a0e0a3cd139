package dev.codeact4j.sandbox;

import dev.codeact4j.sandbox.network.EgressGateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The sandbox of this machine: each session's kernel runs in a local process, isolated by bubblewrap (or, only
 * when asked, not at all), limited by cgroups where this process may create them.
 */
final class LocalSandbox implements Sandbox {
    static final String NAMESPACE_HINT = """
            codeact isolates code with bubblewrap, which needs unprivileged user namespaces. To enable them:
              Debian:          sudo sysctl -w kernel.unprivileged_userns_clone=1
              Ubuntu 24.04+:   sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
              in a container:  allow unshare/clone in its seccomp profile (for Docker: --security-opt seccomp=unconfined)
            Or, only on a machine you do not mind the code damaging, run without isolation: --unsafe-no-sandbox""";

    private static final ScheduledExecutorService SCHEDULER = watchdogScheduler();

    /**
     * Every execution schedules two deadlines and cancels them when it ends: cancelled tasks must leave the queue
     * at once, or a busy session piles up tens of thousands of them (30 s each) and the heap grows.
     */
    private static ScheduledExecutorService watchdogScheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "codeact-sandbox-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }
    private static final Map<List<String>, String> PROBES = new ConcurrentHashMap<>();
    /** Whether this JVM may mount disk images: found out once, on first need, by mounting one (about 15 ms). */
    private static final class DiskImages {
        static final boolean AVAILABLE = SessionDirectory.DiskImage.available();
    }

    /**
     * Whether this JVM, as root, may make a mount namespace and bind mounts in it (to hand a session data its user
     * cannot reach, see {@code KernelProcess}): found out once, on first need, by trying (a few milliseconds).
     */
    private static final class PrivateMounts {
        static final boolean AVAILABLE = HostUser.current().isRoot()
                && runProbe(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/true")).isEmpty();
    }

    static boolean privateMounts() {
        return PrivateMounts.AVAILABLE;
    }

    /** Every open session of this JVM, closed by a shutdown hook: Ctrl-C or SIGTERM leave no process and no file. */
    private static final Set<LocalSession> OPEN_SESSIONS = ConcurrentHashMap.newKeySet();
    private static final Thread CLOSE_AT_EXIT = new Thread(LocalSandbox::closeOpenSessions, "codeact-sandbox-exit");
    private static final AtomicBoolean EXIT_HOOK = new AtomicBoolean();

    private final Isolation isolation;
    /** The Python kernel, checked when the sandbox was built. */
    private final KernelDescription kernel;
    /** The JavaScript kernel, checked when the first JavaScript session opens: a Python-only user needs no Node. */
    private final KernelDescription javascript;
    private volatile KernelDescription javascriptChecked;
    /** The JavaScript data stack (a directory holding node_modules), or null. */
    private final Path javascriptPackages;
    private final Path bubblewrap;
    private final Optional<Cgroups> cgroups;
    private final HostUser jvmUser;
    private final boolean diskImages;
    private final boolean forkServer;
    private volatile EgressGateway egressGateway;

    private LocalSandbox(Isolation isolation, KernelDescription kernel, KernelDescription javascript,
                         Path javascriptPackages, Path bubblewrap, Optional<Cgroups> cgroups,
                         HostUser jvmUser, boolean diskImages, boolean forkServer) {
        this.forkServer = forkServer;
        this.isolation = isolation;
        this.kernel = kernel;
        this.javascript = javascript;
        this.javascriptPackages = javascriptPackages;
        this.bubblewrap = bubblewrap;
        this.cgroups = cgroups;
        this.jvmUser = jvmUser;
        this.diskImages = diskImages;
    }

    @Override
    public Session open(SandboxPolicy policy) {
        return LocalSession.start(this, policy);
    }

    Isolation isolation() {
        return isolation;
    }

    @Override
    public void prepare(SandboxPolicy policy) {
        HostUser user = isolation == Isolation.BUBBLEWRAP ? HostUser.forSession(jvmUser, null) : jvmUser;
        Thread.ofVirtual().name("codeact-forkserver-prepare").start(() -> {
            ForkServerChoice choice = forkServerFor(policy, user);
            if (choice.server() != null) {
                choice.server().release(); // started and running: the sessions take it as they open
            }
        });
    }

    @Override
    public List<String> poolPreload() {
        return kernel.warmPreload();
    }

    @Override
    public String describe() {
        String limits = cgroups.map(c -> "memory and processes limited by cgroup " + c.version().name().toLowerCase())
                .orElse("memory limited by address space (no cgroup could be made)");
        String disk = diskImages ? "disk bounded by a disk image per session"
                : "/tmp bounded by a tmpfs, the working directory per file only (disk images need root)";
        String user = jvmUser.isRoot() ? "code runs as " + HostUser.sandboxUser().describe() + ", not root"
                : "code runs as " + jvmUser.describe();
        String starts = forkServer ? "Python sessions forked from a fork server with numpy, pandas and matplotlib "
                + "imported when their policy allows" : "every session started plainly (no fork server)";
        return switch (isolation) {
            case BUBBLEWRAP -> "bubblewrap (user, PID, network, IPC and UTS namespaces; read-only system; "
                    + SyscallFilter.describe() + "); " + user + "; " + limits + "; " + disk + "; " + starts;
            case UNSAFE_NONE -> "NO ISOLATION: code runs as this user with its files and network; " + limits;
        };
    }

    @Override
    public Path createWorkdir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            HostUser user = isolation == Isolation.BUBBLEWRAP ? HostUser.forSession(jvmUser, null) : jvmUser;
            if (user.switched()) {
                Files.setAttribute(dir, "unix:uid", user.uid());
                Files.setAttribute(dir, "unix:gid", user.gid());
            }
            return dir;
        } catch (IOException e) {
            throw new SandboxException("cannot create a working directory: " + e.getMessage(), e);
        }
    }

    HostUser jvmUser() {
        return jvmUser;
    }

    /** Whether sessions get a disk image of their own (the JVM is root and may loop-mount). */
    boolean diskImages() {
        return diskImages;
    }

    /**
     * The gateway for sessions that allow named hosts, found when the first one opens: the {@code codeact-egress}
     * module provides it, so that a sandbox without network needs no HTTP server.
     */
    EgressGateway egressGateway() {
        EgressGateway gateway = egressGateway;
        if (gateway == null) {
            synchronized (this) {
                if (egressGateway == null) {
                    egressGateway = ServiceLoader.load(EgressGateway.class, LocalSandbox.class.getClassLoader())
                            .findFirst().orElseThrow(() -> new SandboxException("allowing named hosts needs the egress "
                                    + "proxy, which is not on the class path: add the dependency dev.codeact4j:codeact-egress"));
                }
                gateway = egressGateway;
            }
        }
        return gateway;
    }

    static void track(LocalSession session) {
        if (EXIT_HOOK.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(CLOSE_AT_EXIT);
        }
        OPEN_SESSIONS.add(session);
    }

    static void untrack(LocalSession session) {
        OPEN_SESSIONS.remove(session);
    }

    /**
     * Closes every open session at once (each waits for its processes to be reaped), then the fork servers, and
     * removes the spare disks.
     */
    private static void closeOpenSessions() {
        SessionDirectory.removeSpares();
        try {
            closeSessions();
        } finally {
            ForkServers.closeAll();
        }
    }

    private static void closeSessions() {
        List<Thread> closing = new ArrayList<>();
        for (LocalSession session : List.copyOf(OPEN_SESSIONS)) {
            closing.add(Thread.ofVirtual().start(session::close));
        }
        for (Thread thread : closing) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The kernel of a language's sessions; the first call for JavaScript checks that Node is there. */
    KernelDescription kernel(Language language) {
        return switch (language) {
            case PYTHON -> kernel;
            case JAVASCRIPT -> {
                KernelDescription checked = javascriptChecked;
                if (checked == null) {
                    checked = javascriptChecked = NodeCheck.check(javascript);
                }
                yield checked;
            }
        };
    }

    /** The JavaScript data stack's directory on the host (it holds node_modules), or null when it is not installed. */
    Path javascriptPackages() {
        return javascriptPackages != null && Files.isDirectory(javascriptPackages.resolve("node_modules"))
                ? javascriptPackages : null;
    }

    Path bubblewrap() {
        return bubblewrap;
    }

    boolean forkServerEnabled() {
        return forkServer;
    }

    /** The fork server a session comes from, or null and why it is started plainly. */
    record ForkServerChoice(ForkServer server, String plainBecause) {
    }

    /**
     * The fork server for a session of {@code policy} run by {@code user}, started on first need (once per JVM and
     * profile, shared by every sandbox with the same kernel and limits): a profile is the kernel, its preloads
     * (the data stack), the user and the sessions' environment.
     */
    ForkServerChoice forkServerFor(SandboxPolicy policy, HostUser user) {
        Optional<String> unfit = ForkServer.unfit(this, policy);
        if (unfit.isPresent()) {
            return new ForkServerChoice(null, unfit.get());
        }
        KernelDescription python = kernel(Language.PYTHON);
        Map<String, String> environment = KernelProcess.sandboxEnvironment(this, policy,
                new KernelProcess.Launch(null, null, user, false, List.of(), null, null));
        ForkServers.Profile profile = new ForkServers.Profile(bubblewrap, python, user, environment, diskImages,
                python.warmPreload());
        try {
            ForkServer server = ForkServers.get(this, profile, policy.startupTimeout());
            // the session's directory (a short number) and the kernel's socket in it must fit a Unix socket path
            int socketPath = server.sessionsDirectory().toString().length() + "/zzzzzz/control/".length()
                    + KernelProcess.SOCKET_NAME.length();
            if (socketPath > ForkServer.MAX_SOCKET_PATH) {
                server.release();
                return new ForkServerChoice(null, "java.io.tmpdir (" + System.getProperty("java.io.tmpdir")
                        + ") is too long for the fork server's socket paths");
            }
            return new ForkServerChoice(server, null);
        } catch (SandboxException e) {
            return new ForkServerChoice(null, "the fork server is unavailable, so the session was started plainly: "
                    + e.getMessage());
        }
    }

    Optional<Cgroups> cgroups() {
        return cgroups;
    }

    ScheduledExecutorService scheduler() {
        return SCHEDULER;
    }

    static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // best effort: a file the sandbox made read-only is left for the OS's temp cleaner
                }
            });
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // the directory went away meanwhile
        }
    }

    /** Checks the prerequisites of sessions as {@link Sandbox.Builder} asks for them, once. */
    static Sandbox create(Isolation isolation, KernelDescription kernel, KernelDescription javascript,
                          Path javascriptPackages, Path bubblewrap, boolean cgroups, boolean forkServer) {
        Path interpreter = kernel.interpreter();
        if (!Files.isExecutable(interpreter)) {
            throw new SandboxUnavailableException("no " + kernel.name() + " interpreter at " + interpreter
                    + ". Install it (" + kernel.installHint() + ") or point the sandbox at one.");
        }
        Path bwrap = null;
        if (isolation == Isolation.BUBBLEWRAP) {
            bwrap = bubblewrap != null ? bubblewrap : findOnPath("bwrap").orElseThrow(() ->
                    new SandboxUnavailableException("bubblewrap (bwrap) is not installed, and codeact needs it to "
                            + "isolate code. Install it: sudo apt-get install bubblewrap"));
            if (!Files.isExecutable(bwrap)) {
                throw new SandboxUnavailableException("no bubblewrap at " + bwrap
                        + "; install it (sudo apt-get install bubblewrap) or name the right binary");
            }
            String failure = probe(bwrap, HostUser.current());
            if (!failure.isEmpty()) {
                throw new SandboxUnavailableException("bubblewrap cannot create a sandbox here: " + failure.strip()
                        + "\n" + NAMESPACE_HINT);
            }
        }
        HostUser jvmUser = HostUser.current();
        boolean diskImages = false;
        if (isolation == Isolation.BUBBLEWRAP) {
            SyscallFilter.compiled(); // libseccomp is there, or this says how to install it
            diskImages = DiskImages.AVAILABLE;
            SessionDirectory.removeAbandoned();
        }
        if (isolation == Isolation.BUBBLEWRAP) {
            ForkServer.removeAbandoned();
        }
        return new LocalSandbox(isolation, kernel, javascript, javascriptPackages, bwrap,
                cgroups ? Cgroups.detect() : Optional.empty(), jvmUser, diskImages, forkServer);
    }

    private static Optional<Path> findOnPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/local/bin"));
        return dirs.stream().filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable).findFirst();
    }

    /**
     * Runs a trivial program with the namespaces sessions use, as the user sessions run as (a root JVM's
     * sessions need unprivileged user namespaces too); the empty string means it worked.
     */
    private static String probe(Path bwrap, HostUser jvmUser) {
        List<String> command = new ArrayList<>();
        if (jvmUser.isRoot()) {
            command.addAll(HostUser.sandboxUser().switchCommand());
        }
        command.addAll(List.of(bwrap.toString(), "--unshare-user", "--unshare-pid", "--unshare-net",
                "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--ro-bind", "/", "/", "/bin/true"));
        return PROBES.computeIfAbsent(command, LocalSandbox::runProbe);
    }

    private static String runProbe(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "the probe did not finish in 10 s";
            }
            return process.exitValue() == 0 ? "" : (output.isEmpty() ? "exit code " + process.exitValue() : output);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
