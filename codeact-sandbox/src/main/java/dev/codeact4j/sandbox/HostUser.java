package dev.codeact4j.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host identity a session's processes run as. Never root: when the JVM runs as root, the launcher drops to
 * this user before bubblewrap makes the namespaces, so the sandbox's user maps to it and every file the code
 * writes is owned by it on the host.
 *
 * @param uid       the host user ID
 * @param gid       the host group ID
 * @param name      the user's name on the host, or its number when it has none
 * @param switched  whether the launcher must switch to it (the JVM runs as root); false when it is the JVM's own user
 */
record HostUser(int uid, int gid, String name, boolean switched) {
    /** The system user the launcher creates for sandboxes (scripts/lib.sh); it owns what root-started sessions write. */
    static final String SANDBOX_USER = "codeact-sandbox";
    /**
     * The identity used when the JVM is root and {@value #SANDBOX_USER} does not exist: above every range that
     * distributions hand out (system users, people, systemd's dynamic users, container sub-IDs in blocks of 65536).
     */
    static final int FALLBACK_ID = 2_000_000_000;

    private static final HostUser CURRENT = new HostUser((int) idFromStatus("Uid:"), (int) idFromStatus("Gid:"),
            System.getProperty("user.name"), false);

    /** The JVM's own user: sessions run as it unless it is root. */
    static HostUser current() {
        return CURRENT;
    }

    boolean isRoot() {
        return uid == 0;
    }

    /**
     * Who runs a session's code, given the JVM's user and the working directory the caller named (null for a
     * private one). A non-root JVM runs it as itself. A root JVM runs it as the owner of a named directory when
     * that owner is not root (so the files come out as that person's), else as {@value #SANDBOX_USER}.
     */
    static HostUser forSession(HostUser jvm, Path namedWorkdir) {
        if (!jvm.isRoot()) {
            return jvm;
        }
        if (namedWorkdir != null) {
            try {
                int owner = (Integer) Files.getAttribute(namedWorkdir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                int group = (Integer) Files.getAttribute(namedWorkdir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                if (owner != 0) {
                    return passwdEntry(Integer.toString(owner), 2)
                            .map(entry -> new HostUser(owner, Integer.parseInt(entry[3]), entry[0], true))
                            .orElse(new HostUser(owner, group, Integer.toString(owner), true));
                }
            } catch (IOException | RuntimeException e) {
                // unreadable: the sandbox user below, and the start reports what it cannot reach
            }
        }
        return sandboxUser();
    }

    /** {@value #SANDBOX_USER} from the user database, or the fallback IDs. */
    static HostUser sandboxUser() {
        return passwdEntry(SANDBOX_USER, 0)
                .map(entry -> new HostUser(Integer.parseInt(entry[2]), Integer.parseInt(entry[3]), SANDBOX_USER, true))
                .orElse(new HostUser(FALLBACK_ID, FALLBACK_ID, Integer.toString(FALLBACK_ID), true));
    }

    /** The launcher's words that become this user for good: no groups, no capabilities, none to regain. */
    List<String> switchCommand() {
        return List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--");
    }

    /** How a person names this user in chown and setfacl. */
    String describe() {
        return name.equals(Integer.toString(uid)) ? "uid " + uid : name + " (uid " + uid + ")";
    }

    private static Optional<String[]> passwdEntry(String value, int field) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] entry = line.split(":", -1);
                if (entry.length >= 7 && entry[field].equals(value)) {
                    return Optional.of(entry);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no readable user database: the caller's fallback
        }
        return Optional.empty();
    }

    /** The effective ID from a "Uid:" or "Gid:" line of /proc/self/status (real, effective, saved, fs). */
    private static long idFromStatus(String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(prefix)) {
                    return Long.parseLong(line.substring(prefix.length()).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status: " + e.getMessage(), e);
        }
        throw new IllegalStateException("no " + prefix + " line in /proc/self/status");
    }
}
