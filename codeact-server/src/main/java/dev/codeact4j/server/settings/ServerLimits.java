package dev.codeact4j.server.settings;

import java.time.Duration;

/**
 * How much the server takes on at once. Past {@code maxRuns} running runs or {@code maxSessions} open sessions a
 * new one is refused with 429 and {@code Retry-After}; a session unused for {@code sessionTtl} is closed; a request
 * body over {@code maxBodyBytes} is refused with 413; on shutdown, running steps get {@code shutdownGrace} to end.
 */
public record ServerLimits(int maxRuns, int maxSessions, Duration sessionTtl, long maxBodyBytes,
                           Duration shutdownGrace) {
    public static final int DEFAULT_MAX_RUNS = 4;
    public static final int DEFAULT_MAX_SESSIONS = 32;
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofMinutes(15);
    public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    public ServerLimits {
        if (maxRuns < 1 || maxSessions < 1) {
            throw new IllegalArgumentException("maxRuns and maxSessions must be at least 1");
        }
        if (sessionTtl.isNegative() || sessionTtl.isZero() || maxBodyBytes < 1 || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("the session TTL and body limit must be positive, the grace not negative");
        }
    }

    public static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_MAX_RUNS, DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_TTL, DEFAULT_MAX_BODY_BYTES,
                DEFAULT_SHUTDOWN_GRACE);
    }

    public ServerLimits withMaxRuns(int maxRuns) {
        return new ServerLimits(maxRuns, maxSessions, sessionTtl, maxBodyBytes, shutdownGrace);
    }

    public ServerLimits withMaxSessions(int maxSessions) {
        return new ServerLimits(maxRuns, maxSessions, sessionTtl, maxBodyBytes, shutdownGrace);
    }

    public ServerLimits withSessionTtl(Duration sessionTtl) {
        return new ServerLimits(maxRuns, maxSessions, sessionTtl, maxBodyBytes, shutdownGrace);
    }

    public ServerLimits withMaxBodyBytes(long maxBodyBytes) {
        return new ServerLimits(maxRuns, maxSessions, sessionTtl, maxBodyBytes, shutdownGrace);
    }

    public ServerLimits withShutdownGrace(Duration shutdownGrace) {
        return new ServerLimits(maxRuns, maxSessions, sessionTtl, maxBodyBytes, shutdownGrace);
    }
}
