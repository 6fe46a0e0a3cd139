package dev.codeact4j.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory and process limits through cgroups, where this process may make them: cgroup v1's memory and pids
 * controllers, or cgroup v2 with both controllers delegated. Without either, sessions fall back to rlimits.
 */
final class Cgroups {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final Pattern OOM_KILL = Pattern.compile("(?m)^oom_kill (\\d+)$");

    enum Version { V1, V2 }

    private final Version version;
    /** For v1: the memory and pids parent directories. For v2: the one parent directory. */
    private final List<Path> parents;

    private Cgroups(Version version, List<Path> parents) {
        this.version = version;
        this.parents = List.copyOf(parents);
    }

    Version version() {
        return version;
    }

    /** The cgroups this process can create children in, if any. */
    static Optional<Cgroups> detect() {
        try {
            Map<String, String> own = ownCgroups();
            if (Files.isRegularFile(ROOT.resolve("memory/cgroup.procs")) && Files.isRegularFile(ROOT.resolve("pids/cgroup.procs"))) {
                Path memory = ROOT.resolve("memory").resolve(relative(own.getOrDefault("memory", "/")));
                Path pids = ROOT.resolve("pids").resolve(relative(own.getOrDefault("pids", "/")));
                Cgroups v1 = new Cgroups(Version.V1, List.of(memory, pids));
                return v1.probe() ? Optional.of(v1) : Optional.empty();
            }
            if (Files.isRegularFile(ROOT.resolve("cgroup.controllers")) && own.containsKey("")) {
                Path parent = ROOT.resolve(relative(own.get("")));
                String enabled = Files.readString(parent.resolve("cgroup.subtree_control"));
                if (!enabled.contains("memory") || !enabled.contains("pids")) {
                    Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory +pids");
                }
                Cgroups v2 = new Cgroups(Version.V2, List.of(parent));
                return v2.probe() ? Optional.of(v2) : Optional.empty();
            }
        } catch (IOException | RuntimeException e) {
            // Not ours to manage (read-only, not delegated): rlimits take over.
        }
        return Optional.empty();
    }

    private static String relative(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }

    /** controller name ("" for v2's unified hierarchy) to this process's cgroup path. */
    private static Map<String, String> ownCgroups() throws IOException {
        var result = new java.util.HashMap<String, String>();
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length < 3) {
                continue;
            }
            for (String controller : parts[1].split(",")) {
                result.put(controller, parts[2]);
            }
        }
        return result;
    }

    private boolean probe() {
        try {
            Group group = create(64, 8);
            group.destroy();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Makes a fresh cgroup with these limits; the caller moves a process into it with {@link Group#procsFiles()}. */
    Group create(long memoryMb, int maxProcesses) {
        String name = "codeact-" + UUID.randomUUID().toString().substring(0, 12);
        List<Path> dirs = new ArrayList<>();
        try {
            for (Path parent : parents) {
                Path dir = parent.resolve(name);
                Files.createDirectory(dir);
                dirs.add(dir);
            }
            long bytes = memoryMb * 1024 * 1024;
            if (version == Version.V1) {
                Path memory = dirs.get(0);
                Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes));
                Path swap = memory.resolve("memory.memsw.limit_in_bytes");
                if (Files.exists(swap)) {
                    Files.writeString(swap, Long.toString(bytes));
                }
                Files.writeString(dirs.get(1).resolve("pids.max"), Integer.toString(maxProcesses));
            } else {
                Path dir = dirs.get(0);
                Files.writeString(dir.resolve("memory.max"), Long.toString(bytes));
                if (Files.exists(dir.resolve("memory.swap.max"))) {
                    Files.writeString(dir.resolve("memory.swap.max"), "0");
                }
                Files.writeString(dir.resolve("pids.max"), Integer.toString(maxProcesses));
            }
            return new Group(version, dirs);
        } catch (IOException e) {
            new Group(version, dirs).destroy();
            throw new UncheckedIOException("cannot create a cgroup under " + parents + ": " + e.getMessage(), e);
        }
    }

    /** One session's cgroup (one directory per v1 controller, one for v2). */
    static final class Group {
        private final Version version;
        private final List<Path> dirs;

        private Group(Version version, List<Path> dirs) {
            this.version = version;
            this.dirs = List.copyOf(dirs);
        }

        List<Path> procsFiles() {
            return dirs.stream().map(dir -> dir.resolve("cgroup.procs")).toList();
        }

        /** How many times the kernel's OOM killer has killed a process of this group. */
        long oomKills() {
            Path file = dirs.get(0).resolve(version == Version.V1 ? "memory.oom_control" : "memory.events");
            try {
                Matcher matcher = OOM_KILL.matcher(Files.readString(file));
                return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        /** Process IDs still in the group (host PIDs). */
        List<Long> pids() {
            List<Long> result = new ArrayList<>();
            for (Path procs : procsFiles()) {
                try {
                    for (String line : Files.readAllLines(procs)) {
                        if (!line.isBlank()) {
                            result.add(Long.parseLong(line.trim()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone already
                }
            }
            return result;
        }

        /** Removes the directories; a cgroup can only go once its processes have exited, so this retries briefly. */
        void destroy() {
            for (Path dir : dirs) {
                for (int attempt = 0; attempt < 50 && Files.exists(dir); attempt++) {
                    try {
                        Files.delete(dir);
                    } catch (IOException e) {
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException interrupted) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        }
    }
}
