package dev.codeact4j.server.http;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.util.UrlEncoded;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;

/**
 * Who may call the API and MCP routes. A bearer token (the {@code Authorization} header, or a {@code token} query
 * parameter, for what a browser fetches without headers: an event stream, an image, a download) is needed on every
 * route but the page's static assets. {@code Host} and {@code Origin} are checked on every request to them against
 * DNS rebinding, as the MCP specification asks: a server on loopback answers only loopback names, and a page of
 * another origin gets 403.
 */
public final class Access {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final byte[] token;
    private final boolean loopback;
    private final int port;

    /**
     * @param token    the bearer token every API call needs
     * @param bindHost the address the server listens on (a loopback one restricts {@code Host} to loopback names)
     * @param port     the port it listens on
     */
    public Access(String token, String bindHost, int port) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.loopback = isLoopback(bindHost);
        this.port = port;
    }

    /** Whether {@code host} (a name or an address) is a loopback address: only then may a server go without a token. */
    public static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Refuses the request (403, 401) unless its Host, Origin and token are right. Only the query string is read for
     * the token, never a form body, which belongs to the route or servlet.
     */
    public void check(HttpServletRequest request) {
        String query = request.getQueryString();
        check(request.getHeader("Host"), request.getHeader("Origin"), request.getHeader("Authorization"),
                query == null ? null : UrlEncoded.decodeQuery(query).getValue("token", 0));
    }

    private void check(String host, String origin, String authorization, String queryToken) {
        checkHost(host);
        checkOrigin(origin, host);
        checkToken(authorization, queryToken);
    }

    private void checkHost(String host) {
        if (!loopback) {
            return; // a server on a network address is reached by whatever name points at it; its token guards it
        }
        String name = host == null ? "" : hostName(host);
        if (!LOOPBACK_NAMES.contains(name)) {
            throw ApiException.forbidden("The Host header " + (host == null ? "is missing" : "'" + host + "' is not a "
                    + "loopback name") + ": this server listens on loopback and answers only localhost, 127.0.0.1 "
                    + "and [::1] (a guard against DNS rebinding).");
        }
    }

    private void checkOrigin(String origin, String host) {
        if (origin == null) {
            return; // not a browser, or a same-origin GET: the token decides
        }
        URI uri;
        try {
            uri = URI.create(origin);
        } catch (IllegalArgumentException e) {
            throw ApiException.forbidden("The Origin header '" + origin + "' is not a URL.");
        }
        String originHost = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int originPort = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        String expected = host == null ? "" : hostName(host);
        boolean sameHost = originHost.equals(expected)
                || (loopback && LOOPBACK_NAMES.contains(originHost) && LOOPBACK_NAMES.contains(expected));
        if (!sameHost || originPort != port) {
            throw ApiException.forbidden("A page of the origin " + origin + " may not call this server: only its own "
                    + "page may (a guard against DNS rebinding and cross-site requests).");
        }
    }

    private void checkToken(String authorization, String queryToken) {
        String given = null;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = authorization.substring(7).strip();
        } else if (queryToken != null) {
            given = queryToken;
        }
        if (given == null) {
            throw ApiException.unauthorized("A token is needed: send 'Authorization: Bearer TOKEN' (the token "
                    + "codeact serve printed with its URL, or gave with --token).");
        }
        if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized("The token is not this server's: use the one codeact serve printed with its "
                    + "URL (or gave with --token).");
        }
    }

    /** The name in a Host header, lower case, without the port (an IPv6 address keeps its brackets). */
    private static String hostName(String host) {
        String name = host.strip().toLowerCase(Locale.ROOT);
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            return end < 0 ? name : name.substring(0, end + 1);
        }
        int colon = name.lastIndexOf(':');
        return colon < 0 ? name : name.substring(0, colon);
    }
}
