package dev.codeact4j.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The policy's data, read-only at /work/data, and its startup code, through the real sandbox. */
class SessionDataTest {

    @TempDir
    Path temp;

    private final List<Path> made = new ArrayList<>();

    /** A directory the sandbox's user may enter (JUnit's temporary directories are the JVM user's alone). */
    private Path shared(String name) throws IOException {
        Path dir = Files.createTempDirectory("codeact-data-test-" + name);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        made.add(dir);
        return dir;
    }

    @AfterEach
    void removeMade() {
        made.forEach(LocalSandbox::deleteRecursively);
    }

    @Test
    void aFileAndADirectoryAreReadableAtWorkDataAndNothingThereCanBeWritten() throws IOException {
        Path dir = shared("rw");
        Path csv = Files.writeString(dir.resolve("sales.csv"), "region,amount\nnorth,12.5\nsouth,7\n");
        Path reports = Files.createDirectories(dir.resolve("reports/2024"));
        Files.writeString(reports.resolve("q1.txt"), "first quarter");
        // Writable by everyone on the host: only the mount's being read-only can refuse the writes below.
        Files.setPosixFilePermissions(csv, PosixFilePermissions.fromString("rw-rw-rw-"));
        for (Path writable : List.of(dir.resolve("reports"), reports)) {
            Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        SandboxPolicy policy = quickPolicy().allowImports("os").data(csv, dir.resolve("reports")).build();
        try (Session session = SANDBOX.open(policy)) {
            assertThat(session.execute("import pandas as pd\npd.read_csv('/work/data/sales.csv').amount.sum()")
                    .result().json().asDouble()).isEqualTo(19.5);
            assertThat(session.execute("open('/work/data/reports/2024/q1.txt').read()").result().json().asText())
                    .isEqualTo("first quarter");
            assertThat(session.execute("import os\nsorted(os.listdir('/work/data'))").result().json().toString())
                    .isEqualTo("[\"reports\",\"sales.csv\"]");
            assertThat(session.execute("os.environ['CODEACT_DATA']").result().json().asText()).isEqualTo("/work/data");

            for (String write : new String[] {
                    "open('/work/data/sales.csv', 'a').write('east,1\\n')",
                    "open('/work/data/reports/new.txt', 'w').write('x')",
                    "open('/work/data/beside.txt', 'w').write('x')",
                    "os.remove('/work/data/reports/2024/q1.txt')"}) {
                ExecutionResult refused = session.execute(write);
                assertThat(refused.ok()).as(write).isFalse();
                assertThat(refused.error().message()).as(write).contains("Read-only file system");
            }
            // the working directory stays writable
            assertThat(session.execute("open('out.txt', 'w').write('ok')").ok()).isTrue();
        }
        assertThat(Files.readString(csv)).isEqualTo("region,amount\nnorth,12.5\nsouth,7\n");
        assertThat(Files.exists(dir.resolve("reports/new.txt"))).isFalse();
    }

    @Test
    void javaScriptSessionsReadTheDataAndCheckItToo() throws IOException {
        Path dir = shared("js");
        Path csv = Files.writeString(dir.resolve("a.csv"), "a\n1\n");
        try (Session session = SANDBOX.open(quickPolicy().language(Language.JAVASCRIPT).data(csv).build())) {
            assertThat(session.execute("require('fs').readFileSync('/work/data/a.csv', 'utf8')").result().json().asText())
                    .isEqualTo("a\n1\n");
            ExecutionResult refused = session.execute("require('fs').writeFileSync('/work/data/b.csv', 'x')");
            assertThat(refused.ok()).isFalse();
        }
        Files.setPosixFilePermissions(csv, PosixFilePermissions.fromString("---------"));
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().language(Language.JAVASCRIPT).data(csv).build()).close())
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("the data file " + csv + " cannot be read by");
    }

    @Test
    void aDeepNameMakesItsDirectories() throws IOException {
        Path dir = shared("deep");
        Path split = Files.createDirectories(dir.resolve("train"));
        Files.writeString(split.resolve("data.jsonl"), "{\"a\": 1}\n");
        SandboxPolicy policy = quickPolicy().data(new DataMount("hf/owner/name/default/train", split)).build();
        try (Session session = SANDBOX.open(policy)) {
            assertThat(session.execute("open('/work/data/hf/owner/name/default/train/data.jsonl').read()")
                    .result().json().asText()).isEqualTo("{\"a\": 1}\n");
        }
    }

    @Test
    void dataTheSandboxUserCannotReadStopsTheStartSayingWhatToGrant() throws IOException {
        Path dir = shared("secret");
        Path secret = Files.writeString(dir.resolve("secret.csv"), "a\n1\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().data(secret).build()).close())
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("the data file " + secret + " cannot be read by")
                .hasMessageContaining("setfacl -m u:")
                .hasMessageContaining("chmod o+r " + secret);

        Path inside = Files.createDirectories(dir.resolve("folder/sub"));
        Files.writeString(inside.resolve("fine.txt"), "fine");
        Path hidden = Files.writeString(inside.resolve("hidden.txt"), "hidden");
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("---------"));
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().data(dir.resolve("folder")).build()).close())
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("the data file " + hidden + " cannot be read by");
    }

    @Test
    void aRootJvmHandsOverDataUnderADirectoryTheSandboxUserCannotEnter() throws IOException {
        assumeTrue(SANDBOX.jvmUser().isRoot() && LocalSandbox.privateMounts(),
                "only a root JVM that may make mount namespaces binds data for the sandbox's user");
        Path closed = Files.createTempDirectory("codeact-data-test-closed");
        made.add(closed);
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path file = Files.writeString(closed.resolve("open.csv"), "x\n42\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (Session session = SANDBOX.open(quickPolicy().data(file).build())) {
            assertThat(session.execute("open('/work/data/open.csv').read()").result().json().asText()).isEqualTo("x\n42\n");
        }
        // nothing stays mounted on the host
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(closed.toString());
    }

    @Test
    void aNamedWorkingDirectoryKeepsNoTraceOfTheData() throws IOException {
        Path dir = shared("named");
        Path csv = Files.writeString(dir.resolve("a.csv"), "a\n1\n");
        Path workdir = SANDBOX.createWorkdir("codeact-data-workdir");
        made.add(workdir);
        try (Session session = SANDBOX.open(quickPolicy().workdir(workdir).data(csv).build())) {
            assertThat(session.execute("open('/work/data/a.csv').read()").result().json().asText()).isEqualTo("a\n1\n");
        }
        try (var left = Files.list(workdir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void withoutASandboxTheDataIsLinkedIntoTheWorkingDirectory() throws IOException {
        Path dir = shared("unsafe");
        Path csv = Files.writeString(dir.resolve("a.csv"), "a\n1\n");
        Sandbox unsafe = Sandbox.builder().isolation(Isolation.UNSAFE_NONE).build();
        try (Session session = unsafe.open(quickPolicy().allowImports("os").data(csv).build())) {
            assertThat(session.execute("import os\nopen(os.path.join(os.environ['CODEACT_DATA'], 'a.csv')).read()")
                    .result().json().asText()).isEqualTo("a\n1\n");
            assertThat(session.execute("open('data/a.csv').read()").result().json().asText()).isEqualTo("a\n1\n");
        }
        assertThat(Files.readString(csv)).isEqualTo("a\n1\n");
    }

    @Test
    void startupCodeDefinesHelpersInEveryInterpreterOfTheSession() {
        SandboxPolicy policy = quickPolicy().allowImports("os")
                .startupCode("def helper():\n    return 'from the start'\n")
                .build();
        try (Session session = SANDBOX.open(policy)) {
            assertThat(session.execute("helper()").result().json().asText()).isEqualTo("from the start");
            ExecutionResult died = session.execute("import os\nos._exit(3)");
            assertThat(died.ok()).isFalse();
            ExecutionResult again = session.execute("helper()");
            assertThat(again.restarted()).isTrue();
            assertThat(again.result().json().asText()).isEqualTo("from the start");
            assertThat(again.stderr()).doesNotContain("startup code failed");
        }
    }

    @Test
    void startupCodeThatFailsStopsTheStart() {
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().startupCode("1 / 0").build()).close())
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("the session's startup code failed")
                .hasMessageContaining("ZeroDivisionError");
    }

    @Test
    void twoDataPathsMustNotMeet() {
        Path a = temp.resolve("one/x.csv");
        Path b = temp.resolve("two/x.csv");
        assertThatThrownBy(() -> quickPolicy().data(a, b).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two data paths would both be /work/data/x.csv");
        assertThatThrownBy(() -> quickPolicy().data(new DataMount("hf", temp), new DataMount("hf/o/n", temp)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would be inside another");
        assertThatThrownBy(() -> new DataMount("../etc", temp)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SANDBOX.open(quickPolicy().data(temp.resolve("missing.csv")).build()).close())
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("does not exist");
    }
}
