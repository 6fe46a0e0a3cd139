package dev.codeact4j.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operating-system boundary, tested with every module allowed: the module policy is only a guard rail,
 * so these hold even for code that may import os, socket and subprocess.
 */
class IsolationTest {
    private static Session session;

    @BeforeAll
    static void open() {
        session = SANDBOX.open(quickPolicy().allowedImports(Set.of("*")).build());
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void theNetworkIsUnreachable() {
        ExecutionResult result = session.execute("""
                import socket
                outcomes = []
                for host, port in [('1.1.1.1', 53), ('8.8.8.8', 443), ('127.0.0.1', 22)]:
                    try:
                        socket.create_connection((host, port), timeout=2)
                        outcomes.append('connected')
                    except OSError as error:
                        outcomes.append(type(error).__name__)
                import os
                (outcomes, sorted(os.listdir('/sys/class/net')) if os.path.exists('/sys/class/net') else ['lo'])
                """);
        assertThat(result.error()).isNull();
        assertThat(result.result().json().get(0).toString()).doesNotContain("connected");
        assertThat(result.result().json().get(1).toString()).isEqualTo("[\"lo\"]");
    }

    @Test
    void nothingOutsideTheWorkingDirectoryCanBeWritten() {
        ExecutionResult result = session.execute("""
                import os
                writable = []
                for directory in ['/', '/usr', '/usr/lib', '/etc', '/opt/codeact', '/run/codeact', '/bin', '/proc/sys']:
                    try:
                        with open(os.path.join(directory, 'escape.txt'), 'w') as f:
                            f.write('x')
                        writable.append(directory)
                    except OSError:
                        pass
                with open('/work/inside.txt', 'w') as f:
                    f.write('fine')
                with open('/tmp/private.txt', 'w') as f:
                    f.write('private')
                writable
                """);
        assertThat(result.error()).isNull();
        assertThat(result.result().json()).isEmpty();
        assertThat(session.workdir().resolve("inside.txt")).hasContent("fine");
        // The sandbox's /tmp is its own, not the host's.
        assertThat(Path.of("/tmp/private.txt")).doesNotExist();
        assertThat(Path.of("/escape.txt")).doesNotExist();
    }

    @Test
    void theHostHomeAndSecretsAreNotVisible() throws Exception {
        Path home = Path.of(System.getProperty("user.home"));
        Path marker = Files.createTempFile(home, "codeact-marker-", ".txt");
        try {
            ExecutionResult result = session.execute("""
                    import os, pwd
                    home_marker = %s
                    (os.path.exists(home_marker), os.path.exists('/etc/shadow'), os.path.exists('/root/.ssh'),
                     os.path.exists('/etc/ssl/private'), pwd.getpwuid(os.getuid()).pw_name, os.getuid())
                    """.formatted(pythonString(marker.toString())));
            assertThat(result.error()).isNull();
            assertThat(result.result().json().toString()).isEqualTo("[false,false,false,false,\"user\",1000]");
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void theJvmEnvironmentCannotBeRead() {
        String secret = System.getenv("CODEACT_TEST_SECRET");
        assertThat(secret).as("surefire sets CODEACT_TEST_SECRET for this test").isNotBlank();
        ExecutionResult result = session.execute("""
                import os, glob
                found = []
                if any('%1$s' in value for value in os.environ.values()):
                    found.append('os.environ')
                for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):
                    try:
                        if b'%1$s' in open(path, 'rb').read():
                            found.append(path)
                    except OSError:
                        pass
                (found, sorted(os.environ))
                """.formatted(secret));
        assertThat(result.error()).isNull();
        assertThat(result.result().json().get(0)).isEmpty();
        assertThat(result.result().json().get(1).toString()).doesNotContain("CODEACT_TEST_SECRET").doesNotContain("JAVA_HOME");
    }

    @Test
    void theSessionSeesOnlyItsOwnProcesses() {
        ExecutionResult result = session.execute("""
                import os
                pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
                (pids, os.getpid(), open('/proc/sys/kernel/hostname').read().strip())
                """);
        assertThat(result.error()).isNull();
        assertThat(result.result().json().get(0).size()).isLessThanOrEqualTo(3);
        assertThat(result.result().json().get(2).asText()).isEqualTo("sandbox");
    }

    @Test
    void theSessionCannotGainPrivileges() {
        ExecutionResult result = session.execute("""
                import os
                try:
                    os.setuid(0)
                    outcome = 'became root'
                except OSError:  # EPERM, or EINVAL since uid 0 does not exist in the user namespace
                    outcome = 'refused'
                status = open('/proc/self/status').read()
                effective = [line for line in status.splitlines() if line.startswith('CapEff')][0]
                (outcome, effective.split()[1])
                """);
        assertThat(result.result().json().toString()).isEqualTo("[\"refused\",\"0000000000000000\"]");
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
