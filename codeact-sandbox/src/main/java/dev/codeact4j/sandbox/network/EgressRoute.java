package dev.codeact4j.sandbox.network;

import java.util.List;

/** One session's way out, open from the session's start to its end. */
public interface EgressRoute extends AutoCloseable {

    /**
     * The requests made since the last call, allowed and refused, in the order they came; they are then forgotten.
     * What a tunnel still open carries after this call is reported by no later call.
     */
    List<NetworkRequest> takeRequests();

    /** Stops listening and removes the socket; tunnels and requests still under way are cut. */
    @Override
    void close();
}
