package dev.codeact4j.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bubblewrap command line of a session: fresh user, PID, network, IPC and UTS namespaces (no further user
 * namespaces inside); a seccomp filter ({@link SyscallFilter}); the system directories read-only; from /etc only
 * what programs need to run (no passwd, shadow, keys or host names); a private /tmp; the working directory at
 * {@value #WORKDIR}; the policy's data read-only under {@value DataMount#DIRECTORY}; no environment but the one
 * given. Bind mounts are nosuid and nodev (bubblewrap's default).
 */
final class Bubblewrap {
    static final String WORKDIR = "/work";
    static final String KERNEL_DIR = "/opt/codeact";
    static final String CONTROL_DIR = "/run/codeact";
    static final int SANDBOX_UID = 1000;
    /** The size of the tmpfs that holds the data's mount points (directories and empty files only). */
    private static final int DATA_TMPFS_BYTES = 1024 * 1024;
    /** The launcher opens the seccomp filter on this descriptor; bubblewrap reads it and closes it. */
    static final int SECCOMP_FD = 9;

    /** Files and directories of /etc that libraries read (and the kernel's {@link KernelDescription#etc()}); the rest stays out. */
    private static final List<String> ETC_ALWAYS = List.of(
            "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
            "/etc/timezone", "/etc/fonts", "/etc/mime.types",
            "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates");
    private static final List<String> ETC_NETWORK = List.of(
            "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols");

    private Bubblewrap() {
    }

    /** What a session's bubblewrap command is made of; {@code data} is bound read-only under /work/data. */
    record Mounts(Path controlDir, Path workdir, Path tmpdir, long tmpfsBytes, Path packages, List<DataBind> data) {
    }

    /**
     * One data mount: {@code from} is the host path bubblewrap binds (the data itself, or the place in the session's
     * control directory where the launcher bound it, see {@code KernelProcess}), at /work/data/{@code name}.
     */
    record DataBind(Path from, String name) {
    }

    /**
     * The command that runs the kernel in the sandbox. {@code mounts.tmpdir()} null gives a private tmpfs of
     * {@code mounts.tmpfsBytes()} at /tmp. The seccomp filter is read from file descriptor {@value #SECCOMP_FD},
     * which the launcher opens. {@code mounts.packages()}, when not null, is mounted read-only at
     * {@value KernelDescription#PACKAGES_DIR} (the JavaScript data stack).
     */
    static List<String> command(Path bwrap, KernelDescription kernel, Path kernelFile, Mounts mounts, boolean network,
                                Map<String, String> environment, int memoryMb) throws IOException {
        List<String> args = new ArrayList<>(List.of(bwrap.toString(), "--disable-userns",
                "--seccomp", Integer.toString(SECCOMP_FD)));
        args.addAll(system(kernel, mounts.controlDir(), network));
        if (mounts.tmpdir() != null) {
            args.addAll(List.of("--bind", mounts.tmpdir().toString(), "/tmp"));
        } else {
            args.addAll(List.of("--size", Long.toString(mounts.tmpfsBytes()), "--tmpfs", "/tmp"));
        }
        if (mounts.packages() != null) {
            args.addAll(List.of("--ro-bind", mounts.packages().toString(), KernelDescription.PACKAGES_DIR));
        }
        args.addAll(List.of(
                "--ro-bind", kernelFile.getParent().toString(), KERNEL_DIR,
                "--ro-bind", mounts.controlDir().toString(), CONTROL_DIR,
                "--bind", mounts.workdir().toString(), WORKDIR));
        if (!mounts.data().isEmpty()) {
            // The data's mount points are made on a tmpfs of their own, made read-only once they are in: nothing is
            // created in the working directory but /work/data itself, and nothing can be written beside the data.
            args.addAll(List.of("--size", Integer.toString(DATA_TMPFS_BYTES), "--tmpfs", DataMount.DIRECTORY));
            for (DataBind bind : mounts.data()) {
                args.addAll(List.of("--ro-bind", bind.from().toString(), DataMount.DIRECTORY + "/" + bind.name()));
            }
            args.addAll(List.of("--remount-ro", DataMount.DIRECTORY));
        }
        args.addAll(List.of(
                "--remount-ro", "/",
                "--chdir", WORKDIR,
                "--clearenv"));
        environment.forEach((name, value) -> args.addAll(List.of("--setenv", name, value)));
        args.addAll(kernel.command(KERNEL_DIR + "/" + kernelFile.getFileName(),
                CONTROL_DIR + "/" + KernelProcess.SOCKET_NAME, CONTROL_DIR + "/" + KernelProcess.CONFIG_NAME, memoryMb));
        return args;
    }

    /**
     * What every sandbox of a kernel has, sessions and fork servers alike: the namespaces, no capability, the sandbox's
     * user, the system directories and the parts of /etc programs need (with the user database of {@code identityDir}),
     * a fresh /proc and /dev.
     */
    private static List<String> system(KernelDescription kernel, Path identityDir, boolean network) throws IOException {
        Path interpreter = kernel.interpreter();
        writeIdentityFiles(identityDir);
        List<String> args = new ArrayList<>(List.of(
                "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", Integer.toString(SANDBOX_UID), "--gid", Integer.toString(SANDBOX_UID),
                "--hostname", "sandbox"));
        if (!network) {
            args.add("--unshare-net");
        }
        args.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String top : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
            Path path = Path.of(top);
            if (Files.isSymbolicLink(path)) {
                args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
            } else if (Files.isDirectory(path)) {
                args.addAll(List.of("--ro-bind", top, top));
            }
        }
        for (String etc : ETC_ALWAYS) {
            args.addAll(List.of("--ro-bind-try", etc, etc));
        }
        for (String etc : kernel.etc()) {
            args.addAll(List.of("--ro-bind-try", etc, etc));
        }
        if (interpreter.getParent() != null && !interpreter.startsWith("/usr")) {
            // An interpreter of its own installation (a virtual environment, say): PREFIX/bin/python needs PREFIX.
            String prefix = interpreter.getParent().getParent().toString();
            args.addAll(List.of("--ro-bind", prefix, prefix));
        }
        for (String file : List.of("passwd", "group", "hosts")) {
            args.addAll(List.of("--ro-bind", identityDir.resolve(file).toString(), "/etc/" + file));
        }
        if (network) {
            for (String etc : ETC_NETWORK) {
                args.addAll(List.of("--ro-bind-try", etc, etc));
            }
        }
        args.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        return args;
    }

    /**
     * The command that runs a fork server ({@link ForkServer}): a session's sandbox without its seccomp filter and
     * with user namespaces allowed (each session makes its own, then applies the filter itself before any code runs),
     * no network, the empty mount points of a session's directories, and the fork server's directory at
     * {@value ForkServer#INSIDE}. A shell starts the server again if it dies, so that the sessions it made, which live
     * in this sandbox's PID namespace, outlive it.
     */
    static List<String> forkServerCommand(Path bwrap, KernelDescription kernel, Path kernelFile, Path serverFile,
                                          Path serverDir, long tmpfsBytes, Map<String, String> environment)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(bwrap.toString()));
        args.addAll(system(kernel, serverDir, false));
        args.addAll(List.of(
                "--size", Long.toString(tmpfsBytes), "--tmpfs", "/tmp",
                "--ro-bind", kernelFile.getParent().toString(), KERNEL_DIR,
                "--ro-bind", serverFile.getParent().toString(), ForkServer.CODE_DIR,
                "--bind", serverDir.toString(), ForkServer.INSIDE,
                "--dir", CONTROL_DIR, "--dir", WORKDIR,
                "--remount-ro", "/",
                "--chdir", "/",
                "--clearenv"));
        environment.forEach((name, value) -> args.addAll(List.of("--setenv", name, value)));
        List<String> python = new ArrayList<>(List.of(kernel.interpreter().toString()));
        python.addAll(kernel.interpreterFlags());
        python.addAll(List.of(ForkServer.CODE_DIR + "/" + serverFile.getFileName(), ForkServer.INSIDE + "/" + ForkServer.CONFIG_NAME));
        String start = String.join(" ", python.stream().map(Bubblewrap::shellQuoted).toList());
        args.addAll(List.of("/bin/sh", "-c", "while :; do " + start + "; sleep 0.1; done"));
        return args;
    }

    /** A word for /bin/sh, quoted whatever it holds. */
    static String shellQuoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** A user database with the sandbox's one user, so that getpass, pwd and friends work. */
    private static void writeIdentityFiles(Path controlDir) throws IOException {
        Files.writeString(controlDir.resolve("passwd"),
                "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                        + "user:x:" + SANDBOX_UID + ":" + SANDBOX_UID + ":sandbox:" + WORKDIR + ":/usr/sbin/nologin\n"
                        + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Files.writeString(controlDir.resolve("group"),
                "root:x:0:\nuser:x:" + SANDBOX_UID + ":\nnogroup:x:65534:\n");
        Files.writeString(controlDir.resolve("hosts"), "127.0.0.1 localhost sandbox\n::1 localhost\n");
    }
}
