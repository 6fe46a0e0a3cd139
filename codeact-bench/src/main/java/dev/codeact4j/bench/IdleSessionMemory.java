package dev.codeact4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.SessionPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The memory of idle sessions, as PSS (proportional set size: private pages plus each shared page divided by
 * the number of processes mapping it) from {@code /proc/<pid>/smaps_rollup}, summed over every process of a
 * session: bubblewrap, bubblewrap's init inside the PID namespace, and the Python interpreter. The processes
 * are found among this JVM's descendants: each child of the JVM is one session's bubblewrap.
 *
 * <p>Measured, one at a time so that they do not share pages with one another: the sessions of a full, idle
 * {@link SessionPool} of {@value #POOL_SIZE} (numpy, pandas and matplotlib.pyplot imported), one bare session
 * (nothing preloaded), and for comparison an idle Jupyter kernel with the same three modules imported and a bare
 * one (the kernel process only, not the jupyter_client driver, which plays the part of the JVM).
 *
 * <p>Usage: {@code IdleSessionMemory [output.json]}; a report is printed too.
 */
public final class IdleSessionMemory {
    static final int POOL_SIZE = 2;
    static final int FORKED_SESSIONS = 100;
    static final Duration SETTLE = Duration.ofSeconds(3);

    private IdleSessionMemory() {
    }

    public static void main(String[] args) throws Exception {
        // The pool's and the bare session are started plainly, as before the fork server; forked() measures those.
        Sandbox sandbox = Sandbox.builder().forkServer(false).build();
        Map<String, Object> report = new LinkedHashMap<>();

        try (SessionPool pool = new SessionPool(sandbox, SandboxPolicy.builder()
                .preload(SandboxPolicy.DATA_SCIENCE_PRELOAD).build(), POOL_SIZE)) {
            if (!pool.awaitReady(Duration.ofMinutes(2))) {
                throw new IllegalStateException("the pool did not fill within 2 minutes");
            }
            Thread.sleep(SETTLE);
            List<Map<String, Object>> sessions = new ArrayList<>();
            for (ProcessHandle child : ProcessHandle.current().children().toList()) {
                sessions.add(tree(child));
            }
            if (sessions.size() != POOL_SIZE) {
                throw new IllegalStateException("expected " + POOL_SIZE + " session processes, found " + sessions.size());
            }
            report.put("pooledSessions", sessions);
            report.put("pooledSessionPssKbMean", sessions.stream().mapToLong(s -> (Long) s.get("pssKb")).sum() / sessions.size());
            report.put("pooledSessionUssKbMean", sessions.stream().mapToLong(s -> (Long) s.get("ussKb")).sum() / sessions.size());
        }
        waitForNoChildren();

        try (Session session = sandbox.open(SandboxPolicy.defaults())) {
            Snippet.check(session.execute(Snippet.TRIVIAL));
            Thread.sleep(SETTLE);
            List<ProcessHandle> children = ProcessHandle.current().children().toList();
            if (children.size() != 1) {
                throw new IllegalStateException("expected one session process, found " + children.size());
            }
            report.put("bareSession", tree(children.get(0)));
        }
        waitForNoChildren();

        report.put("forked", forked(FORKED_SESSIONS));

        report.put("jupyterKernelDataScience", jupyterKernel(Snippet.DATA_SCIENCE_IMPORTS));
        report.put("jupyterKernelBare", jupyterKernel(""));

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String text = json.writeValueAsString(report);
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), text + "\n");
        }
        System.out.println(text);
    }

    /**
     * {@code count} idle sessions forked from the fork server (each has run the trivial snippet): each session's
     * processes (its init and its kernel), the server's own (bubblewrap, its init, the shell that restarts the server,
     * the server), and the mean per session with the server's share. PSS divides each shared page among the processes
     * that map it, so the sessions' sum plus the server's is what they hold together.
     */
    private static Map<String, Object> forked(int count) throws Exception {
        Sandbox sandbox = Sandbox.create();
        List<Session> sessions = new ArrayList<>();
        try {
            for (int index = 0; index < count; index++) {
                Session session = sandbox.open(SandboxPolicy.builder().preload(SandboxPolicy.DATA_SCIENCE_PRELOAD).build());
                sessions.add(session);
                if (!session.howStarted().forked()) {
                    throw new IllegalStateException("session " + index + " was not forked: " + session.howStarted());
                }
                Snippet.check(session.execute(Snippet.TRIVIAL));
            }
            Thread.sleep(SETTLE);
            SessionTrees trees = sessionTrees();
            List<Map<String, Object>> perSession = trees.sessions();
            if (perSession.size() != count || trees.servers().size() != 4) {
                throw new IllegalStateException("expected " + count + " sessions in one fork server, found "
                        + perSession.size() + " and " + trees.servers().size() + " server processes");
            }
            long serverPss = trees.serversPssKb();
            List<Map<String, Object>> serverProcesses = trees.servers();
            long sessionsPss = perSession.stream().mapToLong(s -> (Long) s.get("pssKb")).sum();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("sessions", count);
            result.put("sessionPssKbMean", sessionsPss / count);
            result.put("sessionUssKbMean", perSession.stream().mapToLong(s -> (Long) s.get("ussKb")).sum() / count);
            result.put("sessionRssKbMean", perSession.stream().mapToLong(s -> (Long) s.get("rssKb")).sum() / count);
            result.put("serverPssKb", serverPss);
            result.put("pssKbPerSessionWithServerShare", (sessionsPss + serverPss) / count);
            result.put("serverProcesses", serverProcesses);
            result.put("firstSession", perSession.get(0));
            return result;
        } finally {
            sessions.forEach(Session::close);
        }
    }

    /**
     * This JVM's sessions, each as the memory of its processes: a child of the JVM is a plainly started session's
     * bubblewrap, or a fork server's; a fork server's sessions are the children of its sandbox's init (each session's
     * init, with its kernel), and the server's own processes are its bubblewrap, that init, and the shell with the
     * server under it.
     */
    record SessionTrees(List<Map<String, Object>> sessions, List<Map<String, Object>> servers, long serversPssKb) {
    }

    static SessionTrees sessionTrees() throws IOException {
        List<Map<String, Object>> sessions = new ArrayList<>();
        List<Map<String, Object>> servers = new ArrayList<>();
        long serversPss = 0;
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            if (!String.join(" ", child.info().arguments().orElse(new String[0])).contains("forkserver.py")) {
                sessions.add(tree(child));
                continue;
            }
            ProcessHandle serverInit = child.children().findFirst().orElseThrow();
            List<ProcessHandle> own = new ArrayList<>(List.of(child, serverInit));
            for (ProcessHandle inside : serverInit.children().toList()) {
                if (inside.info().command().orElse("").endsWith("sh")) {
                    own.add(inside);
                    own.addAll(inside.descendants().toList());
                } else {
                    sessions.add(tree(inside));
                }
            }
            for (ProcessHandle process : own) {
                Map<String, Object> alone = tree(process, false);
                serversPss += (Long) alone.get("pssKb");
                servers.add(alone);
            }
        }
        return new SessionTrees(sessions, servers, serversPss);
    }

    private static Map<String, Object> jupyterKernel(String setup) throws Exception {
        try (JupyterDriver driver = JupyterDriver.start(Snippet.TRIVIAL, setup)) {
            Snippet.checkOutput(driver.execute(), "the Jupyter kernel");
            Thread.sleep(SETTLE);
            ProcessHandle driverProcess = ProcessHandle.of(driver.driverPid()).orElseThrow();
            List<ProcessHandle> kernels = driverProcess.children().toList();
            if (kernels.size() != 1) {
                throw new IllegalStateException("expected one kernel process under the driver, found " + kernels.size());
            }
            return tree(kernels.get(0));
        }
    }

    /** The memory of a process and all its descendants, with a line for each. */
    static Map<String, Object> tree(ProcessHandle root) throws IOException {
        return tree(root, true);
    }

    /** The memory of a process, and of all its descendants too when {@code descendants} is set. */
    static Map<String, Object> tree(ProcessHandle root, boolean descendants) throws IOException {
        List<Map<String, Object>> processes = new ArrayList<>();
        long pss = 0;
        long uss = 0;
        long rss = 0;
        for (ProcessHandle handle : Stream.concat(Stream.of(root), descendants ? root.descendants() : Stream.empty()).toList()) {
            Map<String, Long> rollup = smapsRollup(handle.pid());
            long processUss = rollup.getOrDefault("Private_Clean", 0L) + rollup.getOrDefault("Private_Dirty", 0L);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("pid", handle.pid());
            line.put("command", Files.readString(Path.of("/proc", Long.toString(handle.pid()), "comm")).strip());
            line.put("pssKb", rollup.getOrDefault("Pss", 0L));
            line.put("ussKb", processUss);
            line.put("rssKb", rollup.getOrDefault("Rss", 0L));
            processes.add(line);
            pss += rollup.getOrDefault("Pss", 0L);
            uss += processUss;
            rss += rollup.getOrDefault("Rss", 0L);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("pssKb", pss);
        result.put("ussKb", uss);
        result.put("rssKb", rss);
        result.put("processes", processes);
        return result;
    }

    /** The kB fields of /proc/pid/smaps_rollup (Rss, Pss, Private_Clean, ...). */
    static Map<String, Long> smapsRollup(long pid) throws IOException {
        Map<String, Long> fields = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 3 && parts[0].endsWith(":") && parts[2].equals("kB")) {
                fields.put(parts[0].substring(0, parts[0].length() - 1), Long.parseLong(parts[1]));
            }
        }
        return fields;
    }

    /** Waits until the processes of what was just closed are gone, so that the next measurement is alone. */
    private static void waitForNoChildren() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcessHandle.current().children().findAny().isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processes of a closed session are still running");
            }
            Thread.sleep(10);
        }
    }
}
