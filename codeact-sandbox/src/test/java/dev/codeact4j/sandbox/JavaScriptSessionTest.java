package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.node.IntNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * JavaScript sessions through the Java API, in the real sandbox: the Python session tests that apply, in
 * JavaScript (state, results, errors, limits, the module policy, the OS boundary, tools, answers, displays).
 */
@Timeout(120)
class JavaScriptSessionTest {
    private static Session session;

    static SandboxPolicy.Builder js() {
        return quickPolicy().language(Language.JAVASCRIPT);
    }

    @BeforeAll
    static void open() {
        session = SANDBOX.open(js().build());
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void topLevelDeclarationsAndAwaitCarryOverLikeARepl() {
        ExecutionResult first = session.execute("""
                const base = 40
                let counter = 1
                var legacy = 'v'
                function bump(n) { return n + 2 }
                class Box { constructor(v) { this.v = v } }
                const fetched = await Promise.resolve(7)
                require('fs').writeFileSync('notes.txt', 'kept')
                """);
        assertThat(first.error()).isNull();
        ExecutionResult next = session.execute("""
                counter += 1
                const later = await new Promise(resolve => setTimeout(() => resolve(bump(base)), 10));
                [later, counter, legacy, new Box(fetched).v, require('fs').readFileSync('notes.txt', 'utf8')]
                """);
        assertThat(next.error()).isNull();
        assertThat(next.result().json().toString()).isEqualTo("[42,2,\"v\",7,\"kept\"]");
        assertThat(session.language()).isEqualTo(Language.JAVASCRIPT);
        assertThat(session.workdir().resolve("notes.txt")).hasContent("kept");
    }

    @Test
    void theLastExpressionIsTheResultAsJsonOrInspected() {
        ExecutionResult object = session.execute("({a: [1, 2.5], b: null, when: new Date(0)})");
        assertThat(object.result().type()).isEqualTo("Object");
        assertThat(object.result().repr()).contains("a: [ 1, 2.5 ]");
        assertThat(object.result().json().toString()).isEqualTo("{\"a\":[1,2.5],\"b\":null,\"when\":\"1970-01-01T00:00:00.000Z\"}");

        assertThat(session.execute("new Map([[1, 2]])").result().json()).as("a Map has no JSON form of its own").isNotNull();
        ExecutionResult nan = session.execute("[1, NaN]");
        assertThat(nan.result().json()).as("NaN has no JSON form").isNull();
        assertThat(nan.result().repr()).isEqualTo("[ 1, NaN ]");
        assertThat(session.execute("10n ** 20n").result().repr()).isEqualTo("100000000000000000000n");
        assertThat(session.execute("undefined").result()).isNull();
        assertThat(session.execute("'text'").result().repr()).isEqualTo("'text'");
        ExecutionResult promise = session.execute("(async () => 6 * 7)()");
        assertThat(promise.result().json()).as("a trailing promise is awaited").isEqualTo(IntNode.valueOf(42));
    }

    @Test
    void errorsCarryTypeMessageAndTheSnippetsLineAndColumn() {
        ExecutionResult result = session.execute("const fine = 1\nfunction inner(o) {\n  return o.missing.deeper\n}\ninner({})");
        assertThat(result.ok()).isFalse();
        assertThat(result.error().type()).isEqualTo("TypeError");
        assertThat(result.error().message()).contains("Cannot read properties of undefined");
        String traceback = result.error().traceback();
        assertThat(traceback).matches("(?s)<cell-\\d+>:3\n  return o.missing.deeper\n +\\^\nTypeError: Cannot read .*");
        assertThat(traceback).containsPattern("at inner \\(<cell-\\d+>:3:20\\)").containsPattern("<cell-\\d+>:5:1");
        assertThat(traceback).doesNotContain("kernel.js").doesNotContain("node:internal");

        ExecutionResult syntax = session.execute("let ok = 1\nlet broken = (1 +\n");
        assertThat(syntax.error().type()).isEqualTo("SyntaxError");
        assertThat(syntax.error().traceback()).containsPattern("<cell-\\d+>:");

        ExecutionResult thrown = session.execute("throw 'plain'");
        assertThat(thrown.error().message()).contains("plain");

        ExecutionResult rejected = session.execute("Promise.reject(new RangeError('late'))");
        assertThat(rejected.error().type()).isEqualTo("RangeError");
        ExecutionResult unhandled = session.execute("Promise.reject(new Error('lost'));\nsetTimeout(() => {}, 0)\n1");
        assertThat(unhandled.error()).as("a rejection nobody handled is reported, not lost").isNotNull();
        assertThat(unhandled.error().message()).contains("lost");
    }

    @Test
    void consoleOutputIsStdoutAndStderrAndCappedPerExecution() {
        ExecutionResult result = session.execute("console.log('out', {a: 1})\nconsole.error('err')\nprocess.stdout.write('raw')");
        assertThat(result.stdout()).isEqualTo("out { a: 1 }\nraw");
        assertThat(result.stderr()).isEqualTo("err\n");
        try (Session small = SANDBOX.open(js().maxOutputChars(1000).build())) {
            ExecutionResult flood = small.execute("for (let i = 0; i < 10000; i++) console.log('line ' + i)");
            assertThat(flood.truncated()).isTrue();
            assertThat(flood.stdout()).startsWith("line 0\n").contains("characters of output were cut here").endsWith("line 9999\n");
        }
    }

    @Test
    void finalAnswerEndsTheSnippetWithItsValue() {
        ExecutionResult result = session.execute("console.log('before')\nfinal_answer({total: 3})\nconsole.log('never')");
        assertThat(result.ok()).isTrue();
        assertThat(result.finalAnswer().json().toString()).isEqualTo("{\"total\":3}");
        assertThat(result.stdout()).isEqualTo("before\n");
        ExecutionResult async = session.execute("await Promise.resolve()\nfinalAnswer('done')");
        assertThat(async.finalAnswer().json().asText()).isEqualTo("done");
    }

    @Test
    void displayShowsTablesSvgAndPng() {
        byte[] png = Base64.getDecoder().decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        ExecutionResult result = session.execute("""
                display([{city: 'Oslo', people: 700}, {city: 'Bergen', people: 290}])
                display('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>')
                display(Buffer.from('%s', 'base64'))
                display(new Set([1]))
                """.formatted(Base64.getEncoder().encodeToString(png)));
        assertThat(result.error()).isNull();
        assertThat(result.displays()).extracting(Display::mime)
                .containsExactly("text/plain", "application/json", "image/svg+xml", "image/png", "text/plain");
        assertThat(result.displays().get(0).data()).isEqualTo("city    people\nOslo    700\nBergen  290");
        assertThat(result.displays().get(1).data()).isEqualTo("[{\"city\":\"Oslo\",\"people\":700},{\"city\":\"Bergen\",\"people\":290}]");
        assertThat(Base64.getDecoder().decode(result.displays().get(3).data())).isEqualTo(png);
        assertThat(result.displays().get(4).data()).isEqualTo("Set(1) { 1 }");
    }

    @Test
    void toolsAreCalledThroughTheSessionsHandler() {
        try (Session tools = SANDBOX.open(js().build())) {
            tools.toolHandler((name, args) -> switch (name) {
                case "add" -> IntNode.valueOf(args.path("a").asInt() + args.path("b").asInt());
                default -> throw new IllegalArgumentException("no tool " + name);
            });
            assertThat(tools.executeHostCode("""
                    /** @param {{a: number, b: number}} args */
                    async function add(args) { return await _codeact_call_tool("add", args); }
                    """).ok()).isTrue();
            ExecutionResult result = tools.execute("""
                    const sum = await add({a: 2, b: 3})
                    let failure
                    try { await _codeact_call_tool('nope', {}) } catch (error) { failure = [error instanceof ToolError, error.message] }
                    [sum, failure]
                    """);
            assertThat(result.error()).isNull();
            assertThat(result.result().json().toString()).isEqualTo("[5,[true,\"no tool nope\"]]");
            assertThat(result.toolCalls()).extracting(ToolCall::name).containsExactly("add", "nope");
        }
    }

    @Test
    void aBusyLoopIsInterruptedAndTheStateKept() {
        try (Session limited = SANDBOX.open(js().timeout(Duration.ofSeconds(2)).build())) {
            limited.execute("const kept = 41");
            ExecutionResult loop = limited.execute("while (true) {}");
            assertThat(loop.timedOut()).isTrue();
            ExecutionResult beforeAnAwait = limited.execute("let spins = 0\nwhile (true) { spins++ }\nawait null");
            assertThat(beforeAnAwait.timedOut()).isTrue();
            assertThat(beforeAnAwait.error().message()).contains("state is kept");
            assertThat(loop.error().type()).isEqualTo("TimeoutError");
            assertThat(loop.error().message()).contains("state is kept");
            assertThat(limited.execute("kept + 1").result().json().asInt()).isEqualTo(42);
            assertThat(limited.restarts()).isZero();
        }
    }

    @Test
    void aNeverSettlingPromiseEndsAtTheTimeLimitAndTheStateIsKept() {
        try (Session limited = SANDBOX.open(js().timeout(Duration.ofSeconds(2)).build())) {
            limited.execute("const kept = 41");
            ExecutionResult waiting = limited.execute("await new Promise(() => {})");
            assertThat(waiting.timedOut()).isTrue();
            assertThat(waiting.error().message()).contains("state is kept");
            assertThat(limited.execute("kept + 1").result().json().asInt()).isEqualTo(42);
            assertThat(limited.restarts()).isZero();
        }
    }

    @Test
    void aBusyLoopAfterAnAwaitReplacesTheInterpreterAndSaysTheStateIsLost() {
        try (Session limited = SANDBOX.open(js().timeout(Duration.ofSeconds(2)).build())) {
            ExecutionResult loop = limited.execute("await null\nwhile (true) {}");
            assertThat(loop.timedOut()).isTrue();
            assertThat(loop.error().message()).contains("variables and imports are gone");
            assertThat(limited.execute("1 + 1").result().json().asInt()).isEqualTo(2);
        }
    }

    @Test
    void aMemoryBombEndsInAClearMessageAndTheSessionGoesOn() {
        try (Session small = SANDBOX.open(js().memoryMb(256).build())) {
            ExecutionResult result = small.execute("const hog = []\nwhile (true) hog.push(new Array(1e6).fill(1.5))");
            assertThat(result.ok()).isFalse();
            assertThat(result.error().type()).isEqualTo("MemoryError");
            assertThat(result.error().message()).containsAnyOf("memory limit of 256 MB", "ran out of memory");
            assertThat(small.execute("[1, 2].length").result().json().asInt()).isEqualTo(2);
        }
    }

    @Test
    void aFileOverTheSizeLimitFailsWithTheLimitInTheMessageAndTheSessionGoesOn() {
        try (Session small = SANDBOX.open(js().maxFileSizeMb(5).build())) {
            ExecutionResult result = small.execute("const kept = 1\nrequire('fs').writeFileSync('big.bin', Buffer.alloc(20 * 1024 * 1024))");
            assertThat(result.error().message()).contains("EFBIG").contains("limits one file to 5 MB");
            assertThat(small.execute("kept + 1").result().json().asInt()).isEqualTo(2);
            assertThat(small.restarts()).isZero();
        }
    }

    @Test
    void theModulePolicyRefusesProcessesNetworkAndBindingsWithAClearMessage() {
        for (String attempt : List.of("require('child_process')", "require('node:child_process')", "require('net')",
                "require('worker_threads')", "require('vm')", "require('module')", "import { exec } from 'child_process'")) {
            ExecutionResult result = session.execute(attempt);
            assertThat(result.error()).as(attempt).isNotNull();
            assertThat(result.error().message()).as(attempt).contains("is not allowed by this session's module policy")
                    .contains("--allow-import");
        }
        assertThat(session.execute("process.binding('spawn_sync')").error().message()).contains("not allowed");
        assertThat(session.execute("await import('fs')").error().message()).contains("use require('NAME')");
        assertThat(session.execute("process.mainModule").result()).isNull();
        assertThat(session.execute("require('fs/promises') && require('node:path').join('a', 'b')").result().json().asText())
                .isEqualTo("a/b");
    }

    @Test
    void withEveryModuleAllowedTheOsBoundaryStillHolds() throws Exception {
        String secret = System.getenv("CODEACT_TEST_SECRET");
        Path marker = Files.createTempFile(Path.of(System.getProperty("user.home")), "codeact-marker-", ".txt");
        try (Session open = SANDBOX.open(js().allowedImports(Set.of("*")).build())) {
            ExecutionResult result = open.execute("""
                    const fs = require('fs'), net = require('net'), { execSync } = require('child_process')
                    const connect = (host, port) => new Promise(resolve => {
                      const socket = net.connect({host, port, timeout: 2000})
                      socket.on('connect', () => { socket.destroy(); resolve('connected') })
                      socket.on('error', error => resolve(error.code))
                      socket.on('timeout', () => { socket.destroy(); resolve('timeout') })
                    })
                    const network = [await connect('1.1.1.1', 53), await connect('127.0.0.1', 22)]
                    let fetched
                    try { await fetch('http://example.com'); fetched = 'fetched' } catch (error) { fetched = 'failed' }
                    const writable = ['/', '/usr', '/etc', '/opt/codeact'].filter(dir => {
                      try { fs.writeFileSync(dir + '/escape.txt', 'x'); return true } catch { return false }
                    })
                    const environ = fs.readdirSync('/proc').filter(p => /^\\d+$/.test(p)).flatMap(p => {
                      try { return [fs.readFileSync('/proc/' + p + '/environ', 'utf8')] } catch { return [] }
                    }).join('\\n') + JSON.stringify(process.env);
                    ({network, fetched, writable, marker: fs.existsSync(%s), shadow: fs.existsSync('/etc/shadow'),
                      secret: environ.includes(%s), whoami: execSync('id -u').toString().trim(),
                      interfaces: Object.keys(require('os').networkInterfaces())})
                    """.formatted(jsString(marker.toString()), jsString(secret)));
            assertThat(result.error()).isNull();
            assertThat(result.result().json().toString()).isEqualTo("{\"network\":[\"ENETUNREACH\",\"ECONNREFUSED\"],"
                    + "\"fetched\":\"failed\",\"writable\":[],\"marker\":false,\"shadow\":false,\"secret\":false,"
                    + "\"whoami\":\"1000\",\"interfaces\":[\"lo\"]}");
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void theDataStackParsesCsvComputesStatisticsAndRendersChartsToSvg() {
        assertThat(SANDBOX.javascriptPackages()).as("the data stack is installed (scripts/lib.sh ensure_javascript)").isNotNull();
        ExecutionResult result = session.execute("""
                import Papa from 'papaparse'
                import * as ss from 'simple-statistics'
                import { format } from 'date-fns'
                const vega = require('vega'), vegaLite = require('vega-lite')
                const rows = Papa.parse('x,y\\n1,2\\n2,4\\n3,7', {header: true, dynamicTyping: true}).data
                const spec = vegaLite.compile({data: {values: rows}, mark: 'line',
                  encoding: {x: {field: 'x', type: 'quantitative'}, y: {field: 'y', type: 'quantitative'}}}).spec
                const svg = await new vega.View(vega.parse(spec), {renderer: 'none'}).toSVG()
                display(svg);
                [ss.mean(rows.map(r => r.y)), format(new Date(2024, 0, 31), 'yyyy-MM-dd'), svg.startsWith('<svg')]
                """);
        assertThat(result.error()).isNull();
        assertThat(result.result().json().toString()).isEqualTo("[4.333333333333333,\"2024-01-31\",true]");
        assertThat(result.displays()).extracting(Display::mime).containsExactly("image/svg+xml");
    }

    @Test
    void twentySessionsRunInParallelWithoutCrosstalkAndLeaveNoProcess() throws Exception {
        int count = 20;
        ExecutorService executor = Executors.newFixedThreadPool(count);
        List<Long> pids = new ArrayList<>();
        Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
        try {
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int id = i;
                outcomes.add(executor.submit(() -> {
                    try (Session parallel = SANDBOX.open(js().timeout(Duration.ofSeconds(60)).build())) {
                        parallel.execute("const me = " + id + "\nrequire('fs').writeFileSync('who.txt', String(me))");
                        synchronized (pids) {
                            ProcessHandle.current().descendants().filter(p -> p.info().command()
                                    .map(c -> c.endsWith("/node") || c.endsWith("/bwrap")).orElse(false))
                                    .forEach(p -> pids.add(p.pid()));
                        }
                        StringBuilder seen = new StringBuilder();
                        for (int round = 0; round < 5; round++) {
                            ExecutionResult result = parallel.execute("process.stdout.write(String(me))\n"
                                    + "require('fs').readFileSync('who.txt', 'utf8') === String(me) ? me * 1000 + " + round + " : -1");
                            seen.append(result.stdout()).append(':').append(result.result().json().asInt()).append(' ');
                        }
                        return seen.toString().trim();
                    }
                }));
            }
            for (int i = 0; i < count; i++) {
                StringBuilder expected = new StringBuilder();
                for (int round = 0; round < 5; round++) {
                    expected.append(i).append(':').append(i * 1000 + round).append(' ');
                }
                assertThat(outcomes.get(i).get()).isEqualTo(expected.toString().trim());
            }
        } finally {
            executor.shutdownNow();
        }
        List<Long> sessionProcesses;
        synchronized (pids) {
            sessionProcesses = pids.stream().distinct().filter(pid -> !before.contains(pid)).toList();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (sessionProcesses.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(sessionProcesses).as("the sessions' node and bubblewrap processes").isNotEmpty()
                .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void languagesParseAndThePolicysDefaultsFollowTheLanguage() {
        assertThat(Language.parse("JS")).isEqualTo(Language.JAVASCRIPT);
        assertThat(Language.parse("node")).isEqualTo(Language.JAVASCRIPT);
        assertThat(Language.parse("py")).isEqualTo(Language.PYTHON);
        assertThatThrownBy(() -> Language.parse("ruby")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ruby").hasMessageContaining("javascript");
        SandboxPolicy python = SandboxPolicy.defaults();
        assertThat(python.language()).isEqualTo(Language.PYTHON);
        assertThat(python.allowedImports()).isEqualTo(SandboxPolicy.DEFAULT_ALLOWED_IMPORTS);
        SandboxPolicy javascript = python.toBuilder().language(Language.JAVASCRIPT).allowImports("os").build();
        assertThat(javascript.allowedImports()).contains("fs", "papaparse", "vega-lite", "os")
                .doesNotContain("child_process", "net", "numpy");
        assertThat(SandboxPolicy.builder().allowedImports(Set.of("json")).language(Language.JAVASCRIPT).build()
                .allowedImports()).as("imports the caller set stay").containsExactly("json");
    }

    @Test
    void theDataStacksNamesAreThePackagesTheLauncherInstalls() throws Exception {
        try (var in = KernelDescription.class.getResourceAsStream("kernels/javascript/package.json")) {
            var dependencies = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).path("dependencies");
            List<String> pinned = new ArrayList<>();
            dependencies.fieldNames().forEachRemaining(pinned::add);
            assertThat(pinned).containsExactlyInAnyOrderElementsOf(SandboxPolicy.JAVASCRIPT_PACKAGES);
            dependencies.forEach(version -> assertThat(version.asText()).as("pinned").matches("\\d+\\.\\d+\\.\\d+"));
        }
    }

    @Test
    void aDataStackInADirectoryTheSandboxUserCannotEnterIsStillMounted() throws Exception {
        // As ~/.codeact/javascript is when root runs codeact: /root is 0700, the session's user is not root.
        Path home = Files.createTempDirectory("codeact-private-home");
        try {
            Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path module = Files.createDirectories(home.resolve("javascript/node_modules/tiny-stack"));
            Files.writeString(module.resolve("package.json"), "{\"name\": \"tiny-stack\", \"main\": \"index.js\"}");
            Files.writeString(module.resolve("index.js"), "module.exports = {answer: 42};");
            Sandbox sandbox = Sandbox.builder().javascriptPackages(home.resolve("javascript")).build();
            try (Session own = sandbox.open(js().allowImports("tiny-stack").build())) {
                ExecutionResult result = own.execute("require('tiny-stack').answer");
                assertThat(result.ok()).as(String.valueOf(result.error())).isTrue();
                assertThat(result.result().json().asInt()).isEqualTo(42);
            }
        } finally {
            try (var paths = Files.walk(home)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void withoutNodeTheFirstJavaScriptSessionSaysHowToInstallIt() {
        Sandbox noNode = Sandbox.builder().node(Path.of("/nonexistent/node")).build();
        assertThatThrownBy(() -> noNode.open(js().build())).isInstanceOf(SandboxUnavailableException.class)
                .hasMessageContaining("Node.js 18 or newer").hasMessageContaining("apt-get install nodejs");
        try (Session python = noNode.open(quickPolicy().build())) {
            assertThat(python.execute("1 + 1").result().json().asInt()).as("Python needs no Node").isEqualTo(2);
        }
    }

    private static String jsString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
