package dev.codeact4j.egress;

import dev.codeact4j.sandbox.network.NetworkRequest;
import dev.codeact4j.sandbox.SandboxException;
import dev.codeact4j.sandbox.network.EgressGateway;
import dev.codeact4j.sandbox.network.EgressRoute;
import dev.codeact4j.sandbox.network.HostAllowlist;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The host side of "network by allowlist": an HTTP proxy that sessions reach through a Unix socket each (the
 * sandbox has no network interface of its own). CONNECT tunnels carry HTTPS; absolute-form requests
 * ({@code GET http://host/path}) carry plain HTTP. Every destination is checked by {@link DestinationCheck}
 * against the allowlist of the route it came in on, and every request is recorded on that route.
 *
 * <p>One Jetty server and one thread pool serve all the routes of a JVM ({@link #shared()}); the server starts
 * with the first route. Each route costs one pooled thread (its connector's selector) while it is open.
 */
final class EgressProxy implements EgressGateway, AutoCloseable {
    static final long IDLE_TIMEOUT_MS = 30_000;
    static final long CONNECT_TIMEOUT_MS = 15_000;
    private static final int MAX_THREADS = 256;
    /** Linux's sun_path holds 108 bytes, the last one a NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    private final Map<Connector, Route> routes = new ConcurrentHashMap<>();
    private Server server; // guarded by this
    private boolean closed; // guarded by this

    /** The proxy all sessions of this JVM share; its threads are daemons, so it never needs closing. */
    static EgressProxy shared() {
        return Shared.INSTANCE;
    }

    private static final class Shared {
        static final EgressProxy INSTANCE = new EgressProxy();
    }

    /**
     * Listens on {@code unixSocket} for one session, whose requests {@code allowlist} decides. The socket file is
     * made connectable by any user (the sandbox may run as another one), so it belongs in a private directory.
     *
     * @throws SandboxException when the proxy cannot start or cannot listen there
     */
    @Override
    public synchronized Route open(Path unixSocket, HostAllowlist allowlist) {
        if (closed) {
            throw new IllegalStateException("the egress proxy is closed");
        }
        Path path = unixSocket.toAbsolutePath().normalize();
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new SandboxException("the egress socket path " + path + " is longer than the "
                    + MAX_SOCKET_PATH_BYTES + " bytes a Unix socket path may have; use a shorter temporary directory");
        }
        Server server = started();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 0, 1, ProxyConnections.factory(http));
        connector.setUnixDomainPath(path);
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        Route route = new Route(path, allowlist, () -> stop(connector, path));
        routes.put(connector, route); // before it accepts, so that no request finds it missing
        server.addConnector(connector); // the server runs: added unmanaged, so started and stopped here
        try {
            connector.start();
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (Exception e) {
            stop(connector, path);
            throw new SandboxException("the egress proxy could not listen on " + path + ": " + e.getMessage(), e);
        }
        return route;
    }

    /** Stops every route and the server; for a proxy of one's own, never the {@link #shared()} one. */
    @Override
    public void close() {
        List<Route> open;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = List.copyOf(routes.values());
        }
        open.forEach(Route::close);
        synchronized (this) {
            if (server != null) {
                try {
                    server.stop();
                } catch (Exception e) {
                    // its threads are daemons: what did not stop cannot keep the JVM alive
                }
            }
        }
    }

    private Server started() {
        if (server == null) {
            QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2, 60_000);
            threads.setName("codeact-egress");
            threads.setDaemon(true);
            // handlers block (DNS lookups): they run on virtual threads, the pool keeps the selectors
            threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("codeact-egress-virtual-", 0).factory()));
            Server created = new Server(threads, new ScheduledExecutorScheduler("codeact-egress-scheduler", true), null);
            created.setHandler(new EgressTunnelHandler(this::routeOf, new EgressForwardHandler(this::routeOf)));
            try {
                created.start();
            } catch (Exception e) {
                throw new SandboxException("the egress proxy could not start: " + e.getMessage(), e);
            }
            server = created;
        }
        return server;
    }

    private void stop(Connector connector, Path path) {
        routes.remove(connector);
        try {
            connector.stop();
        } catch (Exception e) {
            // closing cuts what was under way; nothing to report
        }
        synchronized (this) {
            if (server != null) {
                server.removeConnector(connector);
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the directory is private and goes away with the session
        }
    }

    /** The route a request came in on: the connector is the session. Null once the route is closed. */
    private Route routeOf(Request request) {
        return routes.get(request.getConnectionMetaData().getConnector());
    }

    /** Answers with one line of text; after a CONNECT the connection closes, since no tunnel follows. */
    static void answer(Request request, Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (HttpMethod.CONNECT.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE);
        }
        Content.Sink.write(response, true, text + "\n", callback);
    }

    /** A failure's cause, in a few words, for a 502. */
    static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /**
     * One session's way out: the Unix socket the proxy listens on for it, the allowlist that decides what comes
     * in on that socket, and the requests made through it.
     */
    static final class Route implements EgressRoute {
        private final Path socket;
        private final HostAllowlist allowlist;
        private final Runnable closer;
        private final List<EgressExchange> recorded = new ArrayList<>(); // guarded by itself
        private boolean closed; // guarded by recorded

        private Route(Path socket, HostAllowlist allowlist, Runnable closer) {
            this.socket = socket;
            this.allowlist = allowlist;
            this.closer = closer;
        }

        /** The Unix socket the proxy listens on for this route. */
        Path socket() {
            return socket;
        }

        HostAllowlist allowlist() {
            return allowlist;
        }

        /**
         * The requests recorded since the last call, allowed and refused, in the order they came; they are then
         * forgotten. The bytes are those counted so far: a tunnel still open goes on counting in its own record,
         * but what it carries after this call is reported by no later call.
         */
        @Override
        public List<NetworkRequest> takeRequests() {
            synchronized (recorded) {
                List<NetworkRequest> taken = recorded.stream().map(EgressExchange::snapshot).toList();
                recorded.clear();
                return taken;
            }
        }

        /** Starts the record of one request; the handlers fill in the refusal and the bytes as they happen. */
        EgressExchange record(String host, int port, String method) {
            EgressExchange exchange = new EgressExchange(host, port, method);
            synchronized (recorded) {
                if (!closed) {
                    recorded.add(exchange);
                }
            }
            return exchange;
        }

        /** Stops listening and deletes the socket file; tunnels and requests still under way are cut. */
        @Override
        public void close() {
            synchronized (recorded) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            closer.run();
        }
    }
}
