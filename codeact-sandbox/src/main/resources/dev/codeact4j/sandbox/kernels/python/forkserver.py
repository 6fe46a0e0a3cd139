"""codeact4j's Python fork server: sessions born in milliseconds from one interpreter that has imported the data stack.

The host starts this once per preload profile, in a sandbox of its own (bubblewrap, as the sandbox's user, no
network), as `forkserver.py CONFIG`. It imports the kernel and the profile's modules, freezes the garbage
collector (so that no child dirties the shared pages by collecting them) and listens on a Unix socket. It holds no
secret and no user state, and runs no user code: every session is a child that makes itself a full sandbox first.

The host's side is ForkServer.java; the exchange on each connection (docs/protocol.md, "The fork server"):

  host  -> one line of JSON: the session's paths (relative to the sessions directory), its /tmp and environment
  child -> "forked PID\\n": PID is the child as this server's PID namespace numbers it
  host  -> "go\\n", once it has moved the child's own child (the session's init) into the session's cgroup
  then the connection carries what the session's processes write to their file descriptors 1 and 2 (a setup
  failure is written there as one line starting "codeact-forkserver:"), and the kernel connects to its control
  directory's socket as a kernel started by bubblewrap does.

A session is three generations of this process:
  intermediate  unshares user, mount, PID, IPC, UTS and network namespaces, maps the sandbox's user to itself, forks
                the init and exits (a PID namespace's first process must be a child of the one that made it);
  init          PID 1 of the new namespace: waits for "go", mounts a fresh /proc, a private /tmp, /dev/shm and
                /dev/pts, binds the working and control directories, hides the sessions directory, drops every
                capability, applies the seccomp filter, forks the kernel and then only reaps, ending with it;
  kernel        kernel.py's main, as if started anew (fresh random seeds).
"""
import ctypes
import fcntl
import gc
import json
import os
import signal
import socket
import struct
import sys
import types

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFF_RUNNING = 0x40
LINUX_CAPABILITY_VERSION_3 = 0x20080522
LAST_CAPABILITY = 63

FAILURE_PREFIX = "codeact-forkserver: "
LIBC = ctypes.CDLL(None, use_errno=True)


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class SetupError(Exception):
    pass


class Forked(BaseException):
    """Raised in a new child of the server: unwinds the server's frames (its socket objects go with them), so that
    the session's kernel finds no trace of them; carries the connection's file descriptor."""

    def __init__(self, fd):
        super().__init__("forked")
        self.fd = fd


def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)} (errno {err})")


def mount(source, target, fstype, flags, data=None):
    check(LIBC.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                     ctypes.c_ulong(flags), data.encode() if data else None), f"mount {fstype or 'bind'} on {target}")


def write_file(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def inside(root, relative):
    """root/relative, refusing anything that would leave root: the host names paths under the sessions directory."""
    path = os.path.normpath(os.path.join(root, relative))
    if not path.startswith(root + "/"):
        raise SetupError(f"the path {relative!r} leaves the sessions directory")
    return path


class ForkServer:
    def __init__(self, config):
        self.config = config
        self.sessions = config["sessions"]
        self.uid = int(config["uid"])
        self.gid = int(config["gid"])
        with open(config["seccomp"], "rb") as handle:
            self.seccomp = handle.read()  # the BPF program, read once: every session applies the same
        # The kernel's own module is __main__ in a session, as when it runs as a script (see the end of kernel.py).
        self.kernel = types.ModuleType("__main__")
        self.kernel.__file__ = config["kernel"]
        self.kernel.__codeact_forked__ = True
        with open(config["kernel"], "rb") as handle:
            exec(compile(handle.read(), config["kernel"], "exec"), self.kernel.__dict__)
        for module in config.get("preload", []):
            __import__(module)
        if "matplotlib" in sys.modules:
            sys.modules["matplotlib"].use("Agg")

    def serve(self):
        path = self.config["socket"]
        if os.path.exists(path):
            os.unlink(path)  # an earlier server's, which died
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(128)
        # Children are never waited for here: an intermediate is gone in a millisecond, an init is reaped by the
        # sandbox's own init once its intermediate has exited.
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        gc.collect()
        gc.freeze()  # what is imported now is shared by every session: collections must not write to it
        while True:
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                raise Forked(connection.detach())
            connection.close()

    # --- the intermediate ---------------------------------------------------------------------------------------

    def intermediate(self, connection):
        """Runs in the server's new child, with the connection's file descriptor; never returns."""
        status = 1
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            request = json.loads(read_line(connection))
            check(LIBC.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET),
                  "unshare")
            write_file("/proc/self/setgroups", "deny")
            write_file("/proc/self/uid_map", f"{self.uid} {self.uid} 1\n")
            write_file("/proc/self/gid_map", f"{self.gid} {self.gid} 1\n")
            go_read, go_write = os.pipe()
            init = os.fork()
            if init == 0:
                os.close(go_write)
                self.init(connection, go_read, request)  # never returns
            os.close(go_read)
            write_all(connection, f"forked {os.getpid()}\n")
            if read_line(connection) == "go":
                os.write(go_write, b"go")
                status = 0
        except BaseException as e:  # noqa: BLE001 - whatever it is, the host must hear of it
            report(connection, e)
        os._exit(status)

    # --- the session's init -------------------------------------------------------------------------------------

    def init(self, connection, go_read, request):
        try:
            if os.read(go_read, 2) != b"go":
                os._exit(1)  # the host gave up on this session
            os.close(go_read)
            os.setsid()
            self.isolate(request)
            kernel = os.fork()
            if kernel == 0:
                self.run_kernel(connection, request)  # never returns
        except BaseException as e:  # noqa: BLE001
            report(connection, e)
            os._exit(1)
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        close_all_but(connection)
        # PID 1: reaps every process of the session, and ends with the kernel (which ends the namespace).
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                os._exit(0)
            if pid == kernel:
                code = os.waitstatus_to_exitcode(status)
                code = code if code >= 0 else 128 - code  # killed by a signal: the shell's 128 + signal
                report_line(connection, f"exit {code}")
                os._exit(code)

    def isolate(self, request):
        """What bubblewrap does for a session started by itself, done by the session's init in its namespaces."""
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        try:
            check(LIBC.unshare(CLONE_NEWCGROUP), "unshare the cgroup namespace")  # now that the host moved us
        except SetupError:
            pass  # a kernel without cgroup namespaces: bubblewrap's --unshare-cgroup-try does the same
        hostname = b"sandbox"
        check(LIBC.sethostname(hostname, len(hostname)), "sethostname")
        bring_up_loopback()
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        try:
            write_file("/proc/sys/user/max_user_namespaces", "0")  # the seccomp filter refuses them too
        except OSError:
            pass
        tmp_bytes = int(request["tmpBytes"])
        if request.get("tmp"):
            mount(inside(self.sessions, request["tmp"]), "/tmp", None, MS_BIND)
        else:
            mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777")
        mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777")
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")
        control = self.config["control"]
        mount(inside(self.sessions, request["control"]), control, None, MS_BIND)
        mount(None, control, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        mount(inside(self.sessions, request["work"]), self.config["workdir"], None, MS_BIND)
        # Last: the other sessions' directories and this server's socket are out of reach from here on.
        mount("tmpfs", self.config["hide"], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4096,mode=0555")
        os.chdir(self.config["workdir"])
        self.drop_privileges()

    def drop_privileges(self):
        for capability in range(LAST_CAPABILITY + 1):
            LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the kernel's last one: nothing to drop
        LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        header = CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
        data = (CapData * 2)()
        check(LIBC.capset(ctypes.byref(header), data), "capset")
        check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        program = ctypes.create_string_buffer(self.seccomp, len(self.seccomp))
        fprog = SockFprog(len(self.seccomp) // 8, ctypes.cast(program, ctypes.c_void_p))
        check(LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")

    # --- the kernel ---------------------------------------------------------------------------------------------

    def run_kernel(self, connection, request):
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(connection, 1)
        os.dup2(connection, 2)
        os.close(connection)
        close_all_but()
        os.environ.clear()
        os.environ.update(request["environment"])
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()  # random's own generator is reseeded by os.fork
        sys.modules["__main__"] = self.kernel  # as when the kernel runs as a script
        sys.argv = [self.config["kernel"], request["socket"], request["configFile"]]
        try:
            self.kernel.main()
        finally:
            sys.stdout.flush()
        os._exit(0)


def bring_up_loopback():
    """A new network namespace's loopback is down: servers and clients inside the session need it, as with bubblewrap."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as control:
        request = struct.pack("16sH22x", b"lo", IFF_UP | IFF_RUNNING)  # struct ifreq: the name, then ifr_flags
        fcntl.ioctl(control.fileno(), SIOCSIFFLAGS, request)


def report(connection, error):
    report_line(connection, f"{type(error).__name__}: {error}")


def report_line(connection, text):
    try:
        write_all(connection, f"{FAILURE_PREFIX}{text}\n")
    except OSError:
        pass


def write_all(fd, text):
    data = text.encode()
    while data:
        data = data[os.write(fd, data):]


def read_line(fd, most=1 << 20):
    """One line from the host, byte by byte: what follows it is not this process's to read."""
    line = bytearray()
    while len(line) < most:
        byte = os.read(fd, 1)
        if not byte or byte == b"\n":
            break
        line += byte
    return line.decode()


def close_all_but(*kept):
    """Closes every descriptor above 2 but those kept: nothing of the server's reaches a session's code."""
    low = 3
    for fd in sorted(kept) + [os.sysconf("SC_OPEN_MAX")]:
        os.closerange(low, fd)
        low = fd + 1


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    server = ForkServer(config)
    try:
        server.serve()
    except Forked as forked:
        connection = forked.fd
    server.intermediate(connection)  # in a new child: the server's frames are gone


if __name__ == "__main__":
    main()
