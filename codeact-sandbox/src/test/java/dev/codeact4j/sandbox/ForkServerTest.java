package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions born from the fork server: what siblings must not share, and the server's own life. The rest of the
 * sandbox's tests run against both starts (the build runs them again with {@code -Dcodeact.forkServer=false}).
 */
class ForkServerTest {
    private static final boolean FORK_SERVER_ON = !"false".equals(System.getProperty("codeact.forkServer"));

    private static Session open() {
        return SANDBOX.open(quickPolicy().allowImports("*").build());
    }

    @Test
    void sessionsStartAsThisTestRunAsks() {
        try (Session session = open()) {
            SessionStart start = session.howStarted();
            assertThat(start.forked()).as(String.valueOf(start)).isEqualTo(FORK_SERVER_ON);
            if (FORK_SERVER_ON) {
                assertThat(start.reason()).isNull();
                assertThat(session.execute("import sys\nsorted(m for m in ('numpy', 'pandas', 'matplotlib') if m in sys.modules)")
                        .result().repr()).as("the data stack was imported by the server").isEqualTo("['matplotlib', 'numpy', 'pandas']");
            } else {
                assertThat(start.reason()).isEqualTo("the fork server is turned off");
            }
            assertThat(session.execute("import os\n(os.getpid(), os.getcwd(), os.getuid())").result().repr())
                    .isEqualTo("(2, '/work', 1000)");
            assertThat(session.execute("""
                    import socket
                    server = socket.create_server(('127.0.0.1', 0))
                    client = socket.create_connection(server.getsockname(), timeout=2)
                    peer, _ = server.accept()
                    client.sendall(b'over loopback')
                    peer.recv(100)
                    """).result().repr()).as("the session's own loopback is up").isEqualTo("b'over loopback'");
            ExecutionError error = session.execute("raise ToolError('down')").error();
            assertThat(error.traceback()).as("the kernel's classes are named as in a plain start")
                    .contains("\nToolError: down").doesNotContain("kernel.ToolError");
        }
    }

    @Test
    void aPolicyTheServerDoesNotFitStartsPlainlyAndSaysWhy() throws Exception {
        try (Session session = SANDBOX.open(quickPolicy().network(true).build())) {
            assertThat(session.howStarted().forked()).isFalse();
            assertThat(session.howStarted().reason()).contains("network");
            assertThat(session.execute("1 + 1").result().repr()).isEqualTo("2");
        }
        Path named = SANDBOX.createWorkdir("codeact-fork-test-");
        try (Session session = SANDBOX.open(quickPolicy().workdir(named).build())) {
            assertThat(session.howStarted().forked()).isFalse();
            assertThat(session.howStarted().reason()).contains("working directory");
        } finally {
            LocalSandbox.deleteRecursively(named);
        }
    }

    @Test
    void aModuleTheServerImportedIsStillRefusedByThePolicy() {
        try (Session session = SANDBOX.open(quickPolicy().allowedImports(Set.of("math")).build())) {
            ExecutionResult result = session.execute("import pandas");
            assertThat(result.error().type()).isEqualTo("ImportError");
            assertThat(result.error().message()).contains("'pandas' is not allowed");
        }
    }

    @Test
    void siblingsShareNoTmpNoShmNoProcessesNoSocketsAndNoIpc() {
        try (Session first = open(); Session second = open()) {
            first.execute("""
                    import ctypes, os, socket, time
                    open('/tmp/secret', 'w').write('mine')
                    open('/dev/shm/secret', 'w').write('mine')
                    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    listener.bind('\\0codeact-sibling')
                    listener.listen(1)
                    libc = ctypes.CDLL(None, use_errno=True)
                    segment = libc.shmget(4242, 4096, 0o1666)  # IPC_CREAT | 0666
                    assert segment >= 0, os.strerror(ctypes.get_errno())
                    import subprocess
                    sleeper = subprocess.Popen(['sleep', '300'])
                    """);
            long firstKernel = ((LocalSession) first).processIds().get(1);
            String seen = second.execute("""
                    import ctypes, os, socket
                    found = {}
                    found['tmp'] = os.path.exists('/tmp/secret')
                    found['shm'] = os.path.exists('/dev/shm/secret')
                    found['processes'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
                    try:
                        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        probe.connect('\\0codeact-sibling')
                        found['socket'] = 'reached'
                    except OSError as e:
                        found['socket'] = type(e).__name__
                    libc = ctypes.CDLL(None, use_errno=True)
                    found['ipc'] = libc.shmget(4242, 0, 0) >= 0
                    try:
                        os.kill(%d, 9)
                        found['signal'] = 'sent'
                    except OSError as e:
                        found['signal'] = type(e).__name__
                    found
                    """.formatted(firstKernel)).result().repr();
            assertThat(seen).contains("'tmp': False", "'shm': False", "'socket': 'ConnectionRefusedError'",
                    "'ipc': False", "'signal': 'ProcessLookupError'");
            assertThat(seen).as("only its own init and kernel (and what it ran to list them)")
                    .containsPattern("'processes': \\[1, 2(, \\d+)?\\]");
            assertThat(first.execute("open('/tmp/secret').read() + str(sleeper.poll())").result().repr())
                    .isEqualTo("'mineNone'");
        }
    }

    @Test
    void oneSessionsMemoryBombLeavesItsSiblingRunning() {
        try (Session bomber = SANDBOX.open(quickPolicy().allowImports("*").memoryMb(256).build());
             Session sibling = open()) {
            sibling.execute("kept = 'still here'");
            ExecutionResult bomb = bomber.execute("hog = bytearray(1024 * 1024 * 1024)\nhog[::4096] = b'x' * len(hog[::4096])");
            assertThat(bomb.error()).isNotNull();
            assertThat(bomb.error().type()).isIn("MemoryError", "KernelDied");
            assertThat(sibling.execute("kept").result().repr()).isEqualTo("'still here'");
            assertThat(bomber.execute("1 + 1").result().repr()).as("the bomber gets a fresh interpreter").isEqualTo("2");
        }
    }

    @Test
    void siblingsGetFreshRandomSeeds() {
        Set<String> draws = new HashSet<>();
        for (int index = 0; index < 3; index++) {
            try (Session session = open()) {
                draws.add(session.execute("import random, uuid, numpy\n(random.random(), float(numpy.random.random()), "
                        + "uuid.uuid4().hex)").result().repr());
            }
        }
        assertThat(draws).hasSize(3);
        List<String> parts = new ArrayList<>();
        draws.forEach(draw -> parts.addAll(List.of(draw.split(", "))));
        assertThat(new HashSet<>(parts)).as("no generator repeats across sessions").hasSize(9);
    }

    @Test
    void fiftySessionsOpenedAtOnceAllWork() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(50);
        List<Session> sessions = new ArrayList<>();
        try {
            List<Future<Session>> opening = new ArrayList<>();
            for (int index = 0; index < 50; index++) {
                int number = index;
                opening.add(executor.submit(() -> {
                    Session session = SANDBOX.open(quickPolicy().startupTimeout(Duration.ofSeconds(60)).build());
                    synchronized (sessions) {
                        sessions.add(session);
                    }
                    assertThat(session.execute("x = " + number + "\nx * 2").result().repr()).isEqualTo(Integer.toString(number * 2));
                    return session;
                }));
            }
            for (Future<Session> future : opening) {
                SessionStart start = future.get().howStarted();
                assertThat(start.forked()).as(String.valueOf(start)).isEqualTo(FORK_SERVER_ON);
            }
        } finally {
            executor.shutdownNow();
            sessions.forEach(Session::close);
        }
    }

    @Test
    void aKilledForkServerIsStartedAgainAndItsSessionsLiveOn() throws Exception {
        if (!FORK_SERVER_ON) {
            return; // nothing to kill: this run's sessions start plainly (sessionsStartAsThisTestRunAsks says so)
        }
        try (Session before = open()) {
            before.execute("kept = 41");
            ProcessHandle server = forkServerPython();
            server.destroyForcibly();
            server.onExit().get();
            try (Session after = open()) {
                assertThat(after.howStarted().forked()).isTrue();
                assertThat(forkServerPython().pid()).isNotEqualTo(server.pid());
                assertThat(after.execute("1 + 1").result().repr()).isEqualTo("2");
            }
            assertThat(before.execute("kept + 1").result().repr()).as("the session lives on").isEqualTo("42");
        }
    }

    @Test
    void aForkServerWhoseSandboxDiesIsReplacedAndItsSessionsGoOnPlainlyWithTheirFiles() throws Exception {
        if (!FORK_SERVER_ON) {
            return;
        }
        try (Session before = open()) {
            before.execute("kept = 41\nopen('notes.txt', 'w').write('kept')");
            ProcessHandle sandbox = forkServerSandbox();
            sandbox.descendants().forEach(ProcessHandle::destroyForcibly);
            sandbox.destroyForcibly();
            sandbox.onExit().get();
            ExecutionResult lost = before.execute("kept + 1");
            assertThat(lost.restarted()).as("its processes lived in the server's sandbox").isTrue();
            assertThat(lost.error().type()).as("the state went with them").isIn("KernelDied", "NameError");
            assertThat(before.execute("open('notes.txt').read()").result().repr()).isEqualTo("'kept'");
            assertThat(before.howStarted().forked()).isFalse();
            assertThat(before.howStarted().reason()).contains("fork server this session came from has stopped");
            try (Session after = open()) {
                assertThat(after.howStarted().forked()).as("a new server").isTrue();
                assertThat(forkServerSandbox().pid()).isNotEqualTo(sandbox.pid());
            }
        }
    }

    @Test
    void aServerThatMadeItsShareIsReplacedAndStopsWhenItsLastSessionEnds() throws Exception {
        if (!FORK_SERVER_ON) {
            return;
        }
        int share = ForkServers.forksPerServer;
        int margin = ForkServers.successorMargin;
        Session kept = open(); // a session of the first server, open while the next one takes over
        try {
            long first = serverOf(kept);
            ForkServers.forksPerServer = ForkServers.successorMargin = 0; // the first has made its share
            long next = first;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (next == first) {
                assertThat(System.nanoTime()).as("a successor took over within 60 s").isLessThan(deadline);
                try (Session session = open()) {
                    assertThat(session.howStarted().forked()).as("no session is started plainly meanwhile").isTrue();
                    next = serverOf(session);
                }
            }
            ForkServers.forksPerServer = share;
            ForkServers.successorMargin = margin;
            assertThat(kept.execute("1 + 1").result().repr()).as("the old server's session lives on").isEqualTo("2");
            ProcessHandle old = ProcessHandle.of(first).orElseThrow();
            assertThat(old.isAlive()).as("the old server waits for its last session").isTrue();
            kept.close();
            old.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(forkServerSandbox().pid()).isEqualTo(next);
        } finally {
            ForkServers.forksPerServer = share;
            ForkServers.successorMargin = margin;
            kept.close();
        }
    }

    @Test
    void prepareStartsTheServerAheadAndTheFirstSessionIsForkedFromIt() throws Exception {
        if (!FORK_SERVER_ON) {
            return;
        }
        // Another interpreter's path is another profile: a server of its own, which no other test has started.
        Sandbox sandbox = Sandbox.builder().python(Path.of("/usr/bin/python3.11")).build();
        List<Long> before = forkServerSandboxes().stream().map(ProcessHandle::pid).toList();
        sandbox.prepare(quickPolicy().build());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<ProcessHandle> started;
        while ((started = forkServerSandboxes().stream().filter(server -> !before.contains(server.pid())).toList()).isEmpty()) {
            assertThat(System.nanoTime()).as("the prepared server started").isLessThan(deadline);
            Thread.sleep(20);
        }
        try (Session session = sandbox.open(quickPolicy().build())) {
            assertThat(session.howStarted().forked()).isTrue();
            assertThat(serverOf(session)).isEqualTo(started.get(0).pid());
        }
    }

    /** The fork server's bubblewrap a forked session came from: its init's parent (the server's init) and that's parent. */
    private static long serverOf(Session session) {
        long init = ((LocalSession) session).processIds().get(0);
        return ProcessHandle.of(init).flatMap(ProcessHandle::parent).flatMap(ProcessHandle::parent)
                .map(ProcessHandle::pid).orElseThrow();
    }

    /** The bubblewraps of this JVM's fork servers: its children that run forkserver.py. */
    private static List<ProcessHandle> forkServerSandboxes() {
        return ProcessHandle.current().children()
                .filter(child -> String.join(" ", child.info().arguments().orElse(new String[0])).contains("forkserver.py"))
                .filter(ProcessHandle::isAlive).toList();
    }

    /** The bubblewrap of the default profile's fork server: the child of this JVM that runs forkserver.py with python3. */
    private static ProcessHandle forkServerSandbox() {
        // the default profile's: /usr/bin/python3 (prepareStartsTheServerAhead... starts one of python3.11's)
        List<ProcessHandle> found = forkServerSandboxes().stream()
                .filter(server -> String.join(" ", server.info().arguments().orElse(new String[0])).contains("'/usr/bin/python3' "))
                .toList();
        assertThat(found).as("one fork server: %s", found.stream().map(process -> process.info().toString()).toList())
                .hasSize(1);
        return found.get(0);
    }

    /** The fork server's Python: the child of the shell that starts it again. */
    private static ProcessHandle forkServerPython() {
        return forkServerSandbox().descendants()
                .filter(process -> process.info().arguments().map(args -> String.join(" ", args).contains("forkserver.py")).orElse(false))
                .filter(process -> process.parent().flatMap(parent -> parent.info().command()).orElse("").endsWith("sh"))
                .findFirst().orElseThrow();
    }

    @Test
    void theServersFilesAreOutOfTheSessionsReach() {
        if (!FORK_SERVER_ON) {
            return;
        }
        try (Session session = open()) {
            String seen = session.execute("""
                    import os
                    (os.listdir('/run/codeact-forkserver'), sorted(os.listdir('/run/codeact')))
                    """).result().repr();
            assertThat(seen).as("the server's directory is covered; the control directory is the session's own")
                    .isEqualTo("([], ['config.json', 'kernel.sock'])");
            assertThat(Files.exists(session.workdir())).isTrue();
        }
    }
}
