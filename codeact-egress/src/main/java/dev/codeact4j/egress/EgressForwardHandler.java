package dev.codeact4j.egress;

import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Plain HTTP: Jetty's forward proxy for absolute-form requests ({@code GET http://host/path}). The allowlist is
 * checked here; the name is resolved and the address rule applied by the client's {@link #resolve resolver},
 * whose addresses are the only ones it connects to. Redirects go back to the code unfollowed: the code follows
 * them itself, through this proxy, so a redirect to a refused host is refused.
 */
final class EgressForwardHandler extends ProxyHandler.Forward {
    private static final String EXCHANGE = EgressForwardHandler.class.getName() + ".exchange";
    private static final String NOT_A_PROXY_REQUEST = "codeact: this is the sandbox's egress proxy: it forwards"
            + " CONNECT host:port (HTTPS) and absolute-form requests such as GET http://host/path (plain HTTP),"
            + " which clients send when HTTP_PROXY and HTTPS_PROXY point at it";

    private final Function<Request, EgressProxy.Route> routes;

    EgressForwardHandler(Function<Request, EgressProxy.Route> routes) {
        this.routes = routes;
        setUseServerThreadPool(true);
        // a Via header that does not name this machine; and no Forwarded header (see addForwardedHeader)
        setViaHost("codeact");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        EgressProxy.Route route = routes.apply(request);
        if (route == null) {
            EgressProxy.answer(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503,
                    "codeact: this session's network route is closed");
            return true;
        }
        HttpURI uri = request.getHttpURI();
        if (!ProxyConnections.isAbsoluteForm(request) || uri.getHost() == null || uri.getHost().isEmpty()) {
            EgressProxy.answer(request, response, callback, HttpStatus.BAD_REQUEST_400, NOT_A_PROXY_REQUEST);
            return true;
        }
        if (!HttpScheme.HTTP.is(uri.getScheme())) {
            EgressProxy.answer(request, response, callback, HttpStatus.BAD_REQUEST_400, "codeact: the egress proxy"
                    + " forwards only http:// URLs this way; " + uri.getScheme() + " goes through CONNECT host:port");
            return true;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        EgressExchange exchange = route.record(uri.getHost(), port, request.getMethod());
        try {
            DestinationCheck.allowlisted(route.allowlist(), uri.getHost(), port);
        } catch (DestinationCheck.RefusedException refused) {
            exchange.refuse(refused.reason());
            EgressProxy.answer(request, response, callback, HttpStatus.FORBIDDEN_403, refused.getMessage());
            return true;
        }
        request.setAttribute(EXCHANGE, exchange);
        Request counted = new CountedRequest(request, exchange);
        return super.handle(counted, new CountedResponse(counted, response, exchange), callback);
    }

    /** Tagged with its route: the resolver checks by that route's allowlist, and connections are not shared. */
    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(Request clientToProxyRequest, HttpURI newHttpURI) {
        return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI).tag(routes.apply(clientToProxyRequest));
    }

    @Override
    protected void configureHttpClient(HttpClient httpClient) {
        super.configureHttpClient(httpClient); // redirects not followed, cookies not kept
        httpClient.setSocketAddressResolver(this::resolve);
        httpClient.setScheduler(getServer().getScheduler());
        httpClient.setIdleTimeout(EgressProxy.IDLE_TIMEOUT_MS);
        // destinations are per route (the tag): let those of closed routes go
        httpClient.setDestinationIdleTimeout(2 * EgressProxy.IDLE_TIMEOUT_MS);
        httpClient.setConnectTimeout(EgressProxy.CONNECT_TIMEOUT_MS);
        httpClient.setUserAgentField(null); // the code's own User-Agent, or none
    }

    /** The whole {@link DestinationCheck}, by the allowlist of the route the request is tagged with. */
    private void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        try {
            Destination destination = (Destination) context.get(Destination.CONTEXT_KEY);
            if (destination == null || !(destination.getOrigin().getTag() instanceof EgressProxy.Route route)) {
                throw new IOException("the request has no route to check it against");
            }
            promise.succeeded(DestinationCheck.check(route.allowlist(), host, port).addresses());
        } catch (Throwable x) {
            promise.failed(x);
        }
    }

    /** The Forwarded header would tell the server the proxy's socket path; the server has no use for it. */
    @Override
    protected void addForwardedHeader(Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    }

    @Override
    protected void onServerToProxyResponseFailure(Request clientToProxyRequest,
            org.eclipse.jetty.client.Request proxyToServerRequest, org.eclipse.jetty.client.Response serverToProxyResponse,
            Response proxyToClientResponse, Callback proxyToClientCallback, Throwable failure) {
        // the refusal text is the proxy's, not the server's: written past the counting wrapper
        Response response = proxyToClientResponse instanceof CountedResponse counted ? counted.getWrapped() : proxyToClientResponse;
        if (response.isCommitted()) {
            proxyToClientCallback.failed(failure); // too late to say why: the client sees the connection cut
            return;
        }
        EgressExchange exchange = (EgressExchange) clientToProxyRequest.getAttribute(EXCHANGE);
        DestinationCheck.RefusedException refused = refusalIn(failure);
        if (refused != null) {
            exchange.refuse(refused.reason());
            EgressProxy.answer(clientToProxyRequest, response, proxyToClientCallback, HttpStatus.FORBIDDEN_403,
                    refused.getMessage());
        } else {
            int status = failure instanceof TimeoutException ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502;
            EgressProxy.answer(clientToProxyRequest, response, proxyToClientCallback, status,
                    "codeact: could not reach " + exchange.destination() + ": " + EgressProxy.describe(failure));
        }
    }

    private static DestinationCheck.RefusedException refusalIn(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DestinationCheck.RefusedException refused) {
                return refused;
            }
        }
        return null;
    }

    /** Counts the request body as the proxy reads it: bytes sent. */
    private static final class CountedRequest extends Request.Wrapper {
        private final EgressExchange exchange;

        CountedRequest(Request request, EgressExchange exchange) {
            super(request);
            this.exchange = exchange;
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = super.read();
            if (chunk != null && !Content.Chunk.isFailure(chunk)) {
                exchange.sent(chunk.getByteBuffer().remaining());
            }
            return chunk;
        }
    }

    /** Counts the response body as the proxy writes it to the client: bytes received. */
    private static final class CountedResponse extends Response.Wrapper {
        private final EgressExchange exchange;

        CountedResponse(Request request, Response response, EgressExchange exchange) {
            super(request, response);
            this.exchange = exchange;
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (content != null) {
                exchange.received(content.remaining());
            }
            super.write(last, content, callback);
        }
    }
}
