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
 * The API routes' checks in front of a servlet of a {@link Feature}'s own (MCP at {@code /mcp}), which Javalin's
 * before handlers do not reach: the token, {@code Host} and {@code Origin} ({@link Access}) and the body limit, with
 * the same statuses and error shape.
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
        HttpServletRequest http = (HttpServletRequest) request;
        try {
            Access checks = access.get();
            if (checks == null) {
                throw ApiException.unavailable("The server is starting; try again in a moment.");
            }
            checks.check(http);
            BodyLimit.check(http, maxBodyBytes);
        } catch (ApiException e) {
            ApiErrors.write((HttpServletResponse) response, e);
            return;
        }
        chain.doFilter(request, response);
    }
}
