package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the sandbox leaves on the host, with every module allowed: no root-owned or set-ID file, a bounded disk,
 * and no process or directory once a session ends, however it ends. Run as root (as CI does), these check the
 * drop to the sandbox's user; run as anyone else, that the files are that user's.
 */
class BoundaryTest {
    private static final HostUser JVM = HostUser.current();
    /** Who the code runs as when the JVM is root and the working directory is private or root's. */
    private static final HostUser RUNS_AS = JVM.isRoot() ? HostUser.sandboxUser() : JVM;

    private static SandboxPolicy.Builder everythingAllowed() {
        return quickPolicy().allowedImports(Set.of("*"));
    }

    @Test
    void aSetUidShellCannotBeLeftOnTheHost() throws Exception {
        Path dir = SANDBOX.createWorkdir("codeact-named-");
        try (Session session = SANDBOX.open(everythingAllowed().workdir(dir).build())) {
            ExecutionResult attack = session.execute("""
                    import shutil, os
                    shutil.copy('/bin/sh', 'sh')
                    outcomes = []
                    for mode in (0o4755, 0o2755, 0o6755):
                        try:
                            os.chmod('sh', mode)
                            outcomes.append('set')
                        except PermissionError:
                            outcomes.append('refused')
                    fd = None
                    try:
                        fd = os.open('made-setuid', os.O_CREAT | os.O_WRONLY, 0o4755)
                        outcomes.append('created')
                    except PermissionError:
                        outcomes.append('refused')
                    outcomes
                    """);
            assertThat(attack.error()).isNull();
            assertThat(attack.result().json().toString()).isEqualTo("[\"refused\",\"refused\",\"refused\",\"refused\"]");
            assertThat(dir.resolve("sh")).exists();
        }
        assertNothingPrivileged(dir);
        LocalSandbox.deleteRecursively(dir);
    }

    @Test
    void theSessionsSyscallFilterRefusesWhatExploitsUseWhileTheDataStackWorks() {
        try (Session session = SANDBOX.open(everythingAllowed().timeout(Duration.ofSeconds(60)).build())) {
            ExecutionResult probes = session.execute("""
                    import ctypes, os
                    libc = ctypes.CDLL(None, use_errno=True)
                    libc.syscall.restype = ctypes.c_long
                    def errno_of(number, *args):
                        ctypes.set_errno(0)
                        result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
                        return ctypes.get_errno() if result == -1 else 'succeeded'
                    {
                        'ptrace': errno_of(101, 0, 0, 0, 0),             # PTRACE_TRACEME
                        'unshare': errno_of(272, 0x10000000),           # CLONE_NEWUSER
                        'keyctl': errno_of(250, 0, 0, 0, 0),
                        'bpf': errno_of(321, 0, 0, 0),
                        'perf_event_open': errno_of(298, 0, 0, -1, -1, 0),
                        'mount': errno_of(165, 0, 0, 0, 0, 0),
                        'io_uring_setup': errno_of(425, 1, 0),
                    }
                    """);
            assertThat(probes.error()).isNull();
            assertThat(probes.result().json().toString()).isEqualTo("{\"ptrace\":1,\"unshare\":1,\"keyctl\":1,"
                    + "\"bpf\":1,\"perf_event_open\":1,\"mount\":1,\"io_uring_setup\":1}");

            ExecutionResult stack = session.execute("""
                    import numpy as np, pandas as pd, scipy.stats, matplotlib.pyplot as plt, multiprocessing
                    from sklearn.linear_model import LinearRegression
                    model = LinearRegression().fit(np.arange(10).reshape(-1, 1), 2 * np.arange(10) + 1)
                    plt.plot([1, 2, 3]); plt.savefig('/tmp/plot.png')
                    with multiprocessing.Pool(2) as pool:
                        squares = pool.map(abs, [-1, -2, -3])
                    [round(float(model.coef_[0]), 6), int(pd.Series(squares).sum()),
                     round(float(scipy.stats.norm.cdf(0)), 2)]
                    """);
            assertThat(stack.error()).isNull();
            assertThat(stack.result().json().toString()).isEqualTo("[2.0,6,0.5]");
        }
    }

    @Test
    void setIdBitsThatGotThereAnywayAreClearedAfterTheExecution() throws Exception {
        Path dir = SANDBOX.createWorkdir("codeact-named-");
        try (Session session = SANDBOX.open(everythingAllowed().workdir(dir).build())) {
            session.execute("open('tool', 'w').write('#!/bin/sh\\n')");
            // As if the first layer had been bypassed: the file the code made gets the bits behind its back.
            Files.setAttribute(dir.resolve("tool"), "unix:mode", 04755);
            assertThat(SetIdBits.mode(dir.resolve("tool")) & 06000).isNotZero();

            session.execute("1 + 1");

            assertThat(SetIdBits.mode(dir.resolve("tool")) & 07777).isEqualTo(0755);
        }
        LocalSandbox.deleteRecursively(dir);
    }

    @Test
    void filesInThePrivateWorkingDirectoryAreTheSandboxUsersNotRoots() throws Exception {
        try (Session session = SANDBOX.open(everythingAllowed().build())) {
            ExecutionResult result = session.execute("""
                    import os
                    open('made.txt', 'w').write('x')
                    os.mkdir('sub')
                    (os.getuid(), os.geteuid())
                    """);
            assertThat(result.result().json().toString()).isEqualTo("[1000,1000]");
            for (String name : List.of("made.txt", "sub")) {
                assertThat(owner(session.workdir().resolve(name))).isEqualTo(RUNS_AS.uid()).isNotZero();
            }
            // Nothing in the writable places can run with privileges, inside or (for the disk) on the host.
            ExecutionResult mounts = session.execute("""
                    flags = {}
                    for line in open('/proc/self/mountinfo'):
                        fields = line.split()
                        if fields[4] in ('/work', '/tmp'):
                            flags[fields[4]] = sorted(set(fields[5].split(',')) & {'nosuid', 'nodev'})
                    dict(sorted(flags.items()))
                    """);
            assertThat(mounts.result().json().toString())
                    .isEqualTo("{\"/tmp\":[\"nodev\",\"nosuid\"],\"/work\":[\"nodev\",\"nosuid\"]}");
            // No other local user can reach the session's files.
            Path sessionDir = sessionDirectory(session);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionDir))).isEqualTo("rwx------");
        }
    }

    @Test
    void aNamedWorkingDirectoryOfAnotherUserIsWrittenAsThatUser() throws Exception {
        Path dir = Files.createTempDirectory("codeact-named-");
        int person = JVM.isRoot() ? 4242 : JVM.uid();
        if (JVM.isRoot()) {
            Files.setAttribute(dir, "unix:uid", person);
            Files.setAttribute(dir, "unix:gid", person);
        }
        try (Session session = SANDBOX.open(everythingAllowed().workdir(dir).build())) {
            assertThat(session.execute("open('report.csv', 'w').write('a,b\\n')").error()).isNull();
        }
        assertThat(owner(dir.resolve("report.csv"))).isEqualTo(person);
        LocalSandbox.deleteRecursively(dir);
    }

    @Test
    void aNamedWorkingDirectoryTheSandboxUserCannotWriteIsRefusedWithWhatToGrant() throws Exception {
        Path dir = Files.createTempDirectory("codeact-named-"); // rwx------, the JVM's own
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(JVM.isRoot() ? "rwxr-xr-x" : "r-xr-xr-x"));
        try {
            assertThatThrownBy(() -> SANDBOX.open(everythingAllowed().workdir(dir).build()).close())
                    .isInstanceOf(SandboxException.class)
                    .hasMessageContaining("the working directory " + dir + " is not writable by " + RUNS_AS.describe())
                    .hasMessageContaining("chown " + RUNS_AS.name() + " " + dir)
                    .hasMessageContaining("setfacl -m u:" + RUNS_AS.name() + ":rwx " + dir);
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            LocalSandbox.deleteRecursively(dir);
        }
    }

    @Test
    void theDiskIsBoundedForTheWorkingDirectoryAndTmpTogetherAndTheSessionGoesOn() {
        try (Session session = SANDBOX.open(everythingAllowed().diskMb(64).build())) {
            ExecutionResult fill = session.execute("""
                    import os
                    written = 0
                    for i in range(200):
                        folder = '/tmp' if i % 2 else '.'
                        with open(os.path.join(folder, f'part-{i}.bin'), 'wb') as f:
                            f.write(b'x' * (1 << 20))
                        written += 1
                    """);
            assertThat(fill.error().type()).isEqualTo("OSError");
            String bound = SANDBOX.diskImages() ? "its working directory and /tmp together" : "/tmp";
            assertThat(fill.error().message()).contains("No space left on device")
                    .contains("no space left: the sandbox limits its disk to 64 MB, " + bound)
                    .contains("delete files or ask for more with --disk");

            ExecutionResult after = session.execute("""
                    import os, glob
                    for name in glob.glob('part-*.bin') + glob.glob('/tmp/part-*.bin'):
                        os.remove(name)
                    open('small.txt', 'w').write('fits again')
                    written
                    """);
            assertThat(after.error()).isNull();
            // With a disk image, both halves count against one bound: about 64 files of 1 MB in all. Without one
            // (no root), only /tmp is bounded, so the fill stops when /tmp has its 64.
            int expectedAtMost = SANDBOX.diskImages() ? 64 : 130;
            assertThat(after.result().json().asInt()).isBetween(40, expectedAtMost);
            assertThat(session.workdir().resolve("small.txt")).hasContent("fits again");
        }
    }

    @Test
    void aForkBombATimeoutAndAKillLeaveNoProcessAndNoDirectory() throws Exception {
        Session session = SANDBOX.open(everythingAllowed().timeout(Duration.ofSeconds(3)).maxProcesses(32).build());
        Path sessionDir = sessionDirectory(session);
        ExecutionResult bomb = session.execute("""
                import os, signal, subprocess
                subprocess.Popen(['sleep', '300'])
                children = 0
                try:
                    while True:
                        if os.fork() == 0:
                            signal.pause()
                            os._exit(0)
                        children += 1
                except OSError:
                    pass
                children
                """);
        assertThat(bomb.result().json().asInt()).as("forks until the process limit").isBetween(10, 32);
        List<Long> bombed = sessionProcesses(session);
        assertThat(bombed).hasSizeGreaterThan(10);

        ExecutionResult stuck = session.execute("""
                import signal
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # so that the time limit must kill, not interrupt
                while True:
                    pass
                """);
        assertThat(stuck.timedOut()).isTrue();
        awaitGone(bombed);

        assertThat(session.execute("import subprocess\nsubprocess.Popen(['sleep', '300']).pid > 0").result().json()
                .asBoolean()).as("a fresh interpreter runs the next code").isTrue();
        List<Long> fresh = sessionProcesses(session);
        session.close();

        awaitGone(fresh);
        assertThat(sessionDir).doesNotExist();
    }

    /**
     * The session's directory a private working directory is in (on its disk image or not): a codeact-session-* one,
     * or one in a fork server's directory; either holds the kernel's control directory.
     */
    private static Path sessionDirectory(Session session) {
        for (Path dir = session.workdir(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("control")) && Files.isRegularFile(dir.resolve("owner"))) {
                return dir;
            }
        }
        throw new AssertionError("no session directory above " + session.workdir());
    }

    /** The session's processes now, by host PID: bubblewrap or the forked init, and all their descendants. */
    private static List<Long> sessionProcesses(Session session) {
        return ((LocalSession) session).processIds();
    }

    /**
     * Waits until none of these PIDs exists on the host any more, not even as a zombie (a zombie still has its
     * /proc entry): each was reaped.
     */
    private static void awaitGone(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (pids.stream().anyMatch(pid -> Files.exists(Path.of("/proc", Long.toString(pid))))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(pids).as("processes of the session still on the host (zombies included)")
                .noneMatch(pid -> Files.exists(Path.of("/proc", Long.toString(pid))));
    }

    private static int owner(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static void assertNothingPrivileged(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.toList()) {
                assertThat(owner(path)).as("owner of " + path).isNotZero();
                assertThat(SetIdBits.mode(path) & 06000).as("set-ID bits of " + path).isZero();
            }
        }
    }
}
