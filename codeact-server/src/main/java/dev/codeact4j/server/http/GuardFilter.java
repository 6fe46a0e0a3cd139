package dev.codeact4j.server.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * The checks of every guarded route: the token, {@code Host} and {@code Origin} ({@link Access}) and the body limit.
 * Javalin's before handler calls {@link #admit}; as a filter, it puts the same checks, with the same statuses and
 * error shape, in front of a servlet of a {@link Feature}'s own (MCP at {@code /mcp}), which that handler does not
 * reach.
 */
public final class GuardFilter implements Filter {
    private final Supplier<Access> access;
    private final long maxBodyBytes;

    /**
     * @param access       the server's checks; null until the server knows its port (a request then gets 503)
     * @param maxBodyBytes the largest body taken, by its Content-Length ({@link BodyLimit})
     */
    public GuardFilter(Supplier<Access> access, long maxBodyBytes) {
        this.access = access;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        try {
            admit((HttpServletRequest) request);
        } catch (ApiException e) {
            ApiErrors.write((HttpServletResponse) response, e);
            return;
        }
        chain.doFilter(request, response);
    }

    /**
     * Throws the {@link ApiException} (401, 403, 413, 503) that refuses the request, if any: the checks of every
     * guarded route, Javalin's (which call this from their before handler) and the servlets' (through this filter).
     */
    public void admit(HttpServletRequest request) {
        Access checks = access.get();
        if (checks == null) { // the port is open a moment before it is known
            throw ApiException.unavailable("The server is starting; try again in a moment.");
        }
        checks.check(request);
        BodyLimit.check(request, maxBodyBytes);
    }
}
