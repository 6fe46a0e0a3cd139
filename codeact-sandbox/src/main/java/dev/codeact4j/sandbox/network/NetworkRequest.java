package dev.codeact4j.sandbox.network;

/**
 * One request the session's code made through the egress proxy, allowed or refused.
 *
 * @param host          the host the code asked for (lower-cased; no trailing dot; an IPv6 address without brackets)
 * @param port          the port the code asked for
 * @param method        {@code "CONNECT"} for a tunnel (HTTPS and anything else end to end encrypted), else the
 *                      HTTP method of a plain HTTP request ({@code "GET"}, {@code "POST"}, ...)
 * @param allowed       whether the proxy let the request through; an allowed request may still have failed
 *                      upstream (the code then got a 502)
 * @param refusal       null when allowed, else the one-line reason it was refused (the code got a 403 saying so)
 * @param bytesSent     bytes from the code towards the host: for a tunnel everything sent through it, for plain
 *                      HTTP the request body; counted up to the moment the request was taken
 * @param bytesReceived bytes from the host towards the code: for a tunnel everything received through it, for
 *                      plain HTTP the response body; counted up to the moment the request was taken
 */
public record NetworkRequest(
        String host,
        int port,
        String method,
        boolean allowed,
        String refusal,
        long bytesSent,
        long bytesReceived) {

    /** One line for people: {@code GET api.example.org:443 (120 bytes sent, 4096 received)}, or why it was refused. */
    public String summary() {
        String request = method + " " + host + ":" + port + " ";
        return allowed ? request + "(" + bytesSent + " bytes sent, " + bytesReceived + " received)"
                : request + "refused: " + refusal;
    }
}
