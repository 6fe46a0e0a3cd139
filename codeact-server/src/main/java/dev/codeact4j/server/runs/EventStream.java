package dev.codeact4j.server.runs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Writes a run's events to one client as Server-Sent Events: those after the client's last (its
 * {@code Last-Event-ID}), then each as it comes, flushed at once, until {@code end}. While nothing happens a comment
 * goes out every {@code keepAlive}: proxies and the server's own idle timeout then keep the connection, and a
 * client that has gone is noticed (the write fails). A client that goes away ends only its stream, never the run.
 */
final class EventStream {
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final byte[] KEEP_ALIVE_COMMENT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private EventStream() {
    }

    /**
     * Writes the events of {@code log} after the one numbered {@code after} to {@code out}; returns when the log has
     * ended and all of it is written. Throws IOException when the client has gone.
     */
    static void write(EventLog log, long after, OutputStream out, Duration keepAlive)
            throws IOException, InterruptedException {
        long last = after;
        while (true) {
            List<EventLog.Event> next = log.after(last, keepAlive);
            if (next.isEmpty()) {
                if (log.ended()) {
                    return; // nothing after the client's last: it had the end already
                }
                out.write(KEEP_ALIVE_COMMENT);
                out.flush();
                continue;
            }
            for (EventLog.Event event : next) {
                out.write(event.frame());
                last = event.id();
            }
            out.flush();
            if (next.get(next.size() - 1).kind().equals(EventLog.END)) {
                return;
            }
        }
    }
}
