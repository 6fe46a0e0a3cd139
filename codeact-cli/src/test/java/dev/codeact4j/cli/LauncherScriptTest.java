package dev.codeact4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/lib.sh, which ./codeact, ./test and ./bench start with: what it checks once (the packages the sandbox
 * needs, the JDK's version) is not paid for again on every call, and is checked again when it may have changed.
 * The script is run by bash from a copy in a directory of its own, where it keeps what it remembers.
 */
class LauncherScriptTest {
    private static final Path LIB = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/lib.sh");

    @TempDir
    Path root;

    private record Bash(int exitCode, String err) {
    }

    private Bash bash(String script) throws Exception {
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(LIB, root.resolve("scripts/lib.sh"));
        Path err = root.resolve("stderr.txt");
        Process process = new ProcessBuilder("bash", "-c", "set -euo pipefail\nsource \"$1\"\n" + script,
                "bash", root.resolve("scripts/lib.sh").toString())
                .redirectError(err.toFile()).redirectOutput(root.resolve("stdout.txt").toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Bash(process.exitValue(), Files.readString(err));
    }

    @Test
    void thePackageChecksRunOnceAndAgainWhenWhatTheyDependOnChanges() throws Exception {
        Path checks = root.resolve("checks.txt");
        Bash run = bash("""
                REQUIRED_PACKAGES=("probe:echo probe >> '%1$s'")
                ensure_packages
                ensure_packages
                PATH="$PATH:/nonexistent" ensure_packages
                ensure_packages "extra:echo extra >> '%1$s'"
                ensure_packages "extra:echo extra >> '%1$s'"
                """.formatted(checks));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readAllLines(checks)).as("first call; PATH changed; another list of packages")
                .containsExactly("probe", "probe", "probe", "extra");
        assertThat(run.err().lines().filter(line -> line.startsWith("codeact: checking the packages"))).hasSize(3);
        assertThat(root.resolve(".tools/packages-verified")).isRegularFile();
    }

    @Test
    void theJdksVersionIsAskedOncePerJavaBinary() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Bash run = bash("""
                [ "$(java_major '%1$s')" = %2$d ]
                [ "$(java_major '%1$s')" = %2$d ]
                [ -z "$(java_major /nonexistent/bin/java)" ]
                """.formatted(java, Runtime.version().feature()));

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> remembered = Files.readAllLines(root.resolve(".tools/java-versions"));
        assertThat(remembered).hasSize(1);
        assertThat(remembered.get(0)).startsWith(java + " ").endsWith("\t" + Runtime.version().feature());
    }

    @Test
    void manySourcesNewerThanTheJarMeanARebuildNotASilentExit() throws Exception {
        // A pull touches many files: the search for one newer than the jar must stop at the first, not die of
        // SIGPIPE under pipefail (exit 141, nothing said).
        Path jar = Files.createDirectories(root.resolve("codeact-cli/target")).resolve("codeact.jar");
        Files.writeString(jar, "old");
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(0));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path sources = Files.createDirectories(root.resolve("codeact-core/src"));
        for (int i = 0; i < 5000; i++) {
            Files.writeString(sources.resolve("Source" + i + ".java"), "class Source" + i + " {}");
        }
        Bash run = bash("""
                mvn_quiet() { echo "build: $*" >&2; }
                ensure_cli_jar
                echo "went on" >&2
                """);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("sources changed since the last build", "build: ", "went on");
    }

    @Test
    void nodeIsWantedForJavaScriptOnTheCommandLineForMcpAndForAConfigThatSaysSoOnly() throws Exception {
        Path home = Files.createDirectories(root.resolve("home"));
        Bash run = bash("""
                export CODEACT_HOME='%s'
                want() { if wants_javascript "$@"; then echo "yes: $*" >&2; else echo "no: $*" >&2; fi; }
                want exec --lang js -c 1
                want run --lang=javascript task
                want exec -l node -c 1
                want mcp
                want exec -c 1
                want run --model openai:x task
                echo '{"model": "openai:x", "language" : "JavaScript"}' > "$CODEACT_HOME/config.json"
                want run task
                """.formatted(home));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err().lines().toList()).containsExactly("yes: exec --lang js -c 1", "yes: run --lang=javascript task",
                "yes: exec -l node -c 1", "yes: mcp", "no: exec -c 1", "no: run --model openai:x task", "yes: run task");
    }
}
