package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codeact4j.sandbox.protocol.HostFrame;
import dev.codeact4j.sandbox.protocol.KernelFrame;
import dev.codeact4j.sandbox.protocol.KernelProtocol;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A kernel against docs/protocol.md, frame by frame over the real socket of a real sandboxed kernel: this test plays
 * the host itself. The second half plays a broken kernel, from inside the code, and checks what the host does.
 * Every kernel runs it: a new one adds its {@link Dialect}, the few snippets of its language the test needs.
 */
@Timeout(60)
class KernelConformanceTest {

    /**
     * A kernel and its language's code for what the test needs.
     *
     * @param module        a module of the language's own library, to preload
     * @param printBoth     writes {@code out} and a newline to stdout, then {@code err} and a newline to stderr
     * @param displayText   displays the text {@code shown} as text/plain
     * @param answer        ends with the value 42 (repr {@code 42}, type {@code intType}) as its result
     * @param noResult      a statement without a value (an assignment)
     * @param divideByZero  raises an error of type {@code zeroDivisionType}
     * @param finalAnswer   hands {@code {"a": 1}} to final_answer
     * @param callTool      calls the tool {@code add} with {@code {"a": 2, "b": 3}} and ends with its value as its result
     * @param catchTool     calls the tool {@code fail} with {@code {}} and ends with the failure's message as its result
     * @param sleep         prints {@code started} and a newline, then sleeps for a minute
     * @param writeRaw      code that writes these bytes to the kernel's socket as they are, then sleeps
     * @param rawImports    the modules the snippets import, for the session's policy
     */
    record Dialect(KernelDescription kernel, String module, String printBoth, String displayText, String answer,
                   String intType, String noResult, String divideByZero, String zeroDivisionType, String finalAnswer, String callTool, String catchTool,
                   String sleep, Function<byte[], String> writeRaw, List<String> rawImports) {
        @Override
        public String toString() {
            return kernel.language();
        }
    }

    static final Dialect PYTHON = new Dialect(KernelDescription.PYTHON, "json",
            "import sys\nprint('out')\nprint('err', file=sys.stderr)",
            "display('shown')",
            "6 * 7", "int", "x = 1",
            "1 / 0", "ZeroDivisionError",
            "final_answer({'a': 1})",
            "_codeact_call_tool('add', {'a': 2, 'b': 3})",
            "try:\n    _codeact_call_tool('fail', {})\nexcept ToolError as error:\n    failure = str(error)\nfailure",
            "import time\nprint('started', flush=True)\ntime.sleep(60)",
            bytes -> "import base64, gc, socket, time\n"
                    + "channel = next(o for o in gc.get_objects() if isinstance(o, socket.socket))\n"
                    + "channel.sendall(base64.b64decode('" + Base64.getEncoder().encodeToString(bytes) + "'))\n"
                    + "time.sleep(30)",
            List.of("sys", "base64", "gc", "socket", "time"));

    /** JavaScript has no division error: a TypeError stands in for it. The socket is found among the kernel's fds. */
    static final Dialect JAVASCRIPT = new Dialect(KernelDescription.JAVASCRIPT, "util",
            "console.log('out')\nconsole.error('err')",
            "display(\"'shown'\")",
            "6 * 7", "number", "let x = 1",
            "null.property", "TypeError",
            "final_answer({a: 1})",
            "await _codeact_call_tool('add', {a: 2, b: 3})",
            "let failure\ntry {\n  await _codeact_call_tool('fail', {})\n} catch (error) {\n  failure = error.message\n}\nfailure",
            "console.log('started')\nawait new Promise(resolve => setTimeout(resolve, 60000))",
            bytes -> "const fs = require('fs')\n"
                    + "const fd = fs.readdirSync('/proc/self/fd').map(Number)"
                    + ".find(fd => { try { return fs.readlinkSync('/proc/self/fd/' + fd).startsWith('socket:') } catch { return false } })\n"
                    + "fs.writeSync(fd, Buffer.from('" + Base64.getEncoder().encodeToString(bytes) + "', 'base64'))\n"
                    + "await new Promise(resolve => setTimeout(resolve, 30000))",
            List.of("fs"));

    static Stream<Dialect> kernels() {
        return Stream.of(PYTHON, JAVASCRIPT);
    }

    private static final Map<KernelDescription, LocalSandbox> SANDBOXES = new ConcurrentHashMap<>();

    private static LocalSession open(Dialect dialect, SandboxPolicy.Builder policy) {
        LocalSandbox sandbox = SANDBOXES.computeIfAbsent(dialect.kernel(),
                kernel -> (LocalSandbox) Sandbox.builder().kernel(kernel).build());
        return (LocalSession) sandbox.open(policy.language(dialect.kernel().sessionLanguage())
                .allowImports(dialect.rawImports().toArray(String[]::new)).build());
    }

    private static LocalSession open(Dialect dialect) {
        return open(dialect, quickPolicy());
    }

    private static void begin(KernelProcess kernel, String id, String code) throws IOException {
        kernel.send(new HostFrame.Execute(id, code, "<conformance>", false));
    }

    /** The frames of one execution, done last. */
    private static List<KernelFrame> execute(KernelProcess kernel, String id, String code) throws IOException {
        begin(kernel, id, code);
        return untilDone(kernel);
    }

    private static List<KernelFrame> untilDone(KernelProcess kernel) throws IOException {
        List<KernelFrame> frames = new ArrayList<>();
        KernelFrame frame;
        do {
            frame = kernel.receive();
            frames.add(frame);
        } while (!(frame instanceof KernelFrame.Done));
        return frames;
    }

    private static KernelFrame.Done done(List<KernelFrame> frames) {
        return (KernelFrame.Done) frames.getLast();
    }

    // --- the kernel, driven by this test as its host ------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("kernels")
    void helloComesFirstWithTheProtocolTheLanguageAndThePreloads(Dialect dialect) {
        try (LocalSession session = open(dialect, quickPolicy().preload(List.of(dialect.module())))) {
            KernelFrame.Hello hello = session.kernel().hello();
            assertThat(hello.protocol()).isEqualTo(KernelProtocol.VERSION);
            assertThat(hello.language()).isEqualTo(dialect.kernel().language());
            assertThat(hello.version()).isNotBlank();
            assertThat(hello.preloaded()).containsExactly(dialect.module());
            assertThat(hello.workdirWritable()).isTrue();
            assertThat(hello.unreadableData()).isNull();
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void helloNamesTheFirstDataPathTheKernelCannotRead(Dialect dialect) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("codeact-conformance-data");
        try {
            java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            java.nio.file.Files.writeString(dir.resolve("open.csv"), "a\n");
            java.nio.file.Path closed = java.nio.file.Files.writeString(dir.resolve("closed.csv"), "a\n");
            try (LocalSession session = open(dialect, quickPolicy().data(dir))) {
                assertThat(session.kernel().hello().unreadableData()).isNull();
            }
            java.nio.file.Files.setPosixFilePermissions(closed, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
            assertThatThrownBy(() -> open(dialect, quickPolicy().data(dir)).close())
                    .hasMessageContaining("the data file " + closed + " cannot be read by");
        } finally {
            LocalSandbox.deleteRecursively(dir);
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void anExecutionStreamsAndDisplaysUnderItsIdAndEndsWithDone(Dialect dialect) throws IOException {
        try (LocalSession session = open(dialect)) {
            KernelProcess kernel = session.kernel();
            List<KernelFrame> frames = execute(kernel, "x1", dialect.printBoth() + "\n" + dialect.displayText()
                    + "\n" + dialect.answer());
            assertThat(frames).hasSize(4);
            assertThat(frames.get(0)).isEqualTo(new KernelFrame.Stream("x1", "stdout", "out\n"));
            assertThat(frames.get(1)).isEqualTo(new KernelFrame.Stream("x1", "stderr", "err\n"));
            assertThat(frames.get(2)).isEqualTo(new KernelFrame.Display("x1", "text/plain", "'shown'"));
            KernelFrame.Done done = done(frames);
            assertThat(done.id()).isEqualTo("x1");
            assertThat(done.ok()).isTrue();
            assertThat(done.result()).isEqualTo(new KernelFrame.Value("42", dialect.intType(), IntNode.valueOf(42)));
            assertThat(done.finalAnswer()).isNull();
            assertThat(done.error()).isNull();
            assertThat(done.truncated()).isFalse();
            assertThat(done.durationMs()).isPositive();

            KernelFrame.Done quiet = done(execute(kernel, "x2", dialect.noResult()));
            assertThat(quiet.ok()).isTrue();
            assertThat(quiet.result()).as("no trailing expression, no result").isNull();
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void anErrorAndAFinalAnswerComeInDone(Dialect dialect) throws IOException {
        try (LocalSession session = open(dialect)) {
            KernelProcess kernel = session.kernel();
            KernelFrame.Done failed = done(execute(kernel, "f1", dialect.divideByZero()));
            assertThat(failed.ok()).isFalse();
            assertThat(failed.result()).isNull();
            assertThat(failed.error().type()).isEqualTo(dialect.zeroDivisionType());
            assertThat(failed.error().message()).isNotBlank();
            assertThat(failed.error().traceback()).contains("<conformance>");

            KernelFrame.Done answered = done(execute(kernel, "f2", dialect.finalAnswer()));
            assertThat(answered.ok()).isTrue();
            assertThat(answered.error()).isNull();
            assertThat(answered.finalAnswer().json()).isEqualTo(JsonNodeFactory.instance.objectNode().put("a", 1));
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void aToolCallWaitsForTheToolResultOfItsNumberWithAValueOrAnError(Dialect dialect) throws IOException {
        try (LocalSession session = open(dialect)) {
            KernelProcess kernel = session.kernel();
            begin(kernel, "t1", dialect.callTool());
            KernelFrame.ToolCall call = (KernelFrame.ToolCall) kernel.receive();
            assertThat(call.id()).isEqualTo("t1");
            assertThat(call.call()).isEqualTo(1);
            assertThat(call.name()).isEqualTo("add");
            assertThat(call.args()).isEqualTo(JsonNodeFactory.instance.objectNode().put("a", 2).put("b", 3));
            // The answer to a call the code no longer waits for (it was interrupted) is ignored.
            kernel.send(new HostFrame.ToolResult("t0", call.call() + 100, IntNode.valueOf(-1), null));
            kernel.send(new HostFrame.ToolResult("t1", call.call(), IntNode.valueOf(5), null));
            assertThat(done(untilDone(kernel)).result().json()).isEqualTo(IntNode.valueOf(5));

            begin(kernel, "t2", dialect.catchTool());
            KernelFrame.ToolCall failing = (KernelFrame.ToolCall) kernel.receive();
            assertThat(failing.call()).as("calls are numbered per kernel").isEqualTo(2);
            kernel.send(new HostFrame.ToolResult("t2", failing.call(), null, new HostFrame.ToolError("IOException", "boom")));
            assertThat(done(untilDone(kernel)).result().json().asText()).isEqualTo("boom");

            // Between executions too, a stray answer is nobody's: the kernel goes on.
            kernel.send(new HostFrame.ToolResult("t2", 99, IntNode.valueOf(1), null));
            assertThat(done(execute(kernel, "t3", dialect.answer())).ok()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void sigintEndsTheRunningExecutionWithAnInterruptedDoneAndTheKernelGoesOn(Dialect dialect) throws IOException {
        try (LocalSession session = open(dialect)) {
            KernelProcess kernel = session.kernel();
            begin(kernel, "s1", dialect.sleep());
            assertThat(kernel.receive()).isEqualTo(new KernelFrame.Stream("s1", "stdout", "started\n"));
            kernel.interrupt();
            KernelFrame.Done done = done(untilDone(kernel));
            assertThat(done.ok()).isFalse();
            assertThat(done.error().type()).isEqualTo(KernelProtocol.INTERRUPTED);
            assertThat(done(execute(kernel, "s2", dialect.answer())).result().json()).isEqualTo(IntNode.valueOf(42));
        }
    }

    /** A frame the kernel cannot take: it says why in an error frame, closes the socket and exits with status 2. */
    @ParameterizedTest
    @MethodSource("kernels")
    void theKernelRefusesAFrameThatIsNotJson(Dialect dialect) throws IOException {
        assertRefused(dialect, frame("{\"type\": \"execute\", "), "not JSON");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theKernelRefusesAFrameOfAnUnknownType(Dialect dialect) throws IOException {
        assertRefused(dialect, frame("{\"type\": \"shutdown\"}"), "unknown type");
        assertRefused(dialect, frame("[1, 2]"), "unknown type");
        assertRefused(dialect, frame("{\"type\": [\"execute\"]}"), "unknown type");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theKernelRefusesAFrameWithoutAFieldItNeeds(Dialect dialect) throws IOException {
        assertRefused(dialect, frame("{\"type\": \"execute\", \"id\": \"m1\", \"filename\": \"f\", \"host\": false}"), "code");
        assertRefused(dialect, frame("{\"type\": \"tool_result\", \"id\": \"m1\", \"call\": \"1\"}"), "call");
        assertRefused(dialect, frame("{\"type\": \"tool_result\", \"id\": \"m1\", \"call\": true}"), "call");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theKernelRefusesAnOverLongOrEmptyFrameByItsLengthAlone(Dialect dialect) throws IOException {
        assertRefused(dialect, ByteBuffer.allocate(8).putInt(KernelProtocol.MAX_FRAME_BYTES + 1).putInt(0).flip(),
                "frame length of " + (KernelProtocol.MAX_FRAME_BYTES + 1));
        assertRefused(dialect, ByteBuffer.allocate(4).putInt(0).flip(), "frame length of 0");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theKernelRefusesAnythingButAToolResultWhileTheCodeWaitsForOne(Dialect dialect) throws IOException {
        try (LocalSession session = open(dialect)) {
            KernelProcess kernel = session.kernel();
            begin(kernel, "w1", dialect.callTool());
            assertThat(kernel.receive()).isInstanceOf(KernelFrame.ToolCall.class);
            begin(kernel, "w2", dialect.answer());
            assertRefusal(kernel, "execute while the code waited for tool call 1");
        }
    }

    private static ByteBuffer frame(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
    }

    private static void assertRefused(Dialect dialect, ByteBuffer bytes, String why) throws IOException {
        try (LocalSession session = open(dialect)) {
            KernelProcess kernel = session.kernel();
            kernel.channel().write(bytes);
            assertRefusal(kernel, why);
        }
    }

    private static void assertRefusal(KernelProcess kernel, String why) throws IOException {
        assertThat(kernel.receive()).isInstanceOfSatisfying(KernelFrame.ProtocolError.class,
                error -> assertThat(error.message()).contains(why));
        assertThatThrownBy(kernel::receive).isInstanceOf(EOFException.class);
        assertThat(kernel.exitDescription()).isEqualTo("exit code 2");
    }

    // --- a broken kernel, played by the code inside it: what the host does ---------------------------------------

    @ParameterizedTest
    @MethodSource("kernels")
    void theHostKillsAKernelThatSendsAFrameThatIsNotJson(Dialect dialect) {
        assertKilledForProtocol(dialect, frameBytes("{not json"), "not one of the protocol's");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theHostKillsAKernelThatSendsAnOverLongFrame(Dialect dialect) {
        assertKilledForProtocol(dialect, ByteBuffer.allocate(4).putInt(KernelProtocol.MAX_FRAME_BYTES + 1).array(),
                "frame length of " + (KernelProtocol.MAX_FRAME_BYTES + 1));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theHostKillsAKernelThatSendsAFrameOfAnUnknownTypeOrWithoutAField(Dialect dialect) {
        assertKilledForProtocol(dialect, frameBytes("{\"type\": \"surprise\", \"id\": \"e1\"}"), "surprise");
        assertKilledForProtocol(dialect, frameBytes("{\"type\": \"stream\", \"id\": \"e1\", \"name\": \"stdout\"}"), "text");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theHostTakesTheKernelsErrorFrameForItsFailure(Dialect dialect) {
        assertKilledForProtocol(dialect, frameBytes("{\"type\": \"error\", \"message\": \"lost count\"}"),
                "it refused a frame of the host: lost count");
    }

    private static byte[] frameBytes(String json) {
        return frame(json).array();
    }

    private static void assertKilledForProtocol(Dialect dialect, byte[] bytes, String why) {
        try (LocalSession session = open(dialect, quickPolicy().timeout(Duration.ofSeconds(20)))) {
            ExecutionResult result = session.execute(dialect.writeRaw().apply(bytes));
            assertThat(result.error().type()).isEqualTo("KernelProtocolError");
            assertThat(result.error().message()).contains(why).contains("killed");
            assertThat(result.duration()).as("at once, not at the deadline").isLessThan(Duration.ofSeconds(5));
            assertThat(result.restarted()).isTrue();
            ExecutionResult after = session.execute(dialect.answer());
            assertThat(after.result().json()).isEqualTo(IntNode.valueOf(42));
            assertThat(session.restarts()).isEqualTo(1);
        }
    }
}
