package dev.codeact4j.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.server.settings.InvalidRequestException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Writes every failure of a request in the API's one error shape, with its status. */
public final class ApiErrors {
    private ApiErrors() {
    }

    /** Answers the exceptions of every route; what was not foreseen is a 500 whose details go to {@code log}. */
    public static void install(RoutesConfig routes, PrintWriter log) {
        routes.exception(ApiException.class, (e, ctx) -> write(ctx, e));
        routes.exception(InvalidRequestException.class,
                (e, ctx) -> write(ctx, ApiException.badRequest(e.field(), e.getMessage())));
        routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, switch (e.getStatus()) {
            case 404 -> ApiException.notFound("No such route: " + ctx.method() + " " + ctx.path()
                    + ". The routes are listed in /api/openapi.json.");
            case 405 -> ApiException.notFound(ctx.method() + " is not served at " + ctx.path()
                    + ". The routes are listed in /api/openapi.json.");
            case 413 -> ApiException.tooLarge(e.getMessage());
            default -> e.getStatus() < 500 ? ApiException.badRequest(null, e.getMessage())
                    : ApiException.unavailable(e.getMessage());
        }));
        routes.exception(Exception.class, (e, ctx) -> {
            synchronized (log) {
                log.println("codeact serve: " + ctx.method() + " " + ctx.path() + " failed: " + e);
                e.printStackTrace(log);
                log.flush();
            }
            write(ctx, new ApiException500(e));
        });
        routes.error(404, "*", ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                write(ctx, ApiException.notFound("No such route: " + ctx.method() + " " + ctx.path()
                        + ". The routes are listed in /api/openapi.json."));
            }
        });
    }

    /** Writes {@code e} as the response. */
    public static void write(Context ctx, ApiException e) {
        write(ctx, e.status(), e.type(), e.getMessage(), e.field());
        if (e.retryAfter() != null) {
            ctx.header("Retry-After", String.valueOf(Math.max(1, e.retryAfter().toSeconds())));
        }
    }

    /** Writes {@code e} as the response of a servlet of its own ({@code /mcp}), in the same shape. */
    public static void write(HttpServletResponse response, ApiException e) throws IOException {
        response.setStatus(e.status());
        response.setContentType("application/json");
        if (e.retryAfter() != null) {
            response.setHeader("Retry-After", String.valueOf(Math.max(1, e.retryAfter().toSeconds())));
        }
        response.getOutputStream().write(body(e.type(), e.getMessage(), e.field()).getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Context ctx, ApiException500 e) {
        write(ctx, 500, "internal", "The server failed on this request: " + e.getCause()
                + ". It is logged on the server's standard error.", null);
    }

    private static void write(Context ctx, int status, String type, String message, String field) {
        ctx.status(status).contentType("application/json").result(body(type, message, field));
    }

    private static String body(String type, String message, String field) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        ObjectNode body = error.putObject("error").put("type", type).put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        return Json.text(error);
    }

    /** Wraps what was not foreseen, so that it is told apart from the errors the API means to give. */
    private static final class ApiException500 extends RuntimeException {
        ApiException500(Exception cause) {
            super(cause);
        }
    }
}
