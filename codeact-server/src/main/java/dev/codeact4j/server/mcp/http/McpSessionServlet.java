package dev.codeact4j.server.mcp.http;

import dev.codeact4j.server.http.ApiErrors;
import dev.codeact4j.server.http.ApiException;
import dev.codeact4j.server.mcp.McpTools;
import io.modelcontextprotocol.spec.HttpHeaders;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SDK's streamable HTTP transport, with the life of each MCP session watched, so that its sandbox sessions end
 * with it: the SDK tells nobody when it drops a session. A session ends when its client deletes it
 * ({@code DELETE /mcp}), or when it has had no request in flight (a tool call, or the client's open event stream)
 * for the server's session TTL: the client went away. From then on a request naming it gets 404 (in the API's error
 * shape, as does one naming a session this transport never started), which MCP clients take as "initialize a new
 * session"; the SDK, which sees no more of it, drops its side at its own sweep (set to the same TTL).
 */
final class McpSessionServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** How long an ended session is answered 404 by this servlet: by then the SDK has dropped it too. */
    private static final int ENDED_KEPT_TTLS = 3;

    /** What is known of one MCP session the transport started. */
    private static final class Activity {
        int inFlight;
        Instant lastUsed;

        Activity(Instant now) {
            lastUsed = now;
        }
    }

    private final transient HttpServlet transport;
    private final transient McpTools tools;
    private final Duration ttl;
    /** By MCP session id; guarded by this. */
    private final Map<String, Activity> live = new HashMap<>();
    /** MCP sessions ended here, and when; guarded by this. */
    private final Map<String, Instant> ended = new HashMap<>();
    /** Requests other than event streams being answered, for the shutdown to wait for; guarded by this. */
    private int callsInFlight;
    private volatile boolean accepting = true;

    McpSessionServlet(HttpServlet transport, McpTools tools, Duration ttl) {
        this.transport = transport;
        this.tools = tools;
        this.ttl = ttl;
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        transport.init(config);
    }

    @Override
    public void destroy() {
        transport.destroy();
        super.destroy();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String id = request.getHeader(HttpHeaders.MCP_SESSION_ID);
        if (id == null) {
            if (!accepting) {
                ApiErrors.write(response, ApiException.unavailable("The server is shutting down and starts no new "
                        + "MCP session."));
                return;
            }
            // Noted as the transport names it, before the answer goes out and the client's next request comes.
            transport.service((ServletRequest) request, new HttpServletResponseWrapper(response) {
                @Override
                public void setHeader(String name, String value) {
                    noteStarted(name, value);
                    super.setHeader(name, value);
                }

                @Override
                public void addHeader(String name, String value) {
                    noteStarted(name, value);
                    super.addHeader(name, value);
                }
            });
            return;
        }
        boolean call = !"GET".equals(request.getMethod());
        String unknown = begin(id, call);
        if (unknown != null) {
            ApiErrors.write(response, ApiException.notFound(unknown));
            return;
        }
        AtomicBoolean finished = new AtomicBoolean();
        Runnable finish = () -> {
            if (finished.compareAndSet(false, true)) {
                end(id, call);
            }
        };
        Tracked tracked = new Tracked(request, finish);
        try {
            transport.service((ServletRequest) tracked, response);
        } finally {
            if (!tracked.async) {
                finish.run();
            }
        }
        if ("DELETE".equals(request.getMethod()) && response.getStatus() == HttpServletResponse.SC_OK) {
            deleted(id);
        }
    }

    /** No new MCP session from now on (initialize is answered 503). */
    void stopAccepting() {
        accepting = false;
    }

    /** Waits until no call is being answered, or the deadline has passed; whether none is. */
    synchronized boolean awaitCalls(Instant deadline) throws InterruptedException {
        while (callsInFlight > 0) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Ends the sessions that have had nothing in flight for the TTL: their clients went away. */
    void endIdle(Instant now) {
        List<String> idle = new ArrayList<>();
        synchronized (this) {
            live.forEach((id, activity) -> {
                if (activity.inFlight == 0 && !activity.lastUsed.plus(ttl).isAfter(now)) {
                    idle.add(id);
                }
            });
            idle.forEach(id -> {
                live.remove(id);
                ended.put(id, now);
            });
            ended.values().removeIf(when -> when.plus(ttl.multipliedBy(ENDED_KEPT_TTLS)).isBefore(now));
        }
        idle.forEach(tools::endSession);
    }

    private void noteStarted(String header, String id) {
        if (HttpHeaders.MCP_SESSION_ID.equalsIgnoreCase(header)) {
            synchronized (this) {
                live.put(id, new Activity(Instant.now()));
            }
        }
    }

    /** Notes a request of session {@code id}; when there is no such session, why (for a 404), else null. */
    private synchronized String begin(String id, boolean call) {
        Activity activity = live.get(id);
        if (activity == null) {
            return ended.containsKey(id) ? "The MCP session " + id + " has ended: it had nothing to do for "
                    + ttl.toSeconds() + " s (the server's session TTL). Initialize a new session."
                    : "No MCP session " + id + " here: it was deleted, or the server has restarted since. "
                    + "Initialize a new session.";
        }
        activity.inFlight++;
        activity.lastUsed = Instant.now();
        if (call) {
            callsInFlight++;
        }
        return null;
    }

    private synchronized void end(String id, boolean call) {
        Activity activity = live.get(id);
        if (activity != null) { // else deleted meanwhile
            activity.inFlight--;
            activity.lastUsed = Instant.now();
        }
        if (call) {
            callsInFlight--;
            notifyAll();
        }
    }

    private void deleted(String id) {
        synchronized (this) {
            live.remove(id);
        }
        tools.endSession(id);
    }

    /**
     * The request as the transport sees it, telling when an asynchronous answer (an event stream, a tool call's
     * result) is done: the listener is added as the transport starts it, so no end can be missed.
     */
    private static final class Tracked extends HttpServletRequestWrapper {
        private final Runnable finish;
        private volatile boolean async;

        Tracked(HttpServletRequest request, Runnable finish) {
            super(request);
            this.finish = finish;
        }

        @Override
        public AsyncContext startAsync() {
            return tracked(super.startAsync());
        }

        @Override
        public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
            return tracked(super.startAsync(request, response));
        }

        private AsyncContext tracked(AsyncContext context) {
            async = true;
            context.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    finish.run();
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    finish.run();
                }

                @Override
                public void onError(AsyncEvent event) {
                    finish.run();
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    // the same answer goes on
                }
            });
            return context;
        }
    }
}
