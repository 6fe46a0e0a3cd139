package dev.codeact4j.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The files API of a session, through the real sandbox with every module allowed: what the host writes the code
 * reads and changes, what the code writes the host reads, and no path the code can arrange leads the host out of
 * the working directory.
 */
class SessionFilesTest {
    private static final HostUser RUNS_AS = HostUser.current().isRoot() ? HostUser.sandboxUser() : HostUser.current();
    private static Session session;
    private static SessionFiles files;

    @BeforeAll
    static void open() {
        session = SANDBOX.open(quickPolicy().allowedImports(Set.of("*")).maxFileSizeMb(2).build());
        files = session.files();
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void aFileTheHostWritesIsTheCodesToReadAndChangeAndTheOtherWayRound() throws Exception {
        byte[] binary = new byte[300_000];
        new Random(7).nextBytes(binary);
        FileInfo written = files.write("upload/deep/data.bin", new ByteArrayInputStream(binary));
        assertThat(written.path()).isEqualTo("upload/deep/data.bin");
        assertThat(written.size()).isEqualTo(binary.length);

        ExecutionResult seen = session.execute("""
                import hashlib, os
                data = open('upload/deep/data.bin', 'rb').read()
                with open('upload/deep/data.bin', 'ab') as f:
                    f.write(b'appended by the code')
                os.rename('upload/deep', 'upload/moved')
                with open('made-by-code.bin', 'wb') as f:
                    f.write(bytes(range(256)) * 4)
                (len(data), hashlib.sha256(data).hexdigest())
                """);
        assertThat(seen.error()).isNull();
        assertThat(seen.result().json().get(0).asInt()).isEqualTo(binary.length);
        assertThat(seen.result().json().get(1).asText()).isEqualTo(sha256(binary));
        // The host's file and directories are the code's user's, which is why the code could change them.
        for (String made : List.of("upload", "upload/moved", "upload/moved/data.bin")) {
            assertThat(Files.getAttribute(session.workdir().resolve(made), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                    .isEqualTo(RUNS_AS.uid());
        }

        try (InputStream in = files.read("made-by-code.bin")) {
            byte[] read = in.readAllBytes();
            assertThat(read).hasSize(1024);
            assertThat(read[255]).isEqualTo((byte) 255);
        }
        try (InputStream in = files.read("upload/moved/data.bin")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).endsWith("appended by the code");
        }
        assertThat(files.list(100)).extracting(FileInfo::path)
                .contains("made-by-code.bin", "upload/moved/data.bin");

        files.write("made-by-code.bin", new ByteArrayInputStream("replaced".getBytes(StandardCharsets.UTF_8)));
        assertThat(session.execute("open('made-by-code.bin').read()").result().json().asText()).isEqualTo("replaced");

        files.delete("upload");
        files.delete("made-by-code.bin");
        assertThat(session.execute("import os\nsorted(os.listdir('.'))").result().json().toString())
                .doesNotContain("upload").doesNotContain("made-by-code.bin");
        assertThatThrownBy(() -> files.read("upload/moved/data.bin"))
                .isInstanceOfSatisfying(SessionFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.NOT_FOUND));
    }

    @Test
    void theListingIsSortedDepthFirstAndBounded() {
        assertThat(session.execute("""
                import os
                os.makedirs('listing/b', exist_ok=True)
                for name in ['listing/c.txt', 'listing/a.txt', 'listing/b/x.txt']:
                    open(name, 'w').write(name)
                """).error()).isNull();
        List<String> listed = files.list(1000).stream().map(FileInfo::path).filter(p -> p.startsWith("listing/")).toList();
        assertThat(listed).containsExactly("listing/a.txt", "listing/b/x.txt", "listing/c.txt");
        assertThat(files.list(1)).hasSize(1);
        FileInfo a = files.list(1000).stream().filter(f -> f.path().equals("listing/a.txt")).findFirst().orElseThrow();
        assertThat(a.size()).isEqualTo("listing/a.txt".length());
        assertThat(a.modifiedAt()).isNotNull();
        files.delete("listing");
    }

    @Test
    void pathsOutOfTheWorkingDirectoryAreRefusedBeforeAnythingIsTouched() {
        for (String path : List.of("../escape.txt", "a/../../escape.txt", "/etc/passwd", "", "a//b", "./a", "a/")) {
            assertInvalid(() -> files.write(path, new ByteArrayInputStream(new byte[] {1})), path);
            assertInvalid(() -> files.read(path), path);
            assertInvalid(() -> files.delete(path), path);
        }
        assertThat(session.workdir().getParent().resolve("escape.txt")).doesNotExist();
    }

    @Test
    void symbolicLinksTheCodeMakesAreNeverFollowed() throws Exception {
        String hostPasswd = Files.readString(Path.of("/etc/passwd"));
        assertThat(session.execute("""
                import os
                os.symlink('/etc/passwd', 'passwd')
                os.symlink('/', 'host')
                os.makedirs('inside', exist_ok=True)
                os.symlink('inside', 'alias')
                """).error()).isNull();

        // /etc/passwd of the host (or of the sandbox): the link at the end is refused, whatever it points at.
        assertInvalid(() -> files.read("passwd"), "passwd");
        assertThatThrownBy(() -> files.read("passwd")).hasMessageContaining("passwd is a symbolic link");
        // The host's / through a link on the way: reading, writing and making directories there are refused.
        assertInvalid(() -> files.read("host/etc/passwd"), "host/etc/passwd");
        assertThatThrownBy(() -> files.read("host/etc/passwd")).hasMessageContaining("host/etc/passwd: host is a symbolic link");
        assertInvalid(() -> files.write("host/tmp/codeact-escaped", new ByteArrayInputStream(new byte[] {1})),
                "host/tmp/codeact-escaped");
        assertInvalid(() -> files.write("host/codeact-new-dir/x", new ByteArrayInputStream(new byte[] {1})),
                "host/codeact-new-dir/x");
        assertThat(Path.of("/tmp/codeact-escaped")).doesNotExist();
        assertThat(Path.of("/codeact-new-dir")).doesNotExist();
        // Even a link that stays inside is refused: the rule is simple, and a link could be swapped for another.
        assertInvalid(() -> files.write("alias/x.txt", new ByteArrayInputStream(new byte[] {1})), "alias/x.txt");
        // Writing over a link replaces the link itself, never what it points at.
        files.write("passwd", new ByteArrayInputStream("mine".getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.isSymbolicLink(session.workdir().resolve("passwd"))).isFalse();
        assertThat(Files.readString(Path.of("/etc/passwd"))).isEqualTo(hostPasswd);
        // The listing does not descend through links; deleting a link removes the link alone.
        assertThat(files.list(10_000)).extracting(FileInfo::path).noneMatch(path -> path.startsWith("host/")
                || path.startsWith("alias/"));
        files.delete("host");
        files.delete("alias");
        assertThat(Path.of("/etc/passwd")).exists();
        assertThat(session.workdir().resolve("host")).doesNotExist();
        assertThat(session.workdir().resolve("inside")).isDirectory();
        files.delete("passwd");
        files.delete("inside");
    }

    @Test
    void aNamedPipeIsRefusedRatherThanWaitedOn() {
        assertThat(session.execute("import os\nos.mkfifo('pipe')").error()).isNull();
        assertThatThrownBy(() -> files.read("pipe"))
                .isInstanceOfSatisfying(SessionFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.NOT_A_FILE))
                .hasMessageContaining("not a regular file");
        // Writing replaces it with a file (written aside, renamed over it), without opening it.
        files.write("pipe", new ByteArrayInputStream("a file now".getBytes(StandardCharsets.UTF_8)));
        assertThat(session.execute("open('pipe').read()").result().json().asText()).isEqualTo("a file now");
        files.delete("pipe");
    }

    @Test
    void aDirectoryIsNotAFileAndAWriteOverTheSizeLimitLeavesNothing() {
        assertThat(session.execute("import os\nos.makedirs('folder/sub', exist_ok=True)").error()).isNull();
        assertThatThrownBy(() -> files.read("folder"))
                .isInstanceOfSatisfying(SessionFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.NOT_A_FILE));
        assertThatThrownBy(() -> files.write("folder", new ByteArrayInputStream(new byte[] {1})))
                .isInstanceOfSatisfying(SessionFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.NOT_A_FILE));

        // The policy allows files of 2 MB, as for the code.
        assertThatThrownBy(() -> files.write("big.bin", new ByteArrayInputStream(new byte[3 * 1024 * 1024])))
                .isInstanceOfSatisfying(SessionFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.TOO_LARGE))
                .hasMessageContaining("file size limit of 2 MB");
        assertThat(session.execute("import os\n[n for n in os.listdir('.') if n.startswith(('big', '.codeact'))]")
                .result().json().toString()).isEqualTo("[]");
        files.delete("folder");
        assertThat(session.workdir().resolve("folder")).doesNotExist();
    }

    @Test
    void aFullDiskIsTooLargeAndTheSessionGoesOn() {
        if (!SANDBOX.diskImages()) {
            return; // without root the private working directory has no disk bound of its own (see the README)
        }
        try (Session small = SANDBOX.open(quickPolicy().diskMb(16).maxFileSizeMb(64).build())) {
            assertThatThrownBy(() -> small.files().write("fill.bin", new ByteArrayInputStream(new byte[20 * 1024 * 1024])))
                    .isInstanceOfSatisfying(SessionFileException.class,
                            e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.TOO_LARGE))
                    .hasMessageContaining("the session's disk is full (it holds 16 MB");
            assertThat(small.files().list(10)).isEmpty();
            small.files().write("fits.txt", new ByteArrayInputStream("ok".getBytes(StandardCharsets.UTF_8)));
            assertThat(small.execute("open('fits.txt').read()").result().json().asText()).isEqualTo("ok");
        }
    }

    @Test
    void aJavaScriptSessionHasTheSameFiles() {
        try (Session js = SANDBOX.open(quickPolicy().language(Language.JAVASCRIPT).build())) {
            js.files().write("in.csv", new ByteArrayInputStream("x\n1\n2\n".getBytes(StandardCharsets.UTF_8)));
            ExecutionResult result = js.execute("""
                    const fs = require('fs')
                    fs.writeFileSync('out.txt', fs.readFileSync('in.csv', 'utf8').trim().split('\\n').length + ' lines')
                    """);
            assertThat(result.error()).isNull();
            try (InputStream in = js.files().read("out.txt")) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("3 lines");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void assertInvalid(Runnable call, String path) {
        assertThatThrownBy(call::run).as(path)
                .isInstanceOfSatisfying(SessionFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(SessionFileException.Reason.INVALID_PATH));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
