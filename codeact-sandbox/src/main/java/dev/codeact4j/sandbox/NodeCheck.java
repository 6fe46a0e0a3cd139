package dev.codeact4j.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds out, when the first JavaScript session opens, whether its Node.js is there and new enough. */
final class NodeCheck {
    static final int MINIMUM_MAJOR = 18;
    private static final Pattern VERSION = Pattern.compile("v(\\d+)\\.");

    private NodeCheck() {
    }

    /** The description, once its interpreter is found to be Node 18 or newer; else why not and how to install it. */
    static KernelDescription check(KernelDescription kernel) {
        Path node = kernel.interpreter();
        if (!Files.isExecutable(node)) {
            throw new SandboxUnavailableException("JavaScript sessions need Node.js " + MINIMUM_MAJOR + " or newer, "
                    + "and there is none at " + node + ". Install it (" + kernel.installHint() + ") or point the "
                    + "sandbox at one (Sandbox.builder().node(PATH)).");
        }
        String version = version(node);
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.lookingAt() || Integer.parseInt(matcher.group(1)) < MINIMUM_MAJOR) {
            throw new SandboxUnavailableException("JavaScript sessions need Node.js " + MINIMUM_MAJOR + " or newer; "
                    + node + " says '" + version + "'. Install a newer one (" + kernel.installHint() + ").");
        }
        return kernel;
    }

    private static String version(Path node) {
        try {
            Process process = new ProcessBuilder(node.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "no answer in 10 s";
            }
            return output;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Where the launcher installs the data stack: {@code codeact.jsPackages}, else {@code $CODEACT_HOME/javascript}. */
    static Path defaultPackages() {
        String property = System.getProperty("codeact.jsPackages");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String home = System.getenv("CODEACT_HOME");
        return (home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".codeact"))
                .resolve("javascript");
    }
}
