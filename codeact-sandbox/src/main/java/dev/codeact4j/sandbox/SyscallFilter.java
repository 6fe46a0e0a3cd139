package dev.codeact4j.sandbox;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sandbox's seccomp filter: a BPF program built with libseccomp (Debian's {@code libseccomp2}, called
 * through JNA) and written once per content to a file that bubblewrap loads with {@code --seccomp FD}.
 *
 * <p>The default action is to allow: the filter only takes away what the sandboxed code never needs and
 * kernel exploits like to use. A denied call fails with an errno (EPERM, or ENOSYS where glibc should fall
 * back to an older call), never with a kill, so that libraries which probe for a feature degrade gracefully.
 * What it denies:
 * <ul>
 *   <li>{@link #deniedSyscalls()}, whatever their arguments: debugging and reading other processes, kernel
 *   keyrings, eBPF, perf, userfaultfd, io_uring, mounting and namespaces, modules, kexec, the clock, raw I/O
 *   ports, file handles, and a few obsolete calls;</li>
 *   <li>{@code clone} with any namespace flag (the sandbox's namespaces are made by bubblewrap, not by the
 *   code inside it); {@code clone3} and {@code openat2} fail with ENOSYS because their flags and mode sit in a
 *   struct that a filter cannot read, and glibc then falls back to {@code clone} and {@code openat};</li>
 *   <li>{@code personality} other than the default persona, PER_LINUX32 and the query 0xffffffff, so that
 *   READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO and the like cannot be set;</li>
 *   <li>set-uid and set-gid bits in the mode of {@code chmod}, {@code fchmod}, {@code fchmodat},
 *   {@code fchmodat2}, {@code open}, {@code creat}, {@code openat}, {@code mknod} and {@code mknodat};</li>
 *   <li>system calls of another architecture (i386 through {@code int 0x80}; x32, whose numbers carry bit 30
 *   and which libseccomp's x86_64 filter treats as another architecture): libseccomp's bad-architecture action
 *   is set to EPERM rather than its default, a kill.</li>
 * </ul>
 * Names that libseccomp does not know on this machine's architecture (vm86 on x86_64, creat on aarch64) are
 * skipped.
 */
final class SyscallFilter {
    // From seccomp.h (libseccomp 2.5): actions, comparison operators and filter attributes.
    private static final int SCMP_ACT_ALLOW = 0x7fff0000;
    private static final int SCMP_CMP_GT = 6;
    private static final int SCMP_CMP_MASKED_EQ = 7;
    private static final int SCMP_FLTATR_ACT_BADARCH = 2;
    private static final int SCMP_FLTATR_CTL_OPTIMIZE = 8;
    /** SCMP_FLTATR_CTL_OPTIMIZE's value for a binary tree of syscall numbers instead of a linear list. */
    private static final int OPTIMIZE_BINARY_TREE = 2;
    private static final int AUDIT_ARCH_S390 = 0x16;
    private static final int AUDIT_ARCH_S390X = 0x80000016;

    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;

    /** Namespace flags of clone(2); CLONE_NEWTIME (0x80) is left out: in clone's flags it is the exit signal. */
    private static final long[] CLONE_NAMESPACE_FLAGS = {
            0x00020000L, // CLONE_NEWNS
            0x02000000L, // CLONE_NEWCGROUP
            0x04000000L, // CLONE_NEWUTS
            0x08000000L, // CLONE_NEWIPC
            0x10000000L, // CLONE_NEWUSER
            0x20000000L, // CLONE_NEWPID
            0x40000000L, // CLONE_NEWNET
    };

    /** Denied with EPERM whatever their arguments. */
    private static final List<String> DENIED = List.of(
            // other processes' memory and descriptors
            "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
            // process_madvise: another process's memory again (needs ptrace access to it); no library uses it
            "process_madvise",
            // kernel keyrings, eBPF, perf events, userfaultfd: favourite kernel attack surfaces
            "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
            // mounts and namespaces: bubblewrap made them already
            "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
            "fsmount", "fspick", "mount_setattr", "unshare", "setns",
            // the kernel itself, swap, accounting, quotas
            "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "swapon",
            "swapoff", "reboot", "acct", "quotactl", "quotactl_fd",
            // io_uring: a large attack surface that seccomp cannot see into
            "io_uring_setup", "io_uring_enter", "io_uring_register",
            // opening files by handle sidesteps the mount namespace
            "name_to_handle_at", "open_by_handle_at",
            // kernel log, I/O ports, the clock
            "lookup_dcookie", "syslog", "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime",
            "adjtimex",
            // obsolete calls
            "uselib", "ustat", "sysfs", "vm86", "vm86old",
            "fanotify_init",
            // modify_ldt: 16-bit segments for Wine and DOS emulators, and a history of kernel bugs
            // (CVE-2014-8133, CVE-2015-5157, CVE-2017-17053); glibc on x86_64 never calls it
            "modify_ldt");

    /** One libseccomp rule: the syscall, the errno it fails with, and comparisons that must all hold. */
    private record Rule(String syscall, int errno, List<Comparison> comparisons) {
        Rule(String syscall, int errno, Comparison... comparisons) {
            this(syscall, errno, List.of(comparisons));
        }
    }

    /** A struct scmp_arg_cmp: argument number (from 0), operator and data. */
    private record Comparison(int arg, int op, long datumA, long datumB) {
        static Comparison maskedEquals(int arg, long mask, long value) {
            return new Comparison(arg, SCMP_CMP_MASKED_EQ, mask, value);
        }
    }

    /** The program and what went into it. */
    private record Program(byte[] bpf, List<String> skipped, String libseccomp) {
    }

    private static final Object LOCK = new Object();
    private static Program program;
    private static volatile Path file;

    private SyscallFilter() {
    }

    /**
     * The filter, as a file of BPF instructions for bubblewrap's {@code --seccomp}: compiled once per JVM and
     * written to a directory of {@code java.io.tmpdir} named after its content (mode 0755, the file 0644, so
     * that a session under another uid can read it). The same path is returned on every call; should the file
     * vanish (a cleaner of /tmp), it is written again.
     *
     * @throws SandboxUnavailableException when libseccomp cannot be loaded
     */
    static Path compiled() {
        Path existing = file;
        if (existing != null && Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
            return existing;
        }
        synchronized (LOCK) {
            if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                file = writeUnder(Path.of(System.getProperty("java.io.tmpdir")));
            }
            return file;
        }
    }

    /** The program, compiled on first use. */
    private static Program program() {
        synchronized (LOCK) {
            if (program == null) {
                program = compile();
            }
            return program;
        }
    }

    /** Syscalls denied with EPERM whatever their arguments (those unknown on this architecture are skipped). */
    static List<String> deniedSyscalls() {
        return DENIED;
    }

    /** One line for logs and documentation. */
    static String describe() {
        String line = "seccomp: default allow; EPERM for " + DENIED.size() + " syscalls (ptrace, bpf, keyctl,"
                + " mount, unshare, io_uring, ...), clone with namespace flags, personality other than"
                + " 0/PER_LINUX32/query, set-uid/set-gid modes in chmod/open/mknod, and other architectures;"
                + " ENOSYS for clone3 and openat2";
        Program compiledProgram;
        synchronized (LOCK) {
            compiledProgram = program;
        }
        if (compiledProgram != null) {
            line += " (libseccomp " + compiledProgram.libseccomp() + ", " + compiledProgram.bpf().length / 8
                    + " BPF instructions" + (compiledProgram.skipped().isEmpty() ? ""
                    : ", not on this architecture: " + String.join(", ", compiledProgram.skipped())) + ")";
        }
        return line;
    }

    private static List<Rule> rules(int nativeArch) {
        List<Rule> rules = new ArrayList<>();
        for (String name : DENIED) {
            rules.add(new Rule(name, EPERM));
        }

        // clone's flags are its first argument, except on s390, where the stack comes first.
        int cloneFlags = nativeArch == AUDIT_ARCH_S390 || nativeArch == AUDIT_ARCH_S390X ? 1 : 0;
        for (long flag : CLONE_NAMESPACE_FLAGS) {
            rules.add(new Rule("clone", EPERM, Comparison.maskedEquals(cloneFlags, flag, flag)));
        }
        rules.add(new Rule("clone3", ENOSYS));
        rules.add(new Rule("openat2", ENOSYS));

        // personality: allowed are PER_LINUX (0), PER_LINUX32 (8) and the query 0xffffffff, which changes
        // nothing; everything else (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, ...) fails with EPERM.
        // libseccomp 2.5 takes at most one comparison per argument in a rule (a second is EINVAL), and rules
        // that allow are refused when the default action allows too (EACCES), so "greater than 8 and not
        // 0xffffffff" cannot be written; the denied values are instead covered by a union of single
        // comparisons:
        //  - above 0xffffffff: glibc passes the persona zero-extended, and the kernel, which takes an unsigned
        //    int, would drop the high bits (0x1_00400000 would set READ_IMPLIES_EXEC);
        //  - for each bit i of the low 32: bit i set and bit i+1 (cyclically: bit 0 after bit 31) clear. A
        //    32-bit value other than 0 and 0xffffffff has at least one such "10" pair, so all are covered,
        //    except that the pair at bit 3 alone would also catch 8 = PER_LINUX32; it becomes bits 2 and 3
        //    set and bit 4 clear: a value whose only pair is at bit 3 is one run of ones ending at bit 3,
        //    which is 8 itself or contains bit 2.
        // No per-flag rule would do: the query 0xffffffff has every flag set, and a bit beyond the flags
        // (0x80400000) would slip past a rule that spared it. The rules cost nothing for other syscalls.
        rules.add(new Rule("personality", EPERM, new Comparison(0, SCMP_CMP_GT, 0xffffffffL, 0)));
        for (int bit = 0; bit < 32; bit++) {
            long set = 1L << bit;
            long clear = 1L << ((bit + 1) % 32);
            long extra = bit == 3 ? 1L << 2 : 0;
            rules.add(new Rule("personality", EPERM, Comparison.maskedEquals(0, set | clear | extra, set | extra)));
        }

        // No set-uid or set-gid file can be made: each syscall with the position of its mode argument. openat's
        // mode is its fourth (dirfd, path, flags, mode); its third, the flags, would confuse S_ISGID (02000)
        // with O_APPEND. Without O_CREAT or O_TMPFILE the kernel ignores the mode and glibc passes 0, so only
        // a caller that passes a nonsense mode to a plain open is refused.
        List<Map.Entry<String, Integer>> modes = List.of(
                Map.entry("chmod", 1), Map.entry("fchmod", 1), Map.entry("fchmodat", 2), Map.entry("fchmodat2", 2),
                Map.entry("creat", 1), Map.entry("open", 2), Map.entry("openat", 3), Map.entry("mknod", 1),
                Map.entry("mknodat", 2));
        for (Map.Entry<String, Integer> mode : modes) {
            for (long bit : new long[] {S_ISUID, S_ISGID}) {
                rules.add(new Rule(mode.getKey(), EPERM, Comparison.maskedEquals(mode.getValue(), bit, bit)));
            }
        }
        return rules;
    }

    /** The functions of libseccomp used here (seccomp.h); negative results are -errno. */
    interface LibSeccomp extends Library {
        Pointer seccomp_init(int defaultAction);

        void seccomp_release(Pointer ctx);

        int seccomp_attr_set(Pointer ctx, int attribute, int value);

        int seccomp_arch_native();

        int seccomp_syscall_resolve_name(String name);

        int seccomp_rule_add_exact_array(Pointer ctx, int action, int syscall, int argCount, Pointer comparisons);

        int seccomp_export_bpf(Pointer ctx, int fd);

        Pointer seccomp_version();
    }

    interface LibC extends Library {
        int O_WRONLY = 01;
        int O_TRUNC = 01000;
        int O_CLOEXEC = 02000000;
        int O_NOFOLLOW = 0400000;

        int open(String path, int flags, int mode);

        int close(int fd);
    }

    private static volatile LibC libc;

    private static LibC libc() {
        LibC loaded = libc;
        if (loaded == null) {
            loaded = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
            libc = loaded;
        }
        return loaded;
    }

    private static LibSeccomp loadLibseccomp() {
        LinkageError failure = null;
        for (String name : List.of("libseccomp.so.2", "seccomp")) {
            try {
                return Native.load(name, LibSeccomp.class);
            } catch (LinkageError e) { // UnsatisfiedLinkError, or JNA's own native part failing to load
                failure = failure == null ? e : failure;
            }
        }
        String reason = String.join(" ", String.valueOf(failure.getMessage()).lines().map(String::strip)
                .filter(line -> !line.isEmpty()).limit(2).toList());
        throw new SandboxUnavailableException("the sandbox's syscall filter needs libseccomp, which cannot be"
                + " loaded; install it (Debian/Ubuntu: sudo apt-get install libseccomp2; Fedora: sudo dnf install"
                + " libseccomp) and try again (" + failure.getClass().getSimpleName() + ": " + reason + ")");
    }

    private static Program compile() {
        LibSeccomp seccomp = loadLibseccomp();
        Pointer ctx = seccomp.seccomp_init(SCMP_ACT_ALLOW);
        if (ctx == null) {
            throw new SandboxUnavailableException("libseccomp could not make a filter (seccomp_init failed)");
        }
        try {
            check(seccomp.seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, errno(EPERM)), "set the bad-architecture action");
            // A binary search over syscall numbers rather than a list; libseccomp before 2.5 lacks it, which only
            // costs speed.
            seccomp.seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, OPTIMIZE_BINARY_TREE);
            List<String> skipped = new ArrayList<>();
            for (Rule rule : rules(seccomp.seccomp_arch_native())) {
                int number = seccomp.seccomp_syscall_resolve_name(rule.syscall());
                if (number < 0) {
                    if (!skipped.contains(rule.syscall())) {
                        skipped.add(rule.syscall());
                    }
                    continue;
                }
                Memory comparisons = null;
                if (!rule.comparisons().isEmpty()) {
                    comparisons = new Memory(24L * rule.comparisons().size());
                    comparisons.clear();
                    for (int i = 0; i < rule.comparisons().size(); i++) {
                        Comparison c = rule.comparisons().get(i);
                        comparisons.setInt(24L * i, c.arg());
                        comparisons.setInt(24L * i + 4, c.op());
                        comparisons.setLong(24L * i + 8, c.datumA());
                        comparisons.setLong(24L * i + 16, c.datumB());
                    }
                }
                check(seccomp.seccomp_rule_add_exact_array(ctx, errno(rule.errno()), number,
                        rule.comparisons().size(), comparisons), "add a rule for " + rule.syscall());
            }
            return new Program(export(seccomp, ctx), List.copyOf(skipped), version(seccomp));
        } finally {
            seccomp.seccomp_release(ctx);
        }
    }

    private static byte[] export(LibSeccomp seccomp, Pointer ctx) {
        Path temporary = null;
        try {
            temporary = Files.createTempFile("codeact-seccomp-", ".bpf");
            int fd = libc().open(temporary.toString(), LibC.O_WRONLY | LibC.O_TRUNC | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0);
            if (fd < 0) {
                throw new SandboxUnavailableException("cannot open " + temporary + " to write the syscall filter (errno "
                        + Native.getLastError() + ")");
            }
            int exported;
            try {
                exported = seccomp.seccomp_export_bpf(ctx, fd);
            } finally {
                libc().close(fd);
            }
            check(exported, "export the filter");
            byte[] bpf = Files.readAllBytes(temporary);
            if (bpf.length == 0 || bpf.length % 8 != 0) {
                throw new SandboxUnavailableException("libseccomp exported a malformed filter (" + bpf.length + " bytes)");
            }
            return bpf;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the syscall filter to a temporary file: " + e.getMessage(), e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // a stray temporary file in java.io.tmpdir
                }
            }
        }
    }

    /**
     * Writes the program to {@code codeact-seccomp-DIGEST/filter.bpf} under {@code tmp}, or reuses a copy there
     * that is this user's, written by nobody else, and holds exactly these bytes (see {@link KernelFiles#publish}).
     */
    static Path writeUnder(Path tmp) {
        try {
            return KernelFiles.publish(tmp, "codeact-seccomp-", "filter.bpf", program().bpf());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the syscall filter under " + tmp + ": " + e.getMessage(), e);
        }
    }

    private static String version(LibSeccomp seccomp) {
        Pointer version = seccomp.seccomp_version();
        return version == null ? "?" : version.getInt(0) + "." + version.getInt(4) + "." + version.getInt(8);
    }

    private static int errno(int errno) {
        return 0x00050000 | (errno & 0x0000ffff); // SCMP_ACT_ERRNO
    }

    private static void check(int result, String what) {
        if (result < 0) {
            throw new SandboxUnavailableException("libseccomp could not " + what + " (errno " + -result + ")");
        }
    }
}
