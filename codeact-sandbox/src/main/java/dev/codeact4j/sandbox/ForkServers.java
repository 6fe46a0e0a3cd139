package dev.codeact4j.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This JVM's fork servers, one per profile, started on first need. A server makes at most
 * {@value #FORKS_PER_SERVER} sessions, then a fresh one takes over (and the old one stops once its last session
 * has ended): what every child of one server shares by construction (its address-space layout, Python's hash
 * secret) is shared by that many sessions at most. The successor is started in the background
 * {@value #SUCCESSOR_MARGIN} sessions ahead, so that no session waits for a server to start; should it not be ready
 * in time, the old one makes a few more. A server that fails to start is not tried again for {@value #RETRY_SECONDS}
 * s; sessions meanwhile start plainly and say why.
 */
final class ForkServers {
    static final int FORKS_PER_SERVER = 1000;
    static final int SUCCESSOR_MARGIN = 100;
    /** {@value #FORKS_PER_SERVER} and {@value #SUCCESSOR_MARGIN}, which a test lowers to see a server replaced. */
    static volatile int forksPerServer = FORKS_PER_SERVER;
    static volatile int successorMargin = SUCCESSOR_MARGIN;
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
    /** The servers being started to take over from a current one that has (nearly) made its share. */
    private static final Map<Profile, CompletableFuture<ForkServer>> SUCCESSORS = new HashMap<>();
    /** When a successor last failed to start (nanoTime): the next try waits {@value #RETRY_SECONDS} s. */
    private static final Map<Profile, Long> SUCCESSOR_FAILED = new HashMap<>();
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
        if (server != null && server.isAlive()) {
            ForkServer next = server.forks() < forksPerServer - successorMargin ? server
                    : successor(sandbox, profile, timeout, server);
            next.acquire();
            return next;
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
     * The server to use once {@code current} is within {@value #SUCCESSOR_MARGIN} sessions of its share: still
     * {@code current} while its successor starts in the background, the successor once it is ready and the share is
     * made.
     */
    private static ForkServer successor(LocalSandbox sandbox, Profile profile, Duration timeout, ForkServer current) {
        CompletableFuture<ForkServer> next = SUCCESSORS.get(profile);
        if (next == null) {
            Long failedAt = SUCCESSOR_FAILED.get(profile);
            if (failedAt != null && System.nanoTime() - failedAt < Duration.ofSeconds(RETRY_SECONDS).toNanos()) {
                return current; // it goes on past its share meanwhile
            }
            SUCCESSORS.put(profile, CompletableFuture.supplyAsync(() -> ForkServer.start(sandbox, profile.kernel(),
                    profile.user(), profile.preload(), profile.environment(), SERVER_TMPFS_BYTES, timeout),
                    command -> Thread.ofVirtual().name("codeact-forkserver-successor").start(command)));
            return current;
        }
        if (current.forks() < forksPerServer || !next.isDone()) {
            return current;
        }
        SUCCESSORS.remove(profile);
        ForkServer successor;
        try {
            successor = next.join();
        } catch (CompletionException e) {
            SUCCESSOR_FAILED.put(profile, System.nanoTime());
            return current; // it goes on past its share until a successor starts (tried again after the pause)
        }
        SUCCESSOR_FAILED.remove(profile);
        if (closed) {
            successor.close();
            return current;
        }
        CURRENT.put(profile, successor);
        RUNNING.add(successor);
        retire(current);
        return successor;
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
            // a successor still starting is closed when it is ready (see successor()); one that is ready, now
            SUCCESSORS.values().forEach(next -> next.thenAccept(ForkServer::close));
            SUCCESSORS.clear();
        }
        for (ForkServer server : List.copyOf(RUNNING)) {
            server.close();
        }
        RUNNING.clear();
    }
}
