"""codeact4j's Python kernel: one persistent interpreter that runs snippets for the JVM host.

It speaks the kernel protocol over a Unix socket whose path is given on the command line: every
frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON. The protocol is
specified in docs/protocol.md; the host's side of it is the Java records HostFrame, KernelFrame and
KernelConfig of dev.codeact4j.sandbox.protocol. The user's stdout and stderr are captured and sent
as `stream` frames; the process's own file descriptors 1 and 2 carry what child processes write
(see ChildOutput) and this file's fatal errors.

The module policy below is a guard rail that gives the model a clear message, not the security
boundary: the boundary is the operating system sandbox the host starts this process in.
"""
import ast
import base64
import builtins
import codecs
import collections
import errno
import faulthandler
import io
import json
import linecache
import math
import os
import resource
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback

PROTOCOL_VERSION = 1  # KernelProtocol.VERSION
KERNEL_FILE = os.path.abspath(__file__)
MAX_INCOMING_FRAME = 64 * 1024 * 1024  # KernelProtocol.MAX_FRAME_BYTES
# The frames the host sends, with the fields each must have (HostFrame); others may be null or absent.
HOST_FRAMES = {
    "execute": {"id": str, "code": str, "filename": str, "host": bool},
    "tool_result": {"id": str, "call": int},
}
REFUSED_EXIT_STATUS = 2


class Channel:
    """Length-prefixed JSON frames over the host's socket; writes may come from any thread."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb", buffering=65536)
        self.lock = threading.Lock()

    def send(self, frame):
        body = json.dumps(frame, ensure_ascii=False, default=repr).encode("utf-8", "surrogatepass")
        with self.lock:
            self.sock.sendall(struct.pack(">I", len(body)) + body)

    def receive(self):
        """The next frame of the host, or None when the host has closed its end.

        A frame the kernel cannot take (over the limit, not JSON, of an unknown type, without a field it needs)
        means host and kernel no longer agree: the kernel says why in an `error` frame and exits.
        """
        header = self.reader.read(4)
        if len(header) < 4:
            return None
        (length,) = struct.unpack(">I", header)
        if length == 0 or length > MAX_INCOMING_FRAME:
            self.refuse(f"a frame length of {length} bytes (allowed: 1 to {MAX_INCOMING_FRAME})")
        body = self.reader.read(length)
        if len(body) < length:
            return None
        try:
            frame = json.loads(body.decode("utf-8"))
        except ValueError as error:  # UnicodeDecodeError and JSONDecodeError alike
            self.refuse(f"a frame that is not JSON ({error})")
        frame_type = frame.get("type") if isinstance(frame, dict) else None
        fields = HOST_FRAMES.get(frame_type) if isinstance(frame_type, str) else None  # a list as type is no key
        if fields is None:
            self.refuse(f"a frame of unknown type: {body[:200].decode('utf-8', 'replace')}")
        for name, kind in fields.items():
            value = frame.get(name)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):  # JSON true is no number
                self.refuse(f"a frame of type {frame['type']} whose {name} is not a {kind.__name__}")
        return frame

    def refuse(self, problem):
        self.send({"type": "error", "message": f"the kernel refused {problem}"})
        os._exit(REFUSED_EXIT_STATUS)


class DetachedChannel:
    """What a forked child holds instead of the host's channel: frames go nowhere."""

    def send(self, frame):
        pass

    def receive(self):
        return None


class EgressRelay:
    """Forwards connections to 127.0.0.1:PORT, on the sandbox's own loopback, to the host's egress proxy.

    The sandbox has no network interface; when hosts are allowed, HTTP_PROXY and HTTPS_PROXY name this port,
    and the proxy on the host (at the end of a Unix socket) reads each request and decides. This only moves
    bytes, all connections in one thread, so that they do not cost the session's process budget.
    """

    CHUNK = 65536
    MAX_BUFFERED = 1 << 20

    def __init__(self, port, socket_path):
        self.port = port
        self.socket_path = socket_path
        self.selector = selectors.DefaultSelector()
        self.links = {}  # socket -> the Link that reads from it
        self.registered = set()

    def start(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, None)
        threading.Thread(target=self.run, name="codeact-egress-relay", daemon=True).start()

    def run(self):
        while True:
            for key, events in self.selector.select():
                if key.data is None:
                    self.accept(key.fileobj)
                    continue
                reading = key.data
                try:
                    if events & selectors.EVENT_WRITE and reading.target in self.links:
                        self.flush(self.links[reading.target])
                    if events & selectors.EVENT_READ and reading.source in self.links:
                        self.read(reading)
                except OSError:
                    self.close(reading)

    def accept(self, listener):
        try:
            client, _ = listener.accept()
        except OSError:
            return
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.socket_path)
        except OSError:
            client.close()
            upstream.close()
            return
        client.setblocking(False)
        upstream.setblocking(False)
        self.links[client] = Link(client, upstream)
        self.links[upstream] = Link(upstream, client)
        self.refresh(client)
        self.refresh(upstream)

    def read(self, link):
        try:
            data = link.source.recv(self.CHUNK)
        except BlockingIOError:
            return
        if data:
            link.outbox += data
        else:
            link.eof = True
        self.flush(link)

    def flush(self, link):
        """Writes what link has read to its target; once its source is done and all is written, half-closes."""
        if link.outbox:
            try:
                sent = link.target.send(link.outbox)
            except BlockingIOError:
                sent = 0  # the target is full: refresh() waits until it can take more
            del link.outbox[:sent]
        if link.eof and not link.outbox and not link.shut:
            link.shut = True
            link.target.shutdown(socket.SHUT_WR)
        back = self.links.get(link.target)
        if link.shut and back is not None and back.shut:
            self.close(link)
            return
        self.refresh(link.source)
        self.refresh(link.target)

    def refresh(self, sock):
        """Reads from sock while its bytes have room to wait; writes to it while bytes wait for it."""
        reading = self.links.get(sock)
        if reading is None:
            return
        writing = self.links.get(reading.target)
        events = 0
        if not reading.eof and len(reading.outbox) < self.MAX_BUFFERED:
            events |= selectors.EVENT_READ
        if writing is not None and writing.outbox:
            events |= selectors.EVENT_WRITE
        if events and sock in self.registered:
            self.selector.modify(sock, events, reading)
        elif events:
            self.selector.register(sock, events, reading)
            self.registered.add(sock)
        elif sock in self.registered:
            self.selector.unregister(sock)
            self.registered.discard(sock)

    def close(self, link):
        for sock in (link.source, link.target):
            if self.links.pop(sock, None) is not None:
                if sock in self.registered:
                    self.selector.unregister(sock)
                    self.registered.discard(sock)
                sock.close()


class Link:
    """One direction of a relayed connection: bytes read from source that wait to be written to target."""

    def __init__(self, source, target):
        self.source = source
        self.target = target
        self.outbox = bytearray()
        self.eof = False
        self.shut = False


class ChildOutput:
    """File descriptors 1 and 2 of the kernel, and so of every process it starts, as pipes that the kernel reads.

    What a child process writes comes back as `stream` frames of the execution that runs, on the same socket as
    its `done` frame: the execution drains both pipes before it says done, so a child's output can never arrive
    after it (as it could when the host read the process's own stdout on a thread of its own). Between
    executions it goes to the original descriptors, which the host keeps for diagnostics.
    """

    def __init__(self, kernel):
        self.kernel = kernel
        self.lock = threading.Lock()
        self.pipes = {}  # read end -> (stream name, incremental decoder, original descriptor)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            original = os.dup(fd)
            read_end, write_end = os.pipe()
            os.dup2(write_end, fd)  # inheritable: children write here
            os.close(write_end)
            os.set_blocking(read_end, False)
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            self.pipes[read_end] = (name, decoder, original)
            if fd == 2:
                # A crash of the interpreter itself cannot go through a pipe it reads: its trace goes to the host.
                faulthandler.enable(file=original)
        self.poller = select.poll()
        for read_end in self.pipes:
            self.poller.register(read_end, select.POLLIN)

    def start(self):
        threading.Thread(target=self.run, name="codeact-child-output", daemon=True).start()

    def run(self):
        while True:
            readable, _, _ = select.select(list(self.pipes), [], [])
            self.drain(readable)

    def drain(self, read_ends=None):
        """Forwards whatever the pipes hold now; the execution calls it last, before its done frame.

        The lock is taken first, so that output the reader thread has taken but not yet sent goes out before
        this returns; an empty poll then keeps the common case (no child wrote) to one system call.
        """
        with self.lock:
            if read_ends is None:
                read_ends = [read_end for read_end, _ in self.poller.poll(0)]
            for read_end in read_ends:
                name, decoder, original = self.pipes[read_end]
                while True:
                    try:
                        data = os.read(read_end, 65536)
                    except BlockingIOError:
                        break
                    if not data:
                        break
                    if self.kernel.current_id is not None:
                        self.kernel.emit_stream(name, decoder.decode(data))
                    else:
                        os.write(original, data)


class OutputBudget:
    """Caps what one execution may print: the head is streamed, then only a tail is kept."""

    def __init__(self, limit):
        self.limit = limit
        self.reset()

    def reset(self):
        self.streamed = 0
        self.cut = 0
        self.tail = collections.deque()
        self.tail_size = 0

    @property
    def truncated(self):
        return self.cut > 0

    def admit(self, text):
        """Returns the part of text that may be streamed now; the rest goes to the tail."""
        head_room = self.limit // 2 - self.streamed
        if head_room >= len(text):
            self.streamed += len(text)
            return text
        head = text[:max(head_room, 0)]
        self.streamed += len(head)
        self.tail.append(text[len(head):])
        self.tail_size += len(text) - len(head)
        tail_room = self.limit - self.limit // 2
        while self.tail_size > tail_room:
            dropped = self.tail.popleft()
            excess = self.tail_size - tail_room
            if len(dropped) > excess:
                self.tail.appendleft(dropped[excess:])
                dropped = dropped[:excess]
            self.tail_size -= len(dropped)
            self.cut += len(dropped)
        return head

    def take_tail(self):
        tail = "".join(self.tail)
        self.tail.clear()
        self.tail_size = 0
        return tail


class StreamWriter(io.TextIOBase):
    """sys.stdout / sys.stderr of user code: buffered per line, sent as `stream` frames."""

    def __init__(self, kernel, name):
        self.kernel = kernel
        self.name = name
        self.buffer_parts = []
        self.buffered = 0

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.buffer_parts.append(text)
        self.buffered += len(text)
        if "\n" in text or self.buffered > 8192:
            self.flush()
        return len(text)

    def flush(self):
        if not self.buffer_parts:
            return
        text = "".join(self.buffer_parts)
        self.buffer_parts.clear()
        self.buffered = 0
        self.kernel.emit_stream(self.name, text)


class ModulePolicy:
    """Refuses imports made directly by user code unless their top-level package is allowed.

    User code is the code's namespace and the modules of the policy's Python tool files (see Kernel.load_tool_file).
    """

    def __init__(self, allowed, user_namespace):
        self.allow_all = "*" in allowed
        self.allowed = frozenset(allowed)
        self.user_namespaces = [user_namespace]
        self.real_import = builtins.__import__

    def install(self):
        builtins.__import__ = self.guarded_import

    def guard(self, namespace):
        """Holds the code running in namespace (a tool file's module) to the policy, as the user's own."""
        self.user_namespaces.append(namespace)

    def is_user_code(self, namespace):
        return any(namespace is user for user in self.user_namespaces)

    def guarded_import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if not self.allow_all and level == 0 and self.is_user_code(sys._getframe(1).f_globals):
            top = name.partition(".")[0]
            if top not in self.allowed and top != "__future__":  # a compiler directive, no library
                raise ImportError(
                    f"import of '{top}' is not allowed by this session's module policy; "
                    f"allowed: {', '.join(sorted(self.allowed))}. To allow it: "
                    f"codeact exec --allow-import {top}, or SandboxPolicy.builder().allowImports(\"{top}\")",
                    name=top)
        return self.real_import(name, globals, locals, fromlist, level)


def is_data_frame(obj):
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def frame_to_json(frame):
    """A DataFrame as JSON records, one object per row: the one shape of tables in results, displays and answers.

    An index other than the default 0, 1, 2, ... carries the rows' labels (describe()'s count, mean, std...,
    groupby() keys, set_index() columns, dates), so it becomes the first field of each record, named after
    the index ("index" when it has no name; a MultiIndex gives a field per level).
    """
    index = frame.index
    default = (type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1
               and index.name is None)
    if not default:
        taken = {str(column) for column in frame.columns}
        names = []
        for level, name in enumerate(index.names):
            name = str(name) if name is not None else "index" if index.nlevels == 1 else f"level_{level}"
            while name in taken:  # a column of the same name stays as it is; the index's field gives way
                name += "_index"
            taken.add(name)
            names.append(name)
        frame = frame.reset_index(names=names)
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def to_json_value(value):
    """JSON-compatible form of common Python, numpy and pandas values; raises when there is none."""
    def convert(obj):
        module = type(obj).__module__.partition(".")[0]
        if module == "numpy":
            if hasattr(obj, "tolist"):
                return obj.tolist()
        if module == "pandas":
            if hasattr(obj, "to_dict"):
                if is_data_frame(obj):
                    return frame_to_json(obj)
                return json.loads(obj.to_json(date_format="iso"))  # a Series: {label: value}
            if hasattr(obj, "isoformat"):
                return obj.isoformat()
        if isinstance(obj, (set, frozenset, tuple)):
            return list(obj)
        if hasattr(obj, "isoformat"):
            return obj.isoformat()
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable")

    def finite(obj):
        if isinstance(obj, float) and not math.isfinite(obj):
            raise ValueError("NaN and infinity are not JSON")
        return obj

    text = json.dumps(value, default=convert, allow_nan=False)
    return json.loads(text, parse_constant=finite)


RESERVED_NAMES = frozenset({"display", "final_answer", "ToolError"})  # the kernel's names, which tools must leave alone


class ToolFileBuiltins(dict):
    """The builtins of a Python tool file's module: Python's own, then the names of the code's namespace.

    So a tool can call another tool wherever it was defined (another file, the host's tools, setup code), and use
    ToolError, display and final_answer, while what the file itself defines stays its own. A name found nowhere is
    still a NameError.
    """

    def __init__(self, session_namespace):
        super().__init__(vars(builtins))
        self.session_namespace = session_namespace

    def __missing__(self, name):
        return self.session_namespace[name]


class ShownAnnotation:
    """An annotation as the signature shows it: text, not the repr of a string."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def module_name(filename):
    """A tool file's module name, free in sys.modules: the file's name without its directory and suffix, made an
    identifier; prefixed when a module of that name exists, so that the file never stands in for a real module."""
    import importlib.util

    stem = os.path.splitext(os.path.basename(filename))[0]
    stem = "".join(c if c.isalnum() or c == "_" else "_" for c in stem) or "tools"
    stem = "_" + stem if stem[0].isdigit() else stem
    name, number = stem, 1
    while name in sys.modules or importlib.util.find_spec(name) is not None:
        name, number = f"codeact_tools_{stem}" + (f"_{number}" if number > 1 else ""), number + 1
    return name


def tool_signature(function, module):
    """A function's parameters and return type as Python writes them, (a: int, b: str = 'x') -> list[str], with the
    tool file's own classes by their names alone and string annotations (from __future__ import annotations) as written
    when they can be evaluated."""
    import inspect
    import re

    try:
        signature = inspect.signature(function, eval_str=True)
    except Exception:  # a name an annotation uses is not defined: show it as written
        signature = inspect.signature(function)
    own = re.compile(r"\b" + re.escape(module) + r"\.")

    def shown(annotation):
        if annotation is inspect.Parameter.empty:
            return annotation
        text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
        return ShownAnnotation(own.sub("", text))

    parameters = [p.replace(annotation=shown(p.annotation)) for p in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=shown(signature.return_annotation)))


def error_line(exc, filename):
    """The line of the file where exc was raised (the last of its frames in the file), or 0."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        return exc.lineno or 0
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    return lines[-1] if lines else 0


class Kernel:
    def __init__(self, channel, config):
        self.channel = channel
        self.config = config
        self.code_files = set()  # the names the host gave the code it ran: <cell-N>, files, its own code
        self.host_files = set()  # those of the host's own code (the tools' functions): not the user's to see
        self.current_id = None
        self.running_user_code = False
        self.budget = OutputBudget(int(config.get("maxOutputChars", 100_000)))
        self.namespace = {"__name__": "__main__", "__builtins__": builtins, "display": self.display,
                          "final_answer": self.final_answer, "ToolError": ToolError,
                          "_codeact_call_tool": self.call_tool, "_codeact_load_tool_file": self.load_tool_file}
        self.module_policy = None
        self.tool_files = {}  # the name of each function of a Python tool file -> that file
        self.tool_calls = 0
        self.stdout = StreamWriter(self, "stdout")
        self.stderr = StreamWriter(self, "stderr")
        self.pid = os.getpid()
        self.cpu_seconds = config.get("cpuSecondsPerExecution")
        self.file_size_mb = config.get("maxFileSizeMb")
        self.disk_mb = config.get("diskMb")
        self.child_output = None

    # --- output -------------------------------------------------------------------------------

    def emit_stream(self, name, text):
        if self.current_id is None:
            return
        admitted = self.budget.admit(text)
        if admitted:
            self.channel.send({"type": "stream", "id": self.current_id, "name": name, "text": admitted})

    def emit_display(self, mime, data):
        if self.current_id is not None:
            self.channel.send({"type": "display", "id": self.current_id, "mime": mime, "data": data})

    @staticmethod
    def final_answer(answer):
        """Ends the task with this answer (any value: text, numbers, lists, dicts, DataFrames...)."""
        raise FinalAnswer(answer)

    def call_tool(self, name, arguments):
        """Runs a host tool: the generated tool functions call this. Blocks until the host answers."""
        if self.current_id is None or isinstance(self.channel, DetachedChannel):
            raise ToolError(f"the tool {name} can only be called from the session's own code as it runs")
        try:
            arguments = to_json_value(arguments)
        except (TypeError, ValueError) as error:
            raise ToolError(f"the arguments of {name} must be JSON values (numbers, strings, lists, dicts): {error}") from None
        self.tool_calls += 1
        call = self.tool_calls
        self.channel.send({"type": "tool_call", "id": self.current_id, "call": call, "name": name, "args": arguments})
        while True:
            frame = self.channel.receive()
            if frame is None:
                os._exit(3)  # the host is gone: nothing left to answer to
            if frame["type"] != "tool_result":
                self.channel.refuse(f"a frame of type {frame['type']} while the code waited for tool call {call}")
            if frame["call"] == call:
                break  # another call's answer is one the code stopped waiting for (it was interrupted)
        error = frame.get("error")
        if error:
            raise ToolError(error.get("message") or f"the tool {name} failed")
        return frame.get("value")

    def load_tool_file(self, source, filename):
        """Runs a Python tool file and defines its public functions in the code's namespace, as tools.

        The file runs as a module of its own, so that its imports and helpers stay its own, with the session's names
        behind Python's builtins (ToolFileBuiltins) and its imports held to the module policy. Its public functions
        (not starting with _, defined in the file rather than imported) are defined under their own names, even
        where a name hides a builtin (max, sum). Returns {"functions": [{name, signature, doc}]}, or {"error":
        {type, message, traceback, line}} naming the line of the file that failed; the host turns it into a message.
        """
        import inspect
        import types

        module = types.ModuleType(module_name(filename))
        module.__file__ = filename
        sys.modules[module.__name__] = module  # what dataclasses and typing look a class's module up in
        module.__dict__["__builtins__"] = ToolFileBuiltins(self.namespace)
        self.module_policy.guard(module.__dict__)
        self.code_files.add(filename)  # a SyntaxError's traceback then shows the file's line, not the compiler's frames
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        except KeyboardInterrupt:
            raise  # the time limit: the host says so
        except BaseException as exc:  # SystemExit and final_answer() at the top of a tool file are errors too
            return {"error": dict(self.describe_error(exc), line=error_line(exc, filename))}
        functions = []
        for name, value in list(module.__dict__.items()):
            if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
                continue
            line = value.__code__.co_firstlineno
            if name in RESERVED_NAMES:
                return {"error": self.file_error(filename, line, f"{filename} defines {name}, a name the session itself "
                                                 "uses; rename the function, or start its name with _ to keep it private")}
            if self.tool_files.get(name, filename) != filename:
                return {"error": self.file_error(filename, line, f"{filename} defines {name}, and so does the Python "
                                                 f"tool file {self.tool_files[name]}; rename one of them")}
            functions.append({"name": name, "signature": tool_signature(value, module.__name__),
                              "doc": inspect.getdoc(value) or ""})
        for function in functions:
            self.namespace[function["name"]] = module.__dict__[function["name"]]
            self.tool_files[function["name"]] = filename
        return {"functions": functions}

    @staticmethod
    def file_error(filename, line, message):
        return {"type": "NameError", "message": message, "line": line,
                "traceback": f'  File "{filename}", line {line}\nNameError: {message}\n'}

    def display(self, *objects):
        """Shows objects as rich output: figures as PNG, DataFrames as a table plus JSON."""
        for obj in objects:
            if self.is_figure(obj):
                self.emit_figure(obj)
            elif is_data_frame(obj):
                self.emit_display("text/plain", repr(obj))
                try:
                    records = frame_to_json(obj)
                except (TypeError, ValueError):
                    continue  # a frame JSON cannot hold (duplicate column names, say) is shown as text only
                self.emit_display("application/json", json.dumps(records, ensure_ascii=False, separators=(",", ":")))
            else:
                self.emit_display("text/plain", repr(obj))

    @staticmethod
    def is_figure(obj):
        return type(obj).__name__ == "Figure" and type(obj).__module__.startswith("matplotlib")

    def emit_figure(self, figure):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        self.emit_display("image/png", base64.b64encode(buffer.getvalue()).decode("ascii"))

    def flush_figures(self):
        """Sends every open matplotlib figure as a PNG and closes it (what plt.show() means here)."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in pyplot.get_fignums():
            self.emit_figure(pyplot.figure(number))
        pyplot.close("all")

    def patch_pyplot_show(self):
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None and getattr(pyplot.show, "__codeact__", False) is False:
            def show(*args, **kwargs):
                self.flush_figures()
            show.__codeact__ = True
            pyplot.show = show

    def on_fork_child(self):
        """A forked child must never write to the host's socket: its output goes to fds 1 and 2."""
        self.channel = DetachedChannel()
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)

    # --- limits -------------------------------------------------------------------------------

    def arm_cpu_limit(self):
        """A per-execution CPU budget: the soft limit raises SIGXCPU, handled as an exception."""
        if not self.cpu_seconds:
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = usage.ru_utime + usage.ru_stime
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        wanted = int(math.ceil(used + self.cpu_seconds))
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))

    def on_interrupt(self, signum, frame):
        if self.running_user_code:
            raise KeyboardInterrupt

    def on_cpu_limit(self, signum, frame):
        if self.running_user_code:
            raise CpuTimeExceeded(
                f"the execution used more than its CPU time limit of {self.cpu_seconds} s "
                "and was stopped; the session's state is kept")

    # --- execution ----------------------------------------------------------------------------

    def execute(self, frame):
        self.current_id = frame["id"]
        self.budget.reset()
        # The host names the code, in tracebacks: <cell-N> (numbered by the host, so that numbers go on across
        # restarts and its own code takes none), the file it was read from, or a name for its own code.
        filename = frame["filename"]
        self.code_files.add(filename)
        if frame["host"]:
            self.host_files.add(filename)
        code = frame["code"]
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        started = time.perf_counter()
        result = None
        final = None
        error = None
        saved_streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.stdout, self.stderr
        try:
            self.arm_cpu_limit()
            value, has_value = self.run_user_code(code, filename)
            if has_value and value is not None:
                result = self.describe(value)
        except FinalAnswer as answer:
            final = self.describe(answer.value)
            self.namespace["_final_answer"] = answer.value
        except BaseException as exc:  # the user's code may raise anything, SystemExit included
            error = self.describe_error(exc)
        finally:
            if os.getpid() != self.pid:
                # A child the user's code forked has come back here: only the kernel itself may go on.
                os._exit(0 if error is None else 1)
            self.running_user_code = False
            try:
                self.patch_pyplot_show()
                self.flush_figures()
            except Exception as exc:  # a broken figure must not lose the execution's result
                self.stderr.write(f"[codeact] a figure could not be rendered: {exc!r}\n")
            self.stdout.flush()
            self.stderr.flush()
            if self.child_output is not None:
                self.child_output.drain()
            sys.stdout, sys.stderr = saved_streams
        if self.budget.truncated:
            tail = self.budget.take_tail()
            notice = (f"\n[... {self.budget.cut} characters of output were cut here: the limit is "
                      f"{self.budget.limit} characters per execution; print less, or summarise ...]\n")
            self.channel.send({"type": "stream", "id": self.current_id, "name": "stdout", "text": notice + tail})
        self.channel.send({
            "type": "done",
            "id": self.current_id,
            "ok": error is None,
            "result": result,
            "final": final,
            "error": error,
            "durationMs": (time.perf_counter() - started) * 1000.0,
            "truncated": self.budget.truncated,
        })
        self.current_id = None

    def run_user_code(self, code, filename):
        tree = ast.parse(code, filename, "exec")
        trailing = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            trailing = ast.Expression(tree.body.pop().value)
        body = compile(tree, filename, "exec")
        tail = compile(trailing, filename, "eval") if trailing is not None else None
        self.patch_pyplot_show()
        self.running_user_code = True
        try:
            exec(body, self.namespace)
            if tail is None:
                return None, False
            value = eval(tail, self.namespace)
        finally:
            self.running_user_code = False
        if is_data_frame(value):
            self.display(value)
        self.namespace["_"] = value
        return value, True

    def describe(self, value):
        limit = self.budget.limit
        text = repr(value)
        if len(text) > limit:
            text = text[: limit // 2] + f"\n[... {len(text) - limit} characters cut ...]\n" + text[-limit // 2:]
        described = {"repr": text, "type": type(value).__name__}
        try:
            described["json"] = to_json_value(value)
        except Exception:
            pass
        return described

    def describe_error(self, exc):
        report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
        pending = [report]
        while pending:  # the kernel's frames and the host's code mean nothing to the user: drop them, causes included
            current = pending.pop()
            if issubclass(current.exc_type, SyntaxError) and current.filename in self.code_files:
                current.stack = traceback.StackSummary.from_list([])  # the compiler's own frames say nothing
            else:
                current.stack = traceback.StackSummary.from_list(
                    [frame for frame in current.stack
                     if frame.filename != KERNEL_FILE and frame.filename not in self.host_files])
            pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        lines = list(report.format())
        message = str(exc)
        hint = self.hint(exc)
        if hint:
            # The hint goes on the traceback's last "Type: message" line too: whoever reads only the traceback
            # (the model's observation) must see it. format() ends with exactly what format_exception_only() gives.
            exception_only = list(report.format_exception_only())
            lines[len(lines) - len(exception_only)] = exception_only[0].rstrip("\n") + " " + hint + "\n"
            message = (message + " " if message else "") + hint
        return {"type": type(exc).__name__, "message": message, "traceback": "".join(lines)}

    def hint(self, exc):
        """What the sandbox adds to an error that one of its limits caused, or None."""
        if isinstance(exc, OSError) and exc.errno == errno.EFBIG and self.file_size_mb:
            return f"(the sandbox limits one file to {self.file_size_mb} MB)"
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC and self.disk_mb:
            where = ("its working directory and /tmp together" if self.config.get("workdirOnDisk")
                     else "/tmp (the working directory you named is bounded by its own file system)")
            return (f"(no space left: the sandbox limits its disk to {self.disk_mb} MB, {where}; "
                    "delete files or ask for more with --disk)")
        if isinstance(exc, MemoryError):
            return "(the session ran out of memory; use less)"
        return None

    # --- main loop ----------------------------------------------------------------------------

    def serve(self):
        self.channel.send({
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "language": "python",
            "version": sys.version.split()[0],
            "preloaded": sorted(self.config.get("preload", [])),
            "workdirWritable": os.access(os.getcwd(), os.R_OK | os.W_OK | os.X_OK),
            "unreadableData": unreadable_data(self.config.get("data") or []),
        })
        while True:
            frame = self.channel.receive()
            if frame is None:
                return  # the host has closed the socket: the session is over
            if frame["type"] == "execute":
                self.execute(frame)
            # else a tool_result of a call that was interrupted: nobody waits for it any more


class CpuTimeExceeded(Exception):
    pass


class ToolError(Exception):
    """A host tool failed, or could not be called; the message says why."""


class FinalAnswer(BaseException):
    """Raised by final_answer(): ends the snippet at once and hands the value to the host."""

    def __init__(self, value):
        super().__init__("final_answer called")
        self.value = value


def unreadable_data(roots, most=100_000):
    """The first of the session's data paths (or what is inside them) this process cannot read, or None.

    Directories must be readable and enterable, files readable; links are not followed (what they point to may
    well be outside the data). After `most` entries the rest is taken on trust: a start must not crawl a huge tree.
    """
    seen = 0
    for root in roots:
        pending = [root]
        while pending and seen < most:
            path = pending.pop()
            seen += 1
            if path != root and os.path.islink(path):
                continue
            if os.path.isdir(path):
                if not os.access(path, os.R_OK | os.X_OK):
                    return path
                try:
                    with os.scandir(path) as entries:
                        pending.extend(entry.path for entry in entries)
                except OSError:
                    return path
            elif not os.access(path, os.R_OK):
                return path
    return None


def apply_resource_limits(limits):
    names = {
        "cpuHardSeconds": resource.RLIMIT_CPU,
        "addressSpaceBytes": resource.RLIMIT_AS,
        "maxFileSizeBytes": resource.RLIMIT_FSIZE,
        "maxOpenFiles": resource.RLIMIT_NOFILE,
        "maxProcesses": resource.RLIMIT_NPROC,
    }
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for key, limit in names.items():
        value = limits.get(key)
        if value:
            resource.setrlimit(limit, (int(value), int(value)))


def main():
    socket_path, config_path = sys.argv[1], sys.argv[2]
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    for module in config.get("preload", []):
        __import__(module)
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    apply_resource_limits(config.get("limits", {}))
    sys.stdin = io.StringIO("")
    channel = Channel(socket_path)
    egress = config.get("egress")
    if egress:
        EgressRelay(int(egress["port"]), egress["socket"]).start()
    kernel = Kernel(channel, config)
    kernel.child_output = ChildOutput(kernel)
    kernel.child_output.start()
    signal.signal(signal.SIGINT, kernel.on_interrupt)
    if hasattr(signal, "SIGXCPU"):
        signal.signal(signal.SIGXCPU, kernel.on_cpu_limit)
    os.register_at_fork(after_in_child=kernel.on_fork_child)
    kernel.module_policy = ModulePolicy(config.get("allowedImports", ["*"]), kernel.namespace)
    kernel.module_policy.install()
    kernel.serve()


# The fork server (forkserver.py) runs this file as __main__ too, so that its classes are named as in a kernel started
# plainly (a ToolError is "ToolError", not "kernel.ToolError"), and calls main() itself in each session it forks.
if __name__ == "__main__" and not globals().get("__codeact_forked__"):
    main()
