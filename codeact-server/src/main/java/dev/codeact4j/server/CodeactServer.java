package dev.codeact4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.server.http.Access;
import dev.codeact4j.server.http.ApiErrors;
import dev.codeact4j.server.http.Feature;
import dev.codeact4j.server.http.GuardFilter;
import dev.codeact4j.server.http.Json;
import dev.codeact4j.server.mcp.http.McpFeature;
import dev.codeact4j.server.runs.RunsFeature;
import dev.codeact4j.server.sessions.SessionsFeature;
import dev.codeact4j.server.settings.RunAgents;
import dev.codeact4j.server.settings.ServerLimits;
import dev.codeact4j.server.settings.ServerSettings;
import dev.codeact4j.server.web.WebPage;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.tools.Tools;
import io.javalin.Javalin;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code codeact serve}: agent runs with their events as they happen, sandbox sessions as a service, the history,
 * the report, MCP over streamable HTTP at {@code /mcp}, and the web page at {@code /}, in one process. Every route
 * but the page's assets needs the token; see {@link Access}.
 * <pre>{@code
 * try (CodeactServer server = CodeactServer.builder().sandbox(sandbox).agents(request -> agent).start()) {
 *     System.out.println(server.readyUrl());   // http://127.0.0.1:8080/?token=...
 *     server.awaitStop();
 * }
 * }</pre>
 */
public final class CodeactServer implements AutoCloseable {
    /** The version the server gives of itself (to MCP clients, say), and the command's; kept in step with the poms. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private final Javalin app;
    private final String host;
    private final String token;
    private final List<Feature> features;
    private final ServerLimits limits;
    private final Object stopped = new Object();
    private boolean closing;
    private boolean closed;

    private CodeactServer(Builder builder) {
        host = builder.host;
        token = builder.token != null ? builder.token : newToken();
        limits = builder.limits;
        ServerSettings settings = new ServerSettings(builder.sandbox, builder.policy, builder.agents, builder.store,
                builder.tools, builder.defaultModel, List.copyOf(builder.models), builder.limits, builder.log);
        features = new ArrayList<>();
        features.add(new WebPage());
        features.add(new RunsFeature(settings));
        features.add(new SessionsFeature(settings));
        try {
            features.add(new McpFeature(settings, VERSION));
        } catch (RuntimeException e) { // the policy's Python tool or setup file cannot be used, say
            features.forEach(feature -> feature.shutdown(Instant.now()));
            throw e;
        }
        byte[] openApi = openApiDocument();
        PrintWriter log = builder.log;
        // One holder, so the filter installed before the port is known checks Host against the real port.
        AtomicReference<Access> access = new AtomicReference<>();
        GuardFilter guard = new GuardFilter(access::get, limits.maxBodyBytes());
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = limits.maxBodyBytes();
            // An event stream holds its request's thread for as long as a run or an execution lasts: virtual
            // threads, so that open streams are not bounded by a pool of platform threads.
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = host;
            config.jetty.port = builder.port;
            ApiErrors.install(config.routes, log);
            config.routes.before(ctx -> {
                if (isGuarded(ctx.path())) {
                    guard.admit(ctx.req());
                }
            });
            config.routes.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            config.routes.get("/api/info", ctx -> Json.answer(ctx, 200, info(settings)));
            for (Feature feature : features) {
                feature.addRoutes(config.routes);
            }
            config.jetty.modifyServletContextHandler(context -> {
                for (Feature feature : features) {
                    feature.servlets().forEach((path, servlet) -> {
                        // Javalin's before handler does not run for another servlet: the same checks as a filter.
                        FilterHolder filter = new FilterHolder(guard);
                        filter.setAsyncSupported(true);
                        context.addFilter(filter, path, EnumSet.of(DispatcherType.REQUEST));
                        ServletHolder holder = new ServletHolder(servlet);
                        holder.setAsyncSupported(true);
                        context.addServlet(holder, path);
                    });
                }
            });
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            features.forEach(feature -> feature.shutdown(Instant.now())); // their reapers and sweepers too
            throw new IllegalStateException("cannot listen on " + host + ":" + builder.port + ": "
                    + rootMessage(e) + ". Choose another --port (0 takes a free one) or --host.", e);
        }
        access.set(new Access(token, host, app.port()));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The server's address, e.g. {@code http://127.0.0.1:8080/}. */
    public URI url() {
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + shown + ":" + app.port() + "/");
    }

    /** The page's address with the token, ready to open in a browser (as Jupyter prints it). */
    public URI readyUrl() {
        return url().resolve("/?token=" + token);
    }

    public String token() {
        return token;
    }

    public int port() {
        return app.port();
    }

    /** Blocks until {@link #close()} has stopped the server (from another thread, or a shutdown hook). */
    public void awaitStop() throws InterruptedException {
        synchronized (stopped) {
            while (!closed) {
                stopped.wait();
            }
        }
    }

    /**
     * Stops: nothing new is accepted, running steps get the limits' shutdown grace to end, the rest is ended (and
     * recorded as incomplete), sessions are closed, then the port is released.
     */
    @Override
    public void close() {
        synchronized (stopped) {
            if (closing) {
                return; // stopping already (a second Ctrl-C, the shutdown hook after a signal)
            }
            closing = true;
        }
        features.forEach(Feature::stopAccepting);
        Instant deadline = Instant.now().plus(limits.shutdownGrace());
        for (Feature feature : features) {
            feature.shutdown(deadline);
        }
        app.stop();
        synchronized (stopped) {
            closed = true;
            stopped.notifyAll();
        }
    }

    /**
     * The API's routes as {@code METHOD /path} with OpenAPI's path syntax ({@code {name}}), the servlets' as
     * {@code * /path}: what /api/openapi.json must describe (OpenApiTest holds them together).
     */
    List<String> apiRoutes() {
        List<String> routes = new ArrayList<>();
        for (ParsedEndpoint parsed : app.unsafe.internalRouter.allHttpHandlers()) {
            Endpoint endpoint = parsed.endpoint;
            if (endpoint.method.isHttpMethod() && isGuarded(endpoint.path)) {
                routes.add(endpoint.method.name() + " " + endpoint.path.replaceAll("<([^>]+)>", "{$1}"));
            }
        }
        for (Feature feature : features) {
            feature.servlets().keySet().forEach(path -> routes.add("* " + path.replaceAll("/\\*$", "")));
        }
        return routes;
    }

    /** The routes that need the token: the API and MCP; the page's assets hold no data and do not. */
    private static boolean isGuarded(String path) {
        return path.startsWith("/api/") || path.equals("/api") || path.startsWith("/mcp");
    }

    /** What the page needs to know of the server: the models it offers, the defaults and limits. */
    private static ObjectNode info(ServerSettings settings) {
        ObjectNode info = Json.MAPPER.createObjectNode();
        info.put("defaultModel", settings.defaultModel());
        settings.models().forEach(info.putArray("models")::add);
        info.put("language", settings.policy().language().id());
        info.put("timeoutSeconds", settings.policy().timeout().toMillis() / 1000.0);
        info.put("memoryMb", settings.policy().memoryMb());
        info.put("maxRuns", settings.limits().maxRuns());
        info.put("maxSessions", settings.limits().maxSessions());
        info.put("sessionTtlSeconds", settings.limits().sessionTtl().toSeconds());
        info.put("recording", settings.store() != null);
        return info;
    }

    private static byte[] openApiDocument() {
        try (InputStream in = CodeactServer.class.getResourceAsStream("openapi.json")) {
            return Objects.requireNonNull(in, "openapi.json is missing from the jar").readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private String token;
        private Sandbox sandbox;
        private SandboxPolicy policy = SandboxPolicy.defaults();
        private RunAgents agents;
        private RunStore store;
        private Tools tools = Tools.none();
        private String defaultModel;
        private List<String> models = List.of();
        private ServerLimits limits = ServerLimits.defaults();
        private PrintWriter log = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);

        private Builder() {
        }

        /** The address to listen on (default 127.0.0.1); any other than loopback needs {@link #token}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port (default 8080; 0 takes a free one, see {@link #port()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The token clients must send; without it one is generated (see {@link #token()}). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder sandbox(Sandbox sandbox) {
            this.sandbox = sandbox;
            return this;
        }

        /** The sessions' and runs' default policy (a session's request may set its own language and limits). */
        public Builder policy(SandboxPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder agents(RunAgents agents) {
            this.agents = agents;
            return this;
        }

        /** The run store: the runs' history and report, and runs read back after they ended (optional). */
        public Builder store(RunStore store) {
            this.store = store;
            return this;
        }

        /** Host tools, defined in every session as in the agents' (optional). */
        public Builder tools(Tools tools) {
            this.tools = Objects.requireNonNull(tools, "tools");
            return this;
        }

        /** The model of a run that names none, and those the page offers (the default among them or not). */
        public Builder models(String defaultModel, List<String> models) {
            this.defaultModel = defaultModel;
            List<String> all = new ArrayList<>();
            if (defaultModel != null) {
                all.add(defaultModel);
            }
            models.stream().filter(model -> !all.contains(model)).forEach(all::add);
            this.models = all;
            return this;
        }

        public Builder limits(ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Where the server notes failures a client does not see (default: standard error). */
        public Builder log(PrintWriter log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Starts listening. A host other than loopback without a token is refused, as is a server without a
         * sandbox or agents.
         */
        public CodeactServer start() {
            Objects.requireNonNull(sandbox, "the server needs a sandbox");
            Objects.requireNonNull(agents, "the server needs agents");
            if (token == null && !Access.isLoopback(host)) {
                throw new IllegalArgumentException("listening on " + host + ", which is not a loopback address, needs "
                        + "a token chosen by you (--token or CODEACT_SERVE_TOKEN): anyone who can reach the port "
                        + "could otherwise run code.");
            }
            if (token != null && token.length() < 16) {
                throw new IllegalArgumentException("the token must have at least 16 characters; a generated one has 48.");
            }
            CodeactServer server = new CodeactServer(this);
            sandbox.prepare(policy); // the fork server starts now: the first session is forked, as the rest
            return server;
        }
    }
}
