package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Jupyter baseline's driver (resource {@code jupyter_driver.py}): a Python process that runs an IPython
 * kernel through jupyter_client and executes the snippet once for every line it reads. One round trip here is
 * one line to the driver, the kernel's execution, and one line back.
 */
final class JupyterDriver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path script;
    private final OutputStream requests;
    private final BufferedReader answers;
    private final long kernelPid;
    private long lastDriverNanos;

    private JupyterDriver(Process process, Path script) throws IOException {
        this.process = process;
        this.script = script;
        this.requests = process.getOutputStream();
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        JsonNode ready = readAnswer();
        if (!ready.path("ready").asBoolean()) {
            throw new IllegalStateException("the Jupyter driver did not say ready: " + ready);
        }
        this.kernelPid = ready.path("kernelPid").asLong(-1);
    }

    /** Starts a kernel; {@code setup} (may be empty) runs once in it before the driver says ready. */
    static JupyterDriver start(String code, String setup) throws IOException {
        Path script = Files.createTempFile("codeact-bench-jupyter-driver-", ".py");
        try (InputStream resource = JupyterDriver.class.getResourceAsStream("jupyter_driver.py")) {
            if (resource == null) {
                throw new IllegalStateException("jupyter_driver.py is missing from the benchmark jar");
            }
            Files.copy(resource, script, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new ArrayList<>(List.of(ProcessPerExecutionBenchmark.PYTHON, script.toString(), "--code", code));
        if (!setup.isEmpty()) {
            command.addAll(List.of("--setup", setup));
        }
        // The driver's and the kernel's complaints go to the benchmark's own stderr, where they can be read.
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            return new JupyterDriver(process, script);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            Files.deleteIfExists(script);
            throw e;
        }
    }

    /** Runs the snippet once and returns what it printed; {@link #lastDriverNanos()} is the driver's own timing. */
    String execute() throws IOException {
        requests.write('\n');
        requests.flush();
        JsonNode answer = readAnswer();
        if (!"ok".equals(answer.path("status").asText())) {
            throw new IllegalStateException("the Jupyter kernel did not run the snippet: " + answer);
        }
        lastDriverNanos = answer.path("ns").asLong();
        return answer.path("output").asText();
    }

    long lastDriverNanos() {
        return lastDriverNanos;
    }

    /** The kernel's process id as jupyter_client reports it, or -1. */
    long kernelPid() {
        return kernelPid;
    }

    long driverPid() {
        return process.pid();
    }

    private JsonNode readAnswer() throws IOException {
        String line = answers.readLine();
        if (line == null) {
            throw new IOException("the Jupyter driver exited (see its messages above)");
        }
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        try {
            requests.close(); // end of stdin: the driver shuts the kernel down and exits
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
