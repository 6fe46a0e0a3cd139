package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The seccomp filter, twice over: its BPF program run by a small interpreter here (every rule, many argument
 * values, no sandbox needed), and the real thing: bubblewrap loads it with {@code --seccomp 9}, as sessions do,
 * and Python's ctypes probes what it denies and what the scientific stack still needs. A control run without
 * {@code --seccomp} shows that the probes would succeed but for the filter.
 */
class SyscallFilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ALLOW = 0x7fff0000;
    private static final int EPERM = 0x00050000 | 1;
    private static final int ENOSYS = 0x00050000 | 38;
    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    private static final int AUDIT_ARCH_I386 = 0x40000003;

    private static Path filter;

    @BeforeAll
    static void compile() {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the syscall numbers below are x86_64's");
        filter = SyscallFilter.compiled();
    }

    @Test
    void theFilterIsWrittenOnceAndReadableByOthers() throws IOException {
        assertThat(SyscallFilter.compiled()).isSameAs(filter);
        assertThat(filter.getFileName().toString()).isEqualTo("filter.bpf");
        assertThat(filter.getParent().getFileName().toString()).matches("codeact-seccomp-[0-9a-f]{16}");
        assertThat(filter.getParent().getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
        assertThat(Files.getPosixFilePermissions(filter, LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.getPosixFilePermissions(filter.getParent(), LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.size(filter) % 8).isZero();
        assertThat(Files.size(filter) / 8).isBetween(50L, 4096L);
    }

    @Test
    void aDirectoryThatOthersCouldHavePlantedIsNotTrusted(@TempDir Path tmp) throws IOException {
        byte[] program = Files.readAllBytes(filter);
        String name = filter.getParent().getFileName().toString();

        // Written under a fresh directory, then found again; a wrong or missing copy is written anew.
        Path written = SyscallFilter.writeUnder(tmp);
        assertThat(written).isEqualTo(tmp.resolve(name).resolve("filter.bpf")).hasBinaryContent(program);
        assertThat(SyscallFilter.writeUnder(tmp)).isEqualTo(written);
        Files.write(written, new byte[8]);
        assertThat(SyscallFilter.writeUnder(tmp)).isEqualTo(written).hasBinaryContent(program);
        Files.delete(written);
        assertThat(SyscallFilter.writeUnder(tmp)).isEqualTo(written).hasBinaryContent(program);
        assertThat(Files.getPosixFilePermissions(written)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));

        // The name is predictable: a world-writable directory of that name holding an allow-all filter is
        // ignored, and the program goes to a private directory beside it.
        Path other = Files.createTempDirectory("codeact-seccomp-test-");
        try {
            Path planted = other.resolve(name);
            Files.createDirectory(planted);
            Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.write(planted.resolve("filter.bpf"), new byte[] {6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f}); // ret ALLOW
            Path chosen = SyscallFilter.writeUnder(other);
            assertThat(chosen.getParent()).isNotEqualTo(planted);
            assertThat(chosen.getParent().getFileName().toString()).startsWith(name + "-");
            assertThat(chosen).hasBinaryContent(program);
            assertThat(Files.getPosixFilePermissions(chosen.getParent())).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        } finally {
            try (var walk = Files.walk(other)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void itDescribesItself() {
        assertThat(SyscallFilter.describe()).doesNotContain("\n").contains("seccomp").contains("libseccomp");
        assertThat(SyscallFilter.deniedSyscalls()).contains("ptrace", "bpf", "keyctl", "mount", "unshare",
                "setns", "userfaultfd", "io_uring_setup", "perf_event_open", "open_by_handle_at", "modify_ldt");
    }

    // --- the program itself, interpreted ---

    @Test
    void everyDeniedSyscallFailsWithEpermWhateverItsArguments() throws IOException {
        Bpf bpf = Bpf.load(filter);
        int[] denied = {101, 310, 311, 312, 438, 440, 250, 248, 249, 321, 298, 323, 165, 166, 155, 161, 429, 428,
                430, 431, 432, 433, 442, 272, 308, 246, 320, 175, 313, 176, 167, 168, 169, 163, 179, 443, 425, 426,
                427, 303, 304, 212, 103, 172, 173, 164, 227, 305, 159, 134, 136, 139, 300, 154};
        assertThat(denied).hasSize(SyscallFilter.deniedSyscalls().size() - 2); // vm86 and vm86old: i386 only
        for (int nr : denied) {
            assertThat(bpf.run(AUDIT_ARCH_X86_64, nr)).as("syscall %d", nr).isEqualTo(EPERM);
            assertThat(bpf.run(AUDIT_ARCH_X86_64, nr, 0xffff_ffff_ffff_ffffL, 1, 2)).isEqualTo(EPERM);
        }
        for (int nr : new int[] {0, 1, 3, 9, 10, 11, 12, 39, 60, 61, 62, 202, 231, 257 /* openat, mode 0 */, 434 /* pidfd_open */}) {
            assertThat(bpf.run(AUDIT_ARCH_X86_64, nr)).as("syscall %d", nr).isEqualTo(ALLOW);
        }
        assertThat(bpf.run(AUDIT_ARCH_X86_64, 435)).as("clone3").isEqualTo(ENOSYS);
        assertThat(bpf.run(AUDIT_ARCH_X86_64, 437)).as("openat2").isEqualTo(ENOSYS);
        // Other architectures: i386 (int 0x80) and x32 (the x32 bit in the number).
        assertThat(bpf.run(AUDIT_ARCH_I386, 20)).isEqualTo(EPERM);
        assertThat(bpf.run(AUDIT_ARCH_I386, 1)).isEqualTo(EPERM);
        assertThat(bpf.run(AUDIT_ARCH_X86_64, 0x40000000 | 39)).isEqualTo(EPERM);
        assertThat(bpf.run(AUDIT_ARCH_X86_64, 0x40000000 | 101)).isEqualTo(EPERM);
    }

    @Test
    void cloneWithANamespaceFlagIsDenied() throws IOException {
        Bpf bpf = Bpf.load(filter);
        int clone = 56;
        long sigchld = 17;
        for (long flag : new long[] {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L,
                0x40000000L}) {
            assertThat(bpf.run(AUDIT_ARCH_X86_64, clone, flag | sigchld)).as("flag %x", flag).isEqualTo(EPERM);
            assertThat(bpf.run(AUDIT_ARCH_X86_64, clone, flag | 0x003d0f00L)).isEqualTo(EPERM);
            assertThat(bpf.run(AUDIT_ARCH_X86_64, clone, flag | 0xffff_ffff_0000_0000L)).isEqualTo(EPERM);
        }
        // fork (glibc), pthread_create, vfork (posix_spawn, subprocess), and exit signal 0x80 + n.
        for (long flags : new long[] {0x01200011L, 0x003d0f00L, 0x00004111L, 0x80L | 0x00004100L, sigchld, 0}) {
            assertThat(bpf.run(AUDIT_ARCH_X86_64, clone, flags)).as("flags %x", flags).isEqualTo(ALLOW);
        }
    }

    @Test
    void personalityAllowsOnlyTheDefaultPersonaLinux32AndTheQuery() throws IOException {
        Bpf bpf = Bpf.load(filter);
        List<Long> values = new ArrayList<>(List.of(0L, 8L, 0xffffffffL, 0x0400000L, 0x0040000L, 0x0100000L,
                0x80400000L, 0xfffffffeL, 0x7fffffffL, 0x0400008L, 0x0020000L, 0x0020008L, 9L, 7L, 0xcL, 0x18L,
                0x1_0000_0000L, 0x1_0040_0000L, 0xffff_ffff_ffff_ffffL, 0x8000_0000_0000_0000L, 0x1_ffff_ffffL));
        for (int i = 0; i < 32; i++) {
            values.add(1L << i);
            values.add(0xffffffffL ^ (1L << i));
            values.add(8L | (1L << i));
            for (int j = 0; j < 32; j++) {
                values.add((1L << i) | (1L << j));
            }
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            values.add(random.nextLong() & 0xffffffffL);
            values.add(random.nextLong());
        }
        for (long value : values) {
            boolean allowed = value == 0 || value == 8 || value == 0xffffffffL;
            assertThat(bpf.run(AUDIT_ARCH_X86_64, 135, value)).as("personality(%x)", value)
                    .isEqualTo(allowed ? ALLOW : EPERM);
        }
    }

    @Test
    void setUidAndSetGidModesAreDenied() throws IOException {
        Bpf bpf = Bpf.load(filter);
        // syscall number, position of the mode
        int[][] calls = {{90, 1} /* chmod */, {91, 1} /* fchmod */, {268, 2} /* fchmodat */, {452, 2} /* fchmodat2 */,
                {85, 1} /* creat */, {2, 2} /* open */, {257, 3} /* openat */, {133, 1} /* mknod */, {259, 2} /* mknodat */};
        for (int[] call : calls) {
            for (long mode : new long[] {04755, 02755, 06777, 0104755, 04000, 02000}) {
                long[] args = new long[call[1] + 1];
                args[call[1]] = mode;
                assertThat(bpf.run(AUDIT_ARCH_X86_64, call[0], args)).as("%d mode %o", call[0], mode).isEqualTo(EPERM);
            }
            for (long mode : new long[] {0755, 0644, 01777, 0100644, 0777, 0}) {
                long[] args = new long[call[1] + 1];
                args[call[1]] = mode;
                assertThat(bpf.run(AUDIT_ARCH_X86_64, call[0], args)).as("%d mode %o", call[0], mode).isEqualTo(ALLOW);
            }
        }
    }

    // --- in bubblewrap, as a session runs ---

    /** Each probe runs in a forked child, so that one that succeeds (in the control run) changes nothing else. */
    private static final String PROBES = """
            import ctypes, json, mmap, os
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long

            def syscall(nr, *args):
                ctypes.set_errno(0)
                result = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a) for a in args])
                if result == 0 and nr == 56:  # a raw clone that worked: this is the child
                    os._exit(0)
                return 'ok' if result != -1 else ctypes.get_errno()

            def in_child(probe):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    try:
                        value = probe()
                    except OSError as error:
                        value = error.errno
                    except BaseException as error:
                        value = repr(error)
                    os.write(w, json.dumps(value).encode())
                    os._exit(0)
                os.close(w)
                data = b''
                while chunk := os.read(r, 4096):
                    data += chunk
                os.waitpid(pid, 0)
                return json.loads(data) if data else 'killed'  # int 0x80 where the kernel has no i386 emulation

            def int80_getpid():  # i386's getpid (20) through int 0x80, from 64-bit code
                code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
                code.write(bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3]))  # mov eax, 20; int 0x80; ret
                function = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(code)))
                return function()

            def chmod(mode):
                path = '/tmp/chmod-%o' % mode
                open(path, 'w').close()
                os.chmod(path, mode)
                return 'ok' if os.stat(path).st_mode & 0o7777 == mode else 'unchanged'

            def create(mode):
                fd = os.open('/tmp/create-%o' % mode, os.O_CREAT | os.O_WRONLY, mode)
                os.close(fd)
                return 'ok'

            def fchmod(mode):
                with open('/tmp/fchmod-%o' % mode, 'w') as f:
                    os.fchmod(f.fileno(), mode)
                return 'ok'

            def mknod(mode):
                os.mknod('/tmp/mknod-%o' % mode, 0o100000 | mode)
                return 'ok'

            probes = {
                'ptrace_traceme': lambda: syscall(101, 0, 0, 0, 0),
                'unshare_newuser': lambda: syscall(272, 0x10000000),
                'keyctl': lambda: syscall(250, 0, 0xfffffffffffffffd, 1),  # KEYCTL_GET_KEYRING_ID, session, create
                'bpf': lambda: syscall(321, 0, 0, 0),
                'perf_event_open': lambda: syscall(298, 0, 0, 0xffffffffffffffff, 0xffffffffffffffff, 0),
                'mount': lambda: syscall(165, 0, 0, 0, 0, 0),
                'setns': lambda: syscall(308, 0xffffffffffffffff, 0),
                'userfaultfd': lambda: syscall(323, 1),  # UFFD_USER_MODE_ONLY
                'io_uring_setup': lambda: syscall(425, 1, 0),
                'clone_newnet': lambda: syscall(56, 0x40000000 | 17, 0, 0, 0, 0),
                'clone_newuser': lambda: syscall(56, 0x10000000 | 17, 0, 0, 0, 0),
                'clone3': lambda: syscall(435, 0, 0),
                'openat2': lambda: syscall(437, 0xffffffffffffff9c, 0, 0, 0),
                'personality_read_implies_exec': lambda: syscall(135, 0x0400000),
                'personality_addr_no_randomize': lambda: syscall(135, 0x0040000),
                'personality_high_bit_trick': lambda: syscall(135, 0x80400000),
                'personality_query': lambda: syscall(135, 0xffffffff),
                'personality_default': lambda: syscall(135, 0),
                'personality_linux32': lambda: syscall(135, 8),
                'x32_getpid': lambda: syscall(0x40000000 | 39),
                'int80_getpid': int80_getpid,
                'chmod_4755': lambda: chmod(0o4755),
                'chmod_2755': lambda: chmod(0o2755),
                'chmod_755': lambda: chmod(0o755),
                'fchmod_4755': lambda: fchmod(0o4755),
                'open_creat_6755': lambda: create(0o6755),
                'open_creat_644': lambda: create(0o644),
                'mknod_4755': lambda: mknod(0o4755),
            }
            print(json.dumps({name: in_child(probe) for name, probe in probes.items()}))
            """;

    @Test
    void theFilterDeniesWhatItShouldInsideBubblewrap() throws Exception {
        JsonNode probes = lastJsonLine(bwrap(true, PROBES));
        assertThat(probes.get("ptrace_traceme").asInt()).isEqualTo(1);
        assertThat(probes.get("unshare_newuser").asInt()).isEqualTo(1);
        assertThat(probes.get("keyctl").asInt()).isEqualTo(1);
        assertThat(probes.get("bpf").asInt()).isEqualTo(1);
        assertThat(probes.get("perf_event_open").asInt()).isEqualTo(1);
        assertThat(probes.get("mount").asInt()).isEqualTo(1);
        assertThat(probes.get("setns").asInt()).isEqualTo(1);
        assertThat(probes.get("userfaultfd").asInt()).isEqualTo(1);
        assertThat(probes.get("io_uring_setup").asInt()).isEqualTo(1);
        assertThat(probes.get("clone_newnet").asInt()).isEqualTo(1);
        assertThat(probes.get("clone_newuser").asInt()).isEqualTo(1);
        assertThat(probes.get("clone3").asInt()).as("clone3: ENOSYS").isEqualTo(38);
        assertThat(probes.get("openat2").asInt()).as("openat2: ENOSYS").isEqualTo(38);
        assertThat(probes.get("personality_read_implies_exec").asInt()).isEqualTo(1);
        assertThat(probes.get("personality_addr_no_randomize").asInt()).isEqualTo(1);
        assertThat(probes.get("personality_high_bit_trick").asInt()).isEqualTo(1);
        assertThat(probes.get("personality_query").asText()).isEqualTo("ok");
        assertThat(probes.get("personality_default").asText()).isEqualTo("ok");
        assertThat(probes.get("personality_linux32").asText()).isEqualTo("ok");
        assertThat(probes.get("x32_getpid").asInt()).as("x32: bad architecture").isEqualTo(1);
        assertThat(probes.get("int80_getpid").asText()).as("i386: bad architecture, -EPERM").isIn("-1", "killed");
        assertThat(probes.get("chmod_4755").asInt()).isEqualTo(1);
        assertThat(probes.get("chmod_2755").asInt()).isEqualTo(1);
        assertThat(probes.get("fchmod_4755").asInt()).isEqualTo(1);
        assertThat(probes.get("open_creat_6755").asInt()).isEqualTo(1);
        assertThat(probes.get("mknod_4755").asInt()).isEqualTo(1);
        assertThat(probes.get("chmod_755").asText()).isEqualTo("ok");
        assertThat(probes.get("open_creat_644").asText()).isEqualTo("ok");
    }

    @Test
    void withoutTheFilterTheSameProbesAreNotDenied() throws Exception {
        // The control: the EPERMs above come from the filter, not from bubblewrap's namespaces or capabilities.
        JsonNode probes = lastJsonLine(bwrap(false, PROBES));
        assertThat(probes.get("ptrace_traceme").asText()).isEqualTo("ok");
        assertThat(probes.get("personality_read_implies_exec").asText()).isEqualTo("ok");
        assertThat(probes.get("personality_high_bit_trick").asText()).isEqualTo("ok");
        assertThat(probes.get("chmod_4755").asText()).isEqualTo("ok");
        assertThat(probes.get("fchmod_4755").asText()).isEqualTo("ok");
        assertThat(probes.get("open_creat_6755").asText()).isEqualTo("ok");
        assertThat(probes.get("clone3").asInt()).as("EINVAL: no struct").isEqualTo(22);
        assertThat(probes.get("x32_getpid").asInt()).isNotEqualTo(1);
        assertThat(probes.get("int80_getpid").asText()).as("a pid").isNotEqualTo("-1");
        assertThat(probes.get("openat2").asInt()).as("EINVAL: no struct").isEqualTo(22);
        assertThat(probes.get("perf_event_open").asInt()).as("EFAULT: no struct").isEqualTo(14);
        assertThat(probes.get("setns").asInt()).as("EBADF").isEqualTo(9);
        assertThat(probes.get("io_uring_setup").asInt()).isNotEqualTo(1);
    }

    @Test
    void theScientificStackStillWorksUnderTheFilter() throws Exception {
        String code = """
                import json, os, subprocess, threading
                os.environ['MPLCONFIGDIR'] = '/tmp/matplotlib'
                results = {}
                import numpy as np
                a = np.random.default_rng(0).random((300, 300))
                results['numpy'] = bool(np.allclose(a @ np.linalg.inv(a), np.eye(300), atol=1e-6))
                import pandas as pd
                frame = pd.DataFrame({'k': ['a', 'b', 'a'], 'v': [1, 2, 3]})
                results['pandas'] = frame.groupby('k')['v'].sum().to_dict() == {'a': 4, 'b': 2}
                import scipy.optimize, scipy.linalg
                results['scipy'] = abs(scipy.optimize.minimize_scalar(lambda x: (x - 2) ** 2).x - 2) < 1e-6
                import matplotlib
                matplotlib.use('Agg')
                import matplotlib.pyplot as plt
                plt.plot([1, 2, 3], [1, 4, 9])
                plt.savefig('/tmp/plot.png')
                results['matplotlib'] = os.path.getsize('/tmp/plot.png') > 1000
                from sklearn.linear_model import LogisticRegression
                model = LogisticRegression().fit([[0], [1], [2], [3]], [0, 0, 1, 1])
                results['sklearn'] = model.predict([[0.2], [2.8]]).tolist() == [0, 1]
                import multiprocessing
                def square(x):
                    return x * x
                with multiprocessing.Pool(2) as pool:
                    results['multiprocessing'] = pool.map(square, range(10)) == [x * x for x in range(10)]
                with multiprocessing.get_context('spawn').Pool(2) as pool:
                    results['multiprocessing_spawn'] = pool.map(abs, [-1, -2]) == [1, 2]
                from joblib import Parallel, delayed
                results['joblib'] = Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]
                seen = []
                threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(8)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                results['threading'] = sorted(seen) == list(range(8))
                results['subprocess'] = subprocess.run(['/bin/true']).returncode == 0
                pid = os.posix_spawn('/bin/true', ['/bin/true'], {})
                results['posix_spawn'] = os.waitpid(pid, 0)[1] == 0
                pid = os.fork()
                if pid == 0:
                    os._exit(7)
                results['fork'] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7
                print(json.dumps(results))
                """;
        JsonNode results = lastJsonLine(bwrap(true, code));
        for (String check : List.of("numpy", "pandas", "scipy", "matplotlib", "sklearn", "multiprocessing",
                "multiprocessing_spawn", "joblib", "threading", "subprocess", "posix_spawn", "fork")) {
            assertThat(results.path(check).asBoolean()).as(check + " in " + results).isTrue();
        }
    }

    /** Runs Python in bubblewrap, with the filter on fd 9 as a session's launcher passes it, or without. */
    static String bwrap(boolean filtered, String code) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
                filtered ? "exec \"$@\" 9<\"$CODEACT_FILTER\"" : "exec \"$@\"", "sh",
                "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev",
                "--proc", "/proc", "--tmpfs", "/tmp"));
        if (filtered) {
            command.addAll(List.of("--seccomp", "9"));
        }
        command.addAll(List.of("/usr/bin/python3", "-c", code));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("CODEACT_FILTER", SyscallFilter.compiled().toString());
        Path errors = Files.createTempFile("codeact-seccomp-test-", ".err");
        try {
            builder.redirectError(errors.toFile());
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("bwrap did not finish: " + output + Files.readString(errors));
            }
            if (process.exitValue() != 0) {
                fail("bwrap exited with " + process.exitValue() + ": " + output + Files.readString(errors));
            }
            return output;
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    private static JsonNode lastJsonLine(String output) throws IOException {
        String[] lines = output.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    /** A classic-BPF interpreter for what libseccomp emits, over struct seccomp_data. */
    record Bpf(ByteBuffer program) {
        static Bpf load(Path file) throws IOException {
            return new Bpf(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder()));
        }

        int run(int arch, int nr, long... args) {
            ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
            data.putInt(0, nr).putInt(4, arch).putLong(8, 0x400000L);
            for (int i = 0; i < args.length; i++) {
                data.putLong(16 + 8 * i, args[i]);
            }
            int a = 0;
            int x = 0;
            int[] memory = new int[16];
            int pc = 0;
            int count = program.capacity() / 8;
            for (int steps = 0; steps < 100_000; steps++) {
                if (pc < 0 || pc >= count) {
                    throw new IllegalStateException("jumped out of the program: " + pc);
                }
                int code = program.getShort(pc * 8) & 0xffff;
                int jt = program.get(pc * 8 + 2) & 0xff;
                int jf = program.get(pc * 8 + 3) & 0xff;
                int k = program.getInt(pc * 8 + 4);
                pc++;
                switch (code) {
                    case 0x20 -> a = data.getInt(k); // ld [k]
                    case 0x00 -> a = k; // ld #k
                    case 0x60 -> a = memory[k]; // ld M[k]
                    case 0x01 -> x = k; // ldx #k
                    case 0x61 -> x = memory[k]; // ldx M[k]
                    case 0x02 -> memory[k] = a; // st M[k]
                    case 0x03 -> memory[k] = x; // stx M[k]
                    case 0x07 -> x = a; // tax
                    case 0x87 -> a = x; // txa
                    case 0x54 -> a &= k; // and #k
                    case 0x5c -> a &= x;
                    case 0x44 -> a |= k; // or #k
                    case 0x04 -> a += k;
                    case 0x14 -> a -= k;
                    case 0x74 -> a >>>= k;
                    case 0x64 -> a <<= k;
                    case 0x05 -> pc += k; // ja
                    case 0x15 -> pc += a == k ? jt : jf; // jeq #k
                    case 0x25 -> pc += Integer.compareUnsigned(a, k) > 0 ? jt : jf; // jgt #k
                    case 0x35 -> pc += Integer.compareUnsigned(a, k) >= 0 ? jt : jf; // jge #k
                    case 0x45 -> pc += (a & k) != 0 ? jt : jf; // jset #k
                    case 0x1d -> pc += a == x ? jt : jf;
                    case 0x2d -> pc += Integer.compareUnsigned(a, x) > 0 ? jt : jf;
                    case 0x3d -> pc += Integer.compareUnsigned(a, x) >= 0 ? jt : jf;
                    case 0x06 -> {
                        return k; // ret #k
                    }
                    case 0x16 -> {
                        return a; // ret a
                    }
                    default -> throw new IllegalStateException("unexpected BPF opcode 0x" + Integer.toHexString(code));
                }
            }
            throw new IllegalStateException("the program did not return");
        }
    }
}
