package dev.codeact4j.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This JVM's fork servers, one per profile, started on first need. A server makes at most
 * {@value #FORKS_PER_SERVER} sessions, then a fresh one takes over (and the old one stops once its last session
 * has ended): what every child of one server shares by construction (its address-space layout, Python's hash
 * secret) is shared by that many sessions at most. A server that fails to start is not tried again for
 * {@value #RETRY_SECONDS} s; sessions meanwhile start plainly and say why.
 */
final class ForkServers {
    static final int FORKS_PER_SERVER = 1000;
    private static final int RETRY_SECONDS = 60;
    /** The fork server's own /tmp: only what the preloaded modules write at import (matplotlib's caches). */
    private static final long SERVER_TMPFS_BYTES = 256L * 1024 * 1024;

    /** What makes two sessions able to come from the same server. */
    record Profile(Path bubblewrap, KernelDescription kernel, HostUser user, Map<String, String> environment,
                   boolean diskImages, List<String> preload) {
    }

    private record Failure(String message, long at) {
    }

    private static final Map<Profile, ForkServer> CURRENT = new HashMap<>();
    private static final Map<Profile, Failure> FAILED = new HashMap<>();
    private static final Set<ForkServer> RUNNING = ConcurrentHashMap.newKeySet();
    private static boolean closed;

    private ForkServers() {
    }

    /** The profile's server, started (or started again, or replaced) as needed. */
    static synchronized ForkServer get(LocalSandbox sandbox, Profile profile, Duration timeout) {
        if (closed) {
            throw new SandboxException("this JVM is exiting");
        }
        Failure failure = FAILED.get(profile);
        if (failure != null && System.nanoTime() - failure.at() < Duration.ofSeconds(RETRY_SECONDS).toNanos()) {
            throw new SandboxException(failure.message());
        }
        ForkServer server = CURRENT.get(profile);
        if (server != null && server.isAlive() && server.forks() < FORKS_PER_SERVER) {
            server.acquire();
            return server;
        }
        if (server != null) {
            CURRENT.remove(profile);
            retire(server);
        }
        try {
            server = ForkServer.start(sandbox, profile.kernel(), profile.user(), profile.preload(),
                    profile.environment(), SERVER_TMPFS_BYTES, timeout);
        } catch (SandboxException e) {
            FAILED.put(profile, new Failure(e.getMessage(), System.nanoTime()));
            throw e;
        }
        FAILED.remove(profile);
        CURRENT.put(profile, server);
        RUNNING.add(server);
        server.acquire();
        return server;
    }

    /**
     * A server that made its share, or died (its sessions' interpreters died with it: they lived in its PID
     * namespace; their directories stay, and their next interpreters start plainly there), stops once its last
     * session has ended.
     */
    private static void retire(ForkServer server) {
        server.retire(() -> RUNNING.remove(server));
    }

    /** Stops every server (at the JVM's exit, after the sessions). */
    static void closeAll() {
        synchronized (ForkServers.class) {
            closed = true;
            CURRENT.clear();
        }
        for (ForkServer server : List.copyOf(RUNNING)) {
            server.close();
        }
        RUNNING.clear();
    }
}
