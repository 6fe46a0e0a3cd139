package dev.codeact4j.egress;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;

/**
 * The proxy's HTTP/1.1 connections. {@link EgressConnectionFactory} sees each request line through a class of a
 * package Jetty's module does not export: on the class path it is there; on the module path only with
 * {@code --add-exports org.eclipse.jetty.server/org.eclipse.jetty.server.internal=dev.codeact4j.egress}. Without it the
 * proxy takes every request line as absolute: an origin-form request then goes to its Host header's host, which the
 * allowlist still decides. This class decides without touching that one, which would not even load.
 */
final class ProxyConnections {
    private static final boolean SEES_REQUEST_LINE = HttpConnectionFactory.class.getModule()
            .isExported("org.eclipse.jetty.server.internal", ProxyConnections.class.getModule());

    private ProxyConnections() {
    }

    static HttpConnectionFactory factory(HttpConfiguration configuration) {
        return SEES_REQUEST_LINE ? new EgressConnectionFactory(configuration) : new HttpConnectionFactory(configuration);
    }

    /** Whether the request's line named an absolute URI, as a client of a proxy sends it. */
    static boolean isAbsoluteForm(Request request) {
        return !SEES_REQUEST_LINE || EgressConnectionFactory.isAbsoluteForm(request);
    }
}
