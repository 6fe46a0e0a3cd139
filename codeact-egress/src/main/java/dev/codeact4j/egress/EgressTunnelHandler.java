package dev.codeact4j.egress;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.Promise;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * CONNECT, the way HTTPS leaves the sandbox: Jetty's tunnel, with the destination checked before anything is
 * connected, the connection made to the checked address itself, and the bytes counted each way. Anything that
 * is not a CONNECT goes on to the next handler.
 */
final class EgressTunnelHandler extends ConnectHandler {
    private static final String EXCHANGE = EgressTunnelHandler.class.getName() + ".exchange";
    private static final String DOWNSTREAM = EgressTunnelHandler.class.getName() + ".downstream";

    private final Function<Request, EgressProxy.Route> routes;

    EgressTunnelHandler(Function<Request, EgressProxy.Route> routes, Handler next) {
        super(next);
        this.routes = routes;
        setIdleTimeout(EgressProxy.IDLE_TIMEOUT_MS);
        setConnectTimeout(EgressProxy.CONNECT_TIMEOUT_MS);
    }

    @Override
    protected void handleConnect(Request request, Response response, Callback callback, String serverAddress) {
        EgressProxy.Route route = routes.apply(request);
        if (route == null) {
            EgressProxy.answer(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503,
                    "codeact: this session's network route is closed");
            return;
        }
        HostPort destination = parse(serverAddress);
        if (destination == null || !destination.hasPort()) {
            EgressProxy.answer(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "codeact: CONNECT needs a host and a port, as in CONNECT api.github.com:443");
            return;
        }
        EgressExchange exchange = route.record(destination.getHost(), destination.getPort(), "CONNECT");
        try {
            // the allowlist first, before any lookup: a refused name is never resolved
            DestinationCheck.allowlisted(route.allowlist(), destination.getHost(), destination.getPort());
        } catch (DestinationCheck.RefusedException refused) {
            exchange.refuse(refused.reason());
            EgressProxy.answer(request, response, callback, HttpStatus.FORBIDDEN_403, refused.getMessage());
            return;
        }
        request.setAttribute(EXCHANGE, exchange);
        super.handleConnect(request, response, callback, serverAddress);
    }

    /** Resolves the name here and connects to the checked address, so no later lookup can move the tunnel. */
    @Override
    protected void connectToServer(Request request, String host, int port, Promise<SocketChannel> promise) {
        SocketChannel channel = null;
        try {
            EgressProxy.Route route = routes.apply(request);
            if (route == null) {
                throw new IOException("this session's network route is closed");
            }
            DestinationCheck.Allowed allowed = DestinationCheck.check(route.allowlist(), host, port);
            channel = SocketChannel.open();
            channel.socket().setTcpNoDelay(true);
            channel.configureBlocking(false);
            channel.connect(allowed.addresses().getFirst());
            promise.succeeded(channel);
        } catch (Throwable x) {
            IO.close(channel);
            promise.failed(x);
        }
    }

    @Override
    protected void onConnectFailure(Request request, Response response, Callback callback, Throwable failure) {
        EgressExchange exchange = (EgressExchange) request.getAttribute(EXCHANGE);
        if (failure instanceof DestinationCheck.RefusedException refused) {
            exchange.refuse(refused.reason());
            EgressProxy.answer(request, response, callback, HttpStatus.FORBIDDEN_403, refused.getMessage());
        } else {
            EgressProxy.answer(request, response, callback, HttpStatus.BAD_GATEWAY_502,
                    "codeact: could not reach " + exchange.destination() + ": " + EgressProxy.describe(failure));
        }
    }

    @Override
    protected void prepareContext(Request request, ConcurrentMap<String, Object> context) {
        context.put(EXCHANGE, request.getAttribute(EXCHANGE));
        context.put(DOWNSTREAM, request.getTunnelSupport().getEndPoint());
    }

    /**
     * Counts at the write rather than the read: bytes the client sent right behind its CONNECT header reach the
     * server through a write only. Counted as handed over, so a write that then fails still counts.
     */
    @Override
    protected void write(EndPoint endPoint, ByteBuffer buffer, Callback callback, ConcurrentMap<String, Object> context) {
        if (context.get(EXCHANGE) instanceof EgressExchange exchange) {
            if (endPoint == context.get(DOWNSTREAM)) {
                exchange.received(buffer.remaining());
            } else {
                exchange.sent(buffer.remaining());
            }
        }
        super.write(endPoint, buffer, callback, context);
    }

    private static HostPort parse(String authority) {
        try {
            return authority == null ? null : new HostPort(authority);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
