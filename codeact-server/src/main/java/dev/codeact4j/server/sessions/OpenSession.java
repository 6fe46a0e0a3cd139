package dev.codeact4j.server.sessions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.SessionStart;
import dev.codeact4j.server.http.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A session the API opened: its sandbox session, when it was made and last used, how many executions it ran, and
 * whether one is running now. Being "busy" is also how the reaper claims an idle session before closing it, so
 * that an execution and the reaper never both have it.
 */
final class OpenSession {
    private final String id;
    private final Session session;
    private final Instant createdAt;
    private final AtomicInteger executions = new AtomicInteger();
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Instant lastUsedAt;

    OpenSession(String id, Session session, Instant createdAt) {
        this.id = id;
        this.session = session;
        this.createdAt = createdAt;
        this.lastUsedAt = createdAt;
    }

    String id() {
        return id;
    }

    Instant createdAt() {
        return createdAt;
    }

    Session session() {
        return session;
    }

    /** Takes the session for one execution (or the reaper); false when another has it. */
    boolean claim() {
        return busy.compareAndSet(false, true);
    }

    /** Gives the session back, used now. */
    void release() {
        touch();
        busy.set(false);
    }

    /** Gives the session back without counting it as used (the reaper looked and left it). */
    void releaseUntouched() {
        busy.set(false);
    }

    boolean busy() {
        return busy.get();
    }

    /** The index of the next execution, from 0 (as {@code codeact exec --json} counts snippets). */
    int nextIndex() {
        return executions.getAndIncrement();
    }

    /** Marks the session used now: its time to live starts again. */
    void touch() {
        lastUsedAt = Instant.now();
    }

    Instant expiresAt(Duration ttl) {
        return lastUsedAt.plus(ttl);
    }

    /** Whether it has been unused for {@code ttl} (the caller holds the claim, so nothing runs). */
    boolean idleFor(Duration ttl, Instant now) {
        return !expiresAt(ttl).isAfter(now);
    }

    /** Closes the sandbox session (killing what runs); true for the call that did it, false if it was closed. */
    boolean close() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        session.close();
        return true;
    }

    /** The session as the API shows it. */
    ObjectNode json(Duration ttl) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        SessionStart start = session.howStarted();
        if (start != null) {
            ObjectNode how = json.putObject("start").put("forked", start.forked());
            if (start.reason() != null) {
                how.put("reason", start.reason());
            }
            how.put("ms", start.took().toNanos() / 1e6);
        }
        return json
                .put("id", id)
                .put("language", session.language().id())
                .put("timeoutSeconds", session.policy().timeout().toMillis() / 1000.0)
                .put("memoryMb", session.policy().memoryMb())
                .put("createdAt", createdAt.toString())
                .put("lastUsedAt", lastUsedAt.toString())
                .put("expiresAt", expiresAt(ttl).toString())
                .put("executions", executions.get())
                .put("running", busy.get());
    }
}
