package dev.codeact4j.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who is writing a run: this process's id, when it started and the host it runs on. The three together tell,
 * later, whether a run still marked running can still finish: its process must be alive on this host, and be
 * the same process (a process id is reused once its process has ended).
 */
record ThisProcess(long pid, Long startedAt, String host) {

    /** Process start times are read from {@code /proc} in clock ticks; two readings may differ a little. */
    private static final long START_TIME_TOLERANCE_MS = 1_000;

    static final ThisProcess CURRENT = new ThisProcess(ProcessHandle.current().pid(),
            startMillis(ProcessHandle.current()).orElse(null), hostName());

    /** Whether the process that wrote a run on this host is still alive. */
    static boolean isAlive(long pid, Long startedAt) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        Optional<Long> started = startMillis(process.get());
        return startedAt == null || started.isEmpty() || Math.abs(started.get() - startedAt) <= START_TIME_TOLERANCE_MS;
    }

    private static Optional<Long> startMillis(ProcessHandle process) {
        return process.info().startInstant().map(instant -> instant.toEpochMilli());
    }

    // The kernel's name for the host, read without a DNS lookup (InetAddress can stall for seconds without one).
    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the environment, then the network stack
        }
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
