/** The egress proxy (Jetty) for sessions that allow named hosts; the sandbox finds it as a service. */
module dev.codeact4j.egress {
    requires dev.codeact4j.sandbox;
    requires org.eclipse.jetty.client;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.proxy;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.unixdomain.server;
    requires org.eclipse.jetty.util;

    provides dev.codeact4j.sandbox.network.EgressGateway with dev.codeact4j.egress.SharedEgressGateway;
}
