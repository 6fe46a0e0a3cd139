package dev.codeact4j.sandbox.network;

import java.nio.file.Path;

/**
 * The way out for sessions whose policy allows named hosts: a proxy that listens on a Unix socket per session and lets
 * through only what the session's allowlist names. The sandbox finds one with {@link java.util.ServiceLoader} (the
 * {@code codeact-egress} module provides it), so that a user who needs no network takes no HTTP server.
 */
public interface EgressGateway {

    /**
     * Listens on {@code unixSocket} for one session, whose requests {@code allowlist} decides. The socket file must be
     * connectable by the session's user, so it belongs in a private directory.
     *
     * @throws dev.codeact4j.sandbox.SandboxException when it cannot listen there
     */
    EgressRoute open(Path unixSocket, HostAllowlist allowlist);
}
