package dev.codeact4j.egress;

import dev.codeact4j.sandbox.network.NetworkRequest;

import java.util.concurrent.atomic.AtomicLong;

/** The record of one request through the egress proxy while it runs: its refusal, if any, and its bytes so far. */
final class EgressExchange {
    private final String host;
    private final int port;
    private final String method;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile String refusal;

    EgressExchange(String host, int port, String method) {
        this.host = DestinationCheck.displayHost(host);
        this.port = port;
        this.method = method;
    }

    /** {@code host:port} as the code asked for it. */
    String destination() {
        return DestinationCheck.hostPort(host, port);
    }

    void refuse(String reason) {
        refusal = reason;
    }

    void sent(long bytes) {
        sent.addAndGet(bytes);
    }

    void received(long bytes) {
        received.addAndGet(bytes);
    }

    NetworkRequest snapshot() {
        String reason = refusal;
        return new NetworkRequest(host, port, method, reason == null, reason, sent.get(), received.get());
    }
}
