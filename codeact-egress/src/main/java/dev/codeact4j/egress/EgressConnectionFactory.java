package dev.codeact4j.egress;

import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * HTTP/1.1 connections that remember whether the request line named an absolute URI. Jetty completes an
 * origin-form target ({@code GET /x}) from the Host header, after which it looks like a proxy request; only
 * its request line tells them apart, and a non-proxy request should hear that it reached a proxy rather than be
 * forwarded to whatever its Host header says. The hook is Jetty's {@code newHttpStream}, where the request line
 * arrives already parsed.
 */
final class EgressConnectionFactory extends HttpConnectionFactory {

    EgressConnectionFactory(HttpConfiguration configuration) {
        super(configuration);
    }

    /** Whether the request's line named an absolute URI, as a client of a proxy sends it. */
    static boolean isAbsoluteForm(Request request) {
        return request.getConnectionMetaData().getConnection() instanceof TargetAwareConnection connection
                && connection.absoluteForm;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        TargetAwareConnection connection = new TargetAwareConnection(getHttpConfiguration(), connector, endPoint);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    /** HTTP/1.1 handles one request at a time per connection, so one flag per connection is enough. */
    private static final class TargetAwareConnection extends HttpConnection {
        private volatile boolean absoluteForm;

        TargetAwareConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint) {
            super(configuration, connector, endPoint);
        }

        @Override
        protected HttpStreamOverHTTP1 newHttpStream(String method, String uri, HttpVersion version) {
            absoluteForm = uri != null && HttpURI.build(method, uri).isAbsolute();
            return super.newHttpStream(method, uri, version);
        }
    }
}
