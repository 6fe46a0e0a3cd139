package dev.codeact4j.server.http;

import io.javalin.config.RoutesConfig;
import jakarta.servlet.http.HttpServlet;

import java.time.Instant;
import java.util.Map;

/** A part of the server (runs, sessions, MCP, the page): its routes, and what it does when the server stops. */
public interface Feature {
    /** Adds this feature's routes; their paths are in {@code /api/openapi.json} (OpenApiTest holds them together). */
    void addRoutes(RoutesConfig routes);

    /**
     * Servlets of its own beside Javalin's routes (MCP's transport is one), by path spec such as {@code /mcp}. The
     * server puts the API's checks in front of each (the token, Host, Origin, the body limit: {@link GuardFilter}),
     * which Javalin's before handlers do not reach.
     */
    default Map<String, HttpServlet> servlets() {
        return Map.of();
    }

    /** Takes nothing new from now on (a new run or session is answered 503). */
    default void stopAccepting() {
    }

    /** Lets what is running end by {@code deadline}, then ends the rest and frees everything. */
    default void shutdown(Instant deadline) {
    }
}
