package dev.codeact4j.server.http;

import io.javalin.config.RoutesConfig;

import java.time.Instant;

/** A part of the server (runs, sessions, MCP, the page): its routes, and what it does when the server stops. */
public interface Feature {
    /** Adds this feature's routes; their paths are in {@code /api/openapi.json} (OpenApiTest holds them together). */
    void addRoutes(RoutesConfig routes);

    /** Takes nothing new from now on (a new run or session is answered 503). */
    default void stopAccepting() {
    }

    /** Lets what is running end by {@code deadline}, then ends the rest and frees everything. */
    default void shutdown(Instant deadline) {
    }
}
