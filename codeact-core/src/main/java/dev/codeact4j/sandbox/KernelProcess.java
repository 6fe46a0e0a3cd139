package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One running interpreter: the OS process (bubblewrap and the kernel inside it), its cgroup, and the frame
 * channel to it. It knows how to start, interrupt and kill; what executions mean is {@link Session}'s job.
 */
final class KernelProcess implements AutoCloseable {
    static final String SOCKET_NAME = "kernel.sock";
    static final String CONFIG_NAME = "config.json";
    private static final int DIAGNOSTIC_CHARS = 4000;

    private final Process process;
    private final FrameChannel channel;
    private final Path controlDir;
    private final Cgroups.Group cgroup;
    private final long kernelPid;
    private final ProcessOutput output;
    private volatile boolean killed;

    private KernelProcess(Process process, FrameChannel channel, Path controlDir, Cgroups.Group cgroup, long kernelPid,
                          ProcessOutput output) {
        this.process = process;
        this.output = output;
        this.channel = channel;
        this.controlDir = controlDir;
        this.cgroup = cgroup;
        this.kernelPid = kernelPid;
    }

    /** Starts an interpreter and waits until it has said hello (its preloads done). */
    static KernelProcess start(Sandbox sandbox, SandboxPolicy policy, Path workdir) {
        Path controlDir = null;
        Cgroups.Group cgroup = null;
        Process process = null;
        try {
            controlDir = Files.createTempDirectory("codeact-session-");
            Files.writeString(controlDir.resolve(CONFIG_NAME), FrameChannel.JSON.writeValueAsString(
                    kernelConfig(sandbox, policy)));
            Path socketPath = controlDir.resolve(SOCKET_NAME);
            cgroup = sandbox.cgroups().map(c -> c.create(policy.memoryMb(), policy.maxProcesses())).orElse(null);
            List<String> command = new ArrayList<>();
            if (cgroup != null) {
                // The launcher joins the cgroup before it becomes bubblewrap, so nothing escapes the limits.
                StringBuilder script = new StringBuilder();
                for (Path procs : cgroup.procsFiles()) {
                    script.append("echo $$ > '").append(procs).append("' && ");
                }
                command.addAll(List.of("/bin/sh", "-c", script + "exec \"$@\"", "codeact-launcher"));
            }
            Map<String, String> environment = sandboxEnvironment(sandbox, policy);
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socketPath));
                if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
                    command.addAll(Bubblewrap.command(sandbox.bubblewrap(), sandbox.python(), KernelFiles.pythonKernel(),
                            controlDir, workdir, policy.network(), environment));
                } else {
                    command.addAll(List.of(sandbox.python().toString(), "-I", "-B", KernelFiles.pythonKernel().toString(),
                            socketPath.toString(), controlDir.resolve(CONFIG_NAME).toString()));
                }
                ProcessBuilder builder = new ProcessBuilder(command)
                        .directory(workdir.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                // Nothing of the JVM's environment (API keys!) reaches the launcher, bubblewrap or the kernel.
                builder.environment().clear();
                if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
                    builder.environment().put("PATH", "/usr/bin:/bin");
                } else {
                    builder.environment().putAll(environment);
                }
                process = builder.start();
                KernelProcess kernel = connect(server, process, policy.startupTimeout(), controlDir, cgroup, sandbox);
                return kernel;
            }
        } catch (IOException e) {
            destroy(process, cgroup, controlDir);
            throw new SandboxException("cannot start a Python session: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            destroy(process, cgroup, controlDir);
            throw e;
        }
    }

    private static KernelProcess connect(ServerSocketChannel server, Process process, Duration timeout, Path controlDir,
                                         Cgroups.Group cgroup, Sandbox sandbox) throws IOException {
        ProcessOutput output = new ProcessOutput();
        Thread stderrReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), output::onStderr));
        SocketChannel socket = accept(server, process, timeout);
        if (socket == null) {
            boolean exited = !process.isAlive();
            process.destroyForcibly();
            joinQuietly(stderrReader);
            String stderr = output.recentStderr();
            if (exited && stderr.startsWith("bwrap:")) {
                throw new SandboxUnavailableException("bubblewrap could not create the sandbox: " + stderr
                        + "\n" + Sandbox.NAMESPACE_HINT);
            }
            throw new SandboxException(exited
                    ? "the Python session exited while starting (exit code " + process.exitValue() + ")"
                    + (stderr.isEmpty() ? "" : ":\n" + stderr)
                    : "the Python session did not start within " + timeout.toSeconds() + " s; raise the startup timeout or preload fewer modules");
        }
        FrameChannel channel = new FrameChannel(socket);
        ScheduledFuture<?> watchdog = sandbox.scheduler().schedule(() -> {
            process.destroyForcibly();
            channel.close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        JsonNode hello;
        try {
            hello = channel.receive();
        } catch (IOException e) {
            channel.close();
            throw new SandboxException("the Python session failed while starting: " + e.getMessage()
                    + (output.recentStderr().isEmpty() ? "" : "\n" + output.recentStderr()), e);
        } finally {
            watchdog.cancel(false);
        }
        if (!"hello".equals(hello.path("type").asText()) || hello.path("protocol").asInt() != 1) {
            channel.close();
            throw new SandboxException("the Python kernel spoke an unknown protocol: " + hello);
        }
        Thread.ofVirtual().start(() -> drain(process.getInputStream(), output::onStdout));
        return new KernelProcess(process, channel, controlDir, cgroup, findKernelPid(process), output);
    }

    private static SocketChannel accept(ServerSocketChannel server, Process process, Duration timeout) throws IOException {
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

    private static Map<String, Object> kernelConfig(Sandbox sandbox, SandboxPolicy policy) {
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxFileSizeBytes", (long) policy.maxFileSizeMb() * 1024 * 1024);
        limits.put("maxOpenFiles", policy.maxOpenFiles());
        // A session-wide CPU ceiling; each execution gets its own budget below it (see kernel.py).
        limits.put("cpuHardSeconds", Math.max(3600, policy.cpuTime().toSeconds() * 10));
        if (sandbox.cgroups().isEmpty()) {
            limits.put("addressSpaceBytes", (long) policy.memoryMb() * 1024 * 1024);
        }
        if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
            // Counted per user namespace, so the host's own processes do not count against it.
            limits.put("maxProcesses", policy.maxProcesses());
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("limits", limits);
        config.put("cpuSecondsPerExecution", Math.max(1, policy.cpuTime().toSeconds()));
        config.put("maxFileSizeMb", policy.maxFileSizeMb());
        config.put("maxOutputChars", policy.maxOutputChars());
        config.put("allowedImports", policy.allowedImports());
        config.put("preload", policy.preload());
        return config;
    }

    private static Map<String, String> sandboxEnvironment(Sandbox sandbox, SandboxPolicy policy) {
        Map<String, String> env = new LinkedHashMap<>();
        boolean bwrap = sandbox.isolation() == Isolation.BUBBLEWRAP;
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", bwrap ? Bubblewrap.WORKDIR : System.getProperty("java.io.tmpdir"));
        env.put("USER", "user");
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        env.put("MPLBACKEND", "Agg");
        env.put("MPLCONFIGDIR", "/tmp/codeact-matplotlib-" + (bwrap ? "session" : ProcessHandle.current().pid()));
        env.put("XDG_CACHE_HOME", "/tmp/codeact-cache");
        // OpenBLAS reserves address space per thread; with only an address-space limit that breaks numpy.
        String threads = sandbox.cgroups().isPresent() ? Integer.toString(Math.min(4, Runtime.getRuntime().availableProcessors())) : "1";
        for (String name : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")) {
            env.put(name, threads);
        }
        env.putAll(policy.environment());
        return env;
    }

    /** The kernel's host PID: the Python process among bubblewrap's descendants (the process itself without it). */
    private static long findKernelPid(Process process) {
        List<ProcessHandle> candidates = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
        for (ProcessHandle handle : candidates) {
            String command = handle.info().command().orElse("");
            if (command.contains("python")) {
                return handle.pid();
            }
        }
        return process.pid();
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

    void send(ObjectNode frame) throws IOException {
        channel.send(frame);
    }

    JsonNode receive() throws IOException {
        return channel.receive();
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
        destroy(process, cgroup, null);
        channel.close();
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
        try {
            if (!process.waitFor(1, TimeUnit.SECONDS)) {
                return "still running";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
        int code = process.exitValue();
        return code > 128 ? "killed by signal " + (code - 128) : "exit code " + code;
    }

    String recentStderr() {
        return output.recentStderr();
    }

    @Override
    public void close() {
        killed = true;
        channel.close();
        destroy(process, cgroup, controlDir);
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
     * Whether a process still runs. A killed process whose parent died stays a zombie until the machine's init
     * reaps it, which can take seconds; it runs no code, so it counts as gone.
     */
    static boolean running(ProcessHandle handle) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return handle.isAlive();
        }
    }

    private static void destroy(Process process, Cgroups.Group cgroup, Path controlDir) {
        if (process != null) {
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            if (cgroup != null) {
                cgroup.pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(all::add));
            }
            all.forEach(ProcessHandle::destroyForcibly);
            // SIGKILL is asynchronous: wait until every process has stopped running, so close() means closed.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (all.stream().anyMatch(KernelProcess::running) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (cgroup != null) {
            cgroup.destroy();
        }
        if (controlDir != null) {
            Sandbox.deleteRecursively(controlDir);
        }
    }
}
