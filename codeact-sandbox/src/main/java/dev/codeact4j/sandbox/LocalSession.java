package dev.codeact4j.sandbox;

import dev.codeact4j.sandbox.network.NetworkRequest;
import dev.codeact4j.sandbox.network.EgressRoute;
import dev.codeact4j.sandbox.network.HostAllowlist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact4j.sandbox.protocol.HostFrame;
import dev.codeact4j.sandbox.protocol.KernelFrame;
import dev.codeact4j.sandbox.protocol.KernelProtocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session of the {@link LocalSandbox}: its kernel is a local process ({@link KernelProcess}), replaced by a fresh
 * one when it dies, with the session's private files ({@link SessionDirectory}) and egress route.
 */
final class LocalSession implements Session {
    private final LocalSandbox sandbox;
    private final SandboxPolicy policy;
    private final SessionDirectory files;
    private final KernelProcess.Launch launch;
    private final EgressRoute egress;
    private final WorkdirFiles workdirFiles;
    private KernelProcess kernel;
    private volatile ToolHandler toolHandler;
    private long executions;
    /** The user's executions so far: the Nth is {@code <cell-N>} in tracebacks, across restarts. */
    private int cells;
    private int hostExecutions;
    private int restarts;
    private volatile boolean closed;
    private volatile SessionStart howStarted;
    /** The execution under way, for {@link #interrupt()} from another thread; null between executions. */
    private volatile Running running;
    /** Set by the first close(), which alone does the work: the shutdown hook may close a session the owner is closing. */
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile List<PythonTool> pythonTools = List.of();
    private ExecutionResult setupResult;
    /** What this session made in a named working directory for its data (removed at the end), deepest last. */
    private final List<Path> madeForData = new ArrayList<>();
    /**
     * Set while the policy's startup code, tool files or setup files run: a kernel that dies then is not replaced
     * (again and again).
     */
    private boolean startingUp;

    private LocalSession(LocalSandbox sandbox, SandboxPolicy policy, SessionDirectory files, KernelProcess.Launch launch,
                         EgressRoute egress) {
        this.sandbox = sandbox;
        this.policy = policy;
        this.files = files;
        this.launch = launch;
        this.egress = egress;
        // Disk-image or not, what bounds a write from the host is what bounds the code's (see WorkdirFiles).
        this.workdirFiles = new WorkdirFiles(launch.workdir(), launch.user(), policy.maxFileSizeMb(),
                policy.workdir() == null && files.onDiskImage() ? policy.diskMb() : 0);
    }

    static LocalSession start(LocalSandbox sandbox, SandboxPolicy policy) {
        Path named = policy.workdir();
        if (named != null && !Files.isDirectory(named)) {
            throw new SandboxException("the working directory " + named + " does not exist; create it or name another");
        }
        for (DataMount mount : policy.data()) {
            if (!Files.exists(mount.source())) {
                throw new SandboxException("the data path " + mount.source() + " does not exist; name an existing "
                        + "file or directory");
            }
        }
        boolean bubblewrap = sandbox.isolation() == Isolation.BUBBLEWRAP;
        HostUser user = bubblewrap ? HostUser.forSession(sandbox.jvmUser(), named) : sandbox.jvmUser();
        LocalSandbox.ForkServerChoice fork = sandbox.forkServerFor(policy, user);
        SessionDirectory files;
        try {
            files = SessionDirectory.take(user, policy.diskMb(), bubblewrap && sandbox.diskImages(),
                    fork.server() == null ? null : fork.server().sessionsDirectory());
        } catch (RuntimeException e) {
            releaseForkServer(fork.server());
            throw e;
        }
        EgressRoute egress = null;
        LocalSession session;
        try {
            if (!policy.allowHosts().isEmpty()) {
                egress = sandbox.egressGateway().open(files.control().resolve(KernelProcess.EGRESS_SOCKET_NAME),
                        HostAllowlist.parse(policy.allowHosts()));
            }
            KernelProcess.Launch launch = new KernelProcess.Launch(files, named != null ? named : files.work(), user,
                    egress != null, policy.data(), fork.server(), fork.plainBecause());
            session = new LocalSession(sandbox, policy, files, launch, egress);
            LocalSandbox.track(session);
            try {
                session.prepareData();
                String problem = session.startKernel();
                if (problem != null) {
                    throw new SandboxException(problem);
                }
            } catch (RuntimeException e) {
                LocalSandbox.untrack(session);
                if (session.kernel != null) {
                    session.kernel.close();
                }
                session.removeMadeForData();
                throw e; // and below, the session's files and egress go
            }
        } catch (RuntimeException e) {
            if (egress != null) {
                egress.close();
            }
            files.close();
            releaseForkServer(fork.server());
            throw e;
        }
        try {
            synchronized (session) {
                session.setupResult = session.runStartFiles();
            }
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        return session;
    }

    /**
     * Runs the files the policy gives every interpreter at its start, after its startup code: the Python tool files
     * (their functions defined as tools), then the setup files, as the user's code but without a cell number. Returns what the setup files did
     * (null without any); throws a {@link StartupFileException} at the first file that fails.
     */
    private ExecutionResult runStartFiles() {
        startingUp = true;
        try {
            List<PythonTool> tools = new ArrayList<>();
            for (StartupFile file : policy.pythonTools()) {
                tools.addAll(loadToolFile(file));
            }
            pythonTools = List.copyOf(tools);
            ExecutionResult setup = null;
            for (StartupFile file : policy.setup()) {
                ExecutionResult ran = run(file.code(), file.name(), false, policy.timeout(), OutputListener.NONE);
                setup = setup == null ? ran : followedBy(setup, ran);
                if (!ran.ok()) {
                    throw StartupFileException.setup(file.name(), ran.error());
                }
            }
            return setup;
        } finally {
            startingUp = false;
        }
    }

    /** Runs a Python tool file through the kernel's loader, which reads its functions' signatures ({@code inspect}). */
    private List<PythonTool> loadToolFile(StartupFile file) {
        String call = "_codeact_load_tool_file(" + TextNode.valueOf(file.code()) + ", " + TextNode.valueOf(file.name())
                + ")"; // a JSON string is a Python string literal
        ExecutionResult loaded = run(call, "<codeact-host-" + (++hostExecutions) + ">", true, policy.timeout(),
                OutputListener.NONE);
        if (!loaded.ok()) { // out of time or memory: the loader reports everything else itself
            throw StartupFileException.toolFile(file.name(), 0, loaded.error());
        }
        JsonNode answer = loaded.result() == null ? null : loaded.result().json();
        if (answer == null || !(answer.has("functions") || answer.has("error"))) {
            throw new SandboxException("the kernel did not say what the Python tool file " + file.name() + " defines");
        }
        JsonNode error = answer.path("error");
        if (error.isObject()) {
            throw StartupFileException.toolFile(file.name(), error.path("line").asInt(0), new ExecutionError(
                    error.path("type").asText(null), error.path("message").asText(null), error.path("traceback").asText(null)));
        }
        List<PythonTool> tools = new ArrayList<>();
        for (JsonNode function : answer.path("functions")) {
            tools.add(new PythonTool(function.path("name").asText(), function.path("signature").asText(),
                    function.path("doc").asText(""), file.name()));
        }
        return tools;
    }

    /** Two executions' results as one: the first's output, figures and time, then the second's; its error, if any. */
    private static ExecutionResult followedBy(ExecutionResult first, ExecutionResult second) {
        List<Display> displays = new ArrayList<>(first.displays());
        displays.addAll(second.displays());
        List<NetworkRequest> requests = new ArrayList<>(first.networkRequests());
        requests.addAll(second.networkRequests());
        List<ToolCall> calls = new ArrayList<>(first.toolCalls());
        calls.addAll(second.toolCalls());
        return new ExecutionResult(first.stdout() + second.stdout(), first.stderr() + second.stderr(), second.result(),
                second.finalAnswer(), second.error(), displays, calls, requests, first.duration().plus(second.duration()),
                second.timedOut(), first.truncated() || second.truncated(), first.restarted() || second.restarted());
    }

    @Override
    public synchronized ExecutionResult execute(String code, String filename, Duration timeout, OutputListener listener) {
        if (filename != null && filename.isBlank()) {
            throw new IllegalArgumentException("the file name of code must not be blank; give null for a numbered cell");
        }
        int cell = ++cells; // a file counts too, so that the Nth snippet or step is <cell-N> whatever came before
        return run(code, filename != null ? filename : "<cell-" + cell + ">", false, timeout, listener);
    }

    @Override
    public synchronized ExecutionResult executeHostCode(String code) {
        return run(code, "<codeact-host-" + (++hostExecutions) + ">", true, policy.timeout(), OutputListener.NONE);
    }

    private ExecutionResult run(String code, String filename, boolean hostCode, Duration timeout, OutputListener listener) {
        if (closed) {
            throw new IllegalStateException("this session is closed; open a new one");
        }
        boolean restarted = false;
        OutputCollector output = new OutputCollector(listener == null ? OutputListener.NONE : listener, policy.maxOutputChars());
        if (kernel == null || !kernel.isAlive()) {
            // A kernel the previous execution lost (kernel == null) was reported in that execution's error; one that
            // died between executions (a thread of the code's, a signal) has not been reported yet: say it once, here.
            String unreported = kernel == null ? null : "the interpreter had died (" + kernel.exitDescription() + ")";
            if (startingUp) {
                return failed(output, System.nanoTime(), false, false, new ExecutionError("KernelDied",
                        "the interpreter died while the session's startup code or files ran"
                                + (unreported == null ? "" : " (" + unreported + ")"), ""));
            }
            String startupProblem = restart();
            restarted = true;
            if (unreported != null) {
                output.onOutput("stderr", "[codeact] " + unreported + "; this code runs in a fresh interpreter: earlier "
                        + "variables and imports are gone, files in the working directory are kept.\n");
            }
            if (startupProblem != null) {
                output.onOutput("stderr", "[codeact] in the fresh interpreter, " + startupProblem + "\n");
            }
            startAgain(output);
        }
        long started = System.nanoTime();
        String id = "e" + (++executions);
        AtomicBoolean interrupted = new AtomicBoolean();
        KernelProcess current = kernel;
        Running execution = new Running(current);
        running = execution;
        current.processOutput(output);
        ScheduledFuture<?> interrupt = sandbox.scheduler().schedule(() -> {
            interrupted.set(true);
            current.interrupt();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        ScheduledFuture<?> kill = sandbox.scheduler().schedule(current::kill,
                timeout.plus(policy.interruptGrace()).toMillis(), TimeUnit.MILLISECONDS);
        try {
            current.send(new HostFrame.Execute(id, code, filename, hostCode));
            List<Display> displays = new ArrayList<>();
            List<ToolCall> toolCalls = new ArrayList<>();
            while (true) {
                switch (current.receive()) {
                    case KernelFrame.ProtocolError refused -> throw new FrameChannel.KernelProtocolException(
                            "it refused a frame of the host: " + refused.message());
                    case KernelFrame.Hello hello -> throw new FrameChannel.KernelProtocolException("it said hello twice");
                    case KernelFrame.Stream stream when stream.id().equals(id) -> output.onOutput(stream.name(), stream.text());
                    case KernelFrame.Display frame when frame.id().equals(id) -> {
                        Display display = new Display(frame.mime(), frame.data());
                        displays.add(display);
                        output.onDisplay(display);
                    }
                    case KernelFrame.ToolCall frame when frame.id().equals(id) -> {
                        ToolCall call = answerToolCall(current, frame);
                        toolCalls.add(call);
                        output.onToolCall(call);
                    }
                    case KernelFrame.Done done when done.id().equals(id) -> {
                        return finished(done, output, displays, toolCalls, started, interrupted.get(), timeout, restarted);
                    }
                    default -> { /* a frame of another execution's: not this one's to use */ }
                }
            }
        } catch (FrameChannel.KernelProtocolException e) {
            current.kill();
            return failed(output, started, restarted, false, new ExecutionError("KernelProtocolError",
                    "the interpreter broke the host protocol (" + e.getMessage() + "); it was killed and will be "
                            + "replaced: variables and imports are gone, files in the working directory are kept", ""));
        } catch (IOException e) {
            return execution.stopped() ? stopped(current, output, started, restarted)
                    : died(current, output, started, restarted, interrupted.get(), timeout);
        } finally {
            execution.end();
            running = null;
            interrupt.cancel(false);
            kill.cancel(false);
            current.processOutput(OutputListener.NONE);
            if (policy.workdir() != null) {
                SetIdBits.stripAfterExecution(policy.workdir(), launch.user());
            }
        }
    }

    @Override
    public void interrupt() {
        Running execution = running;
        if (execution != null) {
            execution.stop(sandbox, policy.interruptGrace());
        }
    }

    /**
     * One execution under way, as {@link #interrupt()} sees it: stopping it interrupts its kernel and kills it
     * after the grace unless the execution has ended by then (a kill must never reach the next execution).
     */
    private static final class Running {
        private final KernelProcess kernel;
        private boolean stopped;
        private boolean ended;
        private ScheduledFuture<?> kill;

        Running(KernelProcess kernel) {
            this.kernel = kernel;
        }

        void stop(LocalSandbox sandbox, Duration grace) {
            synchronized (this) {
                if (stopped || ended) {
                    return;
                }
                stopped = true;
                kill = sandbox.scheduler().schedule(kernel::kill, grace.toMillis(), TimeUnit.MILLISECONDS);
            }
            kernel.interrupt(); // outside the lock: it waits for kill(1)
        }

        synchronized boolean stopped() {
            return stopped;
        }

        synchronized void end() {
            ended = true;
            if (kill != null) {
                kill.cancel(false);
            }
        }
    }

    /** The interpreter was killed because an interrupted execution did not stop within the grace. */
    private ExecutionResult stopped(KernelProcess current, OutputCollector output, long started, boolean restarted) {
        if (closed) {
            return died(current, output, started, restarted, false, policy.timeout());
        }
        current.kill();
        kernel = null;
        return failed(output, started, restarted, false, new ExecutionError(KernelProtocol.INTERRUPTED,
                "the execution was interrupted and did not stop within " + seconds(policy.interruptGrace())
                        + " (it may catch KeyboardInterrupt or be stuck in native code), so the interpreter was "
                        + "killed. A fresh one will run the next code: variables and imports are gone, files in the "
                        + "working directory are kept.", ""));
    }

    /** Runs the tool the code asked for and sends the answer back; the code waits meanwhile. */
    private ToolCall answerToolCall(KernelProcess current, KernelFrame.ToolCall request) throws IOException {
        long started = System.nanoTime();
        JsonNode value = null;
        String error = null;
        HostFrame.ToolError failure = null;
        ToolHandler handler = toolHandler;
        try {
            if (handler == null) {
                throw new IllegalStateException("this session has no host tools");
            }
            value = handler.call(request.name(), request.args());
        } catch (Exception e) {
            error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            failure = new HostFrame.ToolError(e.getClass().getSimpleName(), error);
        }
        current.send(new HostFrame.ToolResult(request.id(), request.call(), value, failure));
        return new ToolCall(request.name(), request.args(), value, error, elapsed(started));
    }

    private ExecutionResult finished(KernelFrame.Done done, OutputCollector output, List<Display> displays,
                                     List<ToolCall> toolCalls, long started,
                                     boolean interrupted, Duration timeout, boolean restarted) {
        ExecutionError error = null;
        if (done.error() != null) {
            error = new ExecutionError(done.error().type(), done.error().message(), done.error().traceback());
        }
        boolean timedOut = interrupted && error != null && KernelProtocol.INTERRUPTED.equals(error.type());
        if (timedOut) {
            String message = "the execution took longer than its time limit of " + seconds(timeout)
                    + " and was interrupted; the session's state is kept, so you can go on. "
                    + "Make the code faster, or work on a smaller part of the data.";
            error = new ExecutionError("TimeoutError", message, interruptedAt(error.traceback(), message));
        }
        return new ExecutionResult(output.stdout(), output.stderr(), resultValue(done.result()),
                resultValue(done.finalAnswer()), error, displays, toolCalls, networkRequests(), elapsed(started),
                timedOut, output.truncated() || done.truncated(), restarted);
    }

    /**
     * The interrupt's traceback says where the code was when its time ran out; its last line, a bare
     * "KeyboardInterrupt", becomes the time-out's own, so that a reader of the traceback alone (the model) learns why.
     */
    private static String interruptedAt(String traceback, String message) {
        String frames = traceback.stripTrailing();
        if (!frames.endsWith(KernelProtocol.INTERRUPTED)) {
            return traceback;
        }
        return frames.substring(0, frames.length() - KernelProtocol.INTERRUPTED.length()) + "TimeoutError: " + message + "\n";
    }

    /** What the code asked of the network during this execution (nothing when no host is allowed). */
    private List<NetworkRequest> networkRequests() {
        return egress == null ? List.of() : egress.takeRequests();
    }

    private static ResultValue resultValue(KernelFrame.Value value) {
        return value == null ? null : new ResultValue(value.repr(), value.type(), value.json());
    }

    /** The channel closed in the middle of an execution: find out why, say so, and prepare a fresh interpreter. */
    private ExecutionResult died(KernelProcess current, OutputCollector output, long started, boolean restarted,
                                 boolean interrupted, Duration timeout) {
        if (closed) {
            return failed(output, started, restarted, false, new ExecutionError("SessionClosed",
                    "the session was closed while this code was running", ""));
        }
        String exit = current.exitDescription();
        // Each interpreter has a cgroup of its own, so any OOM kill there was this one; read before kill() removes it.
        // V8 ends a heap over its limit (--max-old-space-size, below the cgroup's) with this fatal error.
        boolean outOfMemory = current.oomKills() > 0 || current.recentStderr().contains("JavaScript heap out of memory");
        current.kill();
        ExecutionError error;
        boolean timedOut = false;
        if (interrupted) {
            timedOut = true;
            error = new ExecutionError("TimeoutError", "the execution took longer than its time limit of "
                    + seconds(timeout) + " and did not stop when interrupted (it may catch KeyboardInterrupt or be "
                    + "stuck in native code), so the interpreter was killed. A fresh one will run the next code: "
                    + "variables and imports are gone, files in the working directory are kept.", "");
        } else if (outOfMemory) {
            error = new ExecutionError("MemoryError", "the session used more than its memory limit of "
                    + policy.memoryMb() + " MB, so the interpreter was killed. A fresh one will run the next code: "
                    + "variables and imports are gone, files in the working directory are kept. Use less memory "
                    + "(smaller data, chunks, del what you no longer need).", "");
        } else {
            String stderr = current.recentStderr();
            error = new ExecutionError("KernelDied", "the interpreter stopped unexpectedly (" + exit + ")"
                    + (stderr.isEmpty() ? "" : ": " + tail(stderr, 1000)) + ". A fresh one will run the next code: "
                    + "variables and imports are gone, files in the working directory are kept.", "");
        }
        kernel = null;
        return failed(output, started, restarted, timedOut, error);
    }

    private ExecutionResult failed(OutputCollector output, long started, boolean restarted, boolean timedOut,
                                   ExecutionError error) {
        if (kernel != null && !kernel.isAlive()) {
            kernel = null; // replaced by the next execution, without a second notice: this error says it
        }
        return new ExecutionResult(output.stdout(), output.stderr(), null, null, error, List.of(), List.of(),
                networkRequests(), elapsed(started), timedOut, output.truncated(), true);
    }

    /**
     * Runs the policy's tool and setup files in a fresh interpreter, so that the tools (and what the setup defined)
     * are there again. What they print is not shown twice; a file that fails now is said on the code's stderr, and
     * the code runs without it (in yet another interpreter, if that one died).
     */
    private void startAgain(OutputCollector output) {
        if (policy.pythonTools().isEmpty() && policy.setup().isEmpty()) {
            return;
        }
        try {
            runStartFiles();
        } catch (RuntimeException e) {
            output.onOutput("stderr", "[codeact] in the fresh interpreter, " + e.getMessage() + "\n");
            if (kernel == null || !kernel.isAlive()) {
                String startupProblem = restart();
                if (startupProblem != null) {
                    output.onOutput("stderr", "[codeact] in the fresh interpreter, " + startupProblem + "\n");
                }
            }
        }
    }

    /** Replaces the interpreter; what went wrong with the startup code in the fresh one, or null. */
    private String restart() {
        if (kernel != null) {
            kernel.close();
            kernel = null;
        }
        restarts++;
        return startKernel();
    }

    /** Starts an interpreter and runs the policy's startup code in it; what went wrong with that code, or null. */
    private String startKernel() {
        kernel = KernelProcess.start(sandbox, policy, launch);
        howStarted = kernel.howStarted();
        startingUp = true;
        try {
            int index = 0;
            for (String code : policy.startupCode()) {
                ExecutionResult result = run(code, "<codeact-startup-" + (++index) + ">", true, policy.startupTimeout(),
                        OutputListener.NONE);
                if (!result.ok()) {
                    return "the session's startup code failed: " + result.error().summary();
                }
            }
            return null;
        } finally {
            startingUp = false;
        }
    }

    /**
     * Makes the data readable where the code looks for it. Bubblewrap mounts it (see {@link Bubblewrap}); it only
     * makes {@code data} in a named working directory when there is none, which {@link #close()} removes again.
     * Without a sandbox there are no mounts: each data path is linked as {@code data/NAME} in the working directory.
     */
    private void prepareData() {
        if (policy.data().isEmpty()) {
            return;
        }
        Path directory = launch.workdir().resolve("data");
        try {
            if (sandbox.isolation() == Isolation.BUBBLEWRAP) {
                if (policy.workdir() != null && !Files.exists(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    madeForData.add(directory); // bubblewrap makes it, as the session's user
                }
                return;
            }
            for (DataMount mount : policy.data()) {
                Path link = directory.resolve(mount.name());
                for (Path parent = link.getParent(); !Files.exists(parent); parent = parent.getParent()) {
                    madeForData.add(parent);
                }
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, mount.source());
                madeForData.add(link);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot link the session's data into " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Removes what {@link #prepareData} made in a named working directory: links, and directories left empty. */
    private void removeMadeForData() {
        if (policy.workdir() == null) {
            return; // a private working directory goes as a whole
        }
        List<Path> made = new ArrayList<>(madeForData);
        made.sort(java.util.Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path path : made) {
            try {
                Files.deleteIfExists(path); // a directory the code filled is not empty: it stays
            } catch (IOException ignored) {
                // kept, as anything else in the user's directory
            }
        }
    }

    private static Duration elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format("%.1f s", millis / 1000.0);
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    @Override
    public void toolHandler(ToolHandler handler) {
        this.toolHandler = handler;
    }

    @Override
    public List<PythonTool> pythonTools() {
        return pythonTools;
    }

    @Override
    public synchronized ExecutionResult setupResult() {
        return setupResult;
    }

    @Override
    public Path workdir() {
        return launch.workdir();
    }

    @Override
    public SessionFiles files() {
        return workdirFiles;
    }

    /** The running kernel (null between a lost one and its replacement), for tests that speak the protocol themselves. */
    KernelProcess kernel() {
        return kernel;
    }

    @Override
    public SandboxPolicy policy() {
        return policy;
    }

    @Override
    public synchronized int restarts() {
        return restarts;
    }

    /** The current interpreter's processes (host PIDs), its root first; none between interpreters. */
    synchronized List<Long> processIds() {
        return kernel == null ? List.of() : kernel.pids();
    }

    @Override
    public SessionStart howStarted() {
        return howStarted;
    }

    @Override
    public boolean isAlive() {
        KernelProcess current = kernel;
        return !closed && current != null && current.isAlive();
    }

    /**
     * Kills the interpreter and everything it started, and removes the session's files on the host: a private
     * working directory and /tmp are deleted (and their disk unmounted); a named working directory is kept.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        KernelProcess current = kernel;
        if (current != null) {
            current.close();
        }
        synchronized (this) {
            if (egress != null) {
                egress.close();
            }
            if (policy.workdir() != null) {
                SetIdBits.strip(policy.workdir(), launch.user());
            }
            removeMadeForData();
            files.close();
            releaseForkServer(launch.forkServer());
        }
        LocalSandbox.untrack(this);
    }

    /** The session's directory is gone from its fork server's: the server may stop, if it is retired. */
    private static void releaseForkServer(ForkServer server) {
        if (server != null) {
            server.release();
        }
    }
}
