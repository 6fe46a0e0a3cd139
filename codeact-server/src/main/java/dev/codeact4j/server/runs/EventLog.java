package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.server.http.Json;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's events in order, numbered 1, 2, 3... as Server-Sent Events carry them, kept whole so that a client that
 * comes late, or comes back with {@code Last-Event-ID}, gets them all; {@code end} is the last. Each event is
 * written to text once, however many clients read it. Safe to share between threads: the run appends, the
 * clients' streams wait for what comes next.
 */
final class EventLog {
    /** The kind of the last event of every run. */
    static final String END = "end";

    /**
     * One event as a Server-Sent Event frame: {@code id:}, {@code event:} and {@code data:} lines (the JSON, which
     * Jackson writes on one line) and the blank line that ends it.
     */
    record Event(long id, String kind, byte[] frame) {
        static Event of(long id, String kind, ObjectNode data) {
            String frame = "id: " + id + "\nevent: " + kind + "\ndata: " + Json.text(data) + "\n\n";
            return new Event(id, kind, frame.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final List<Event> events = new ArrayList<>();
    private long bytes;
    private boolean ended;

    /** Adds an event; nothing is added once the log has ended (an abandoned model reply may still stream). */
    synchronized void add(String kind, ObjectNode data) {
        if (ended) {
            return;
        }
        Event event = Event.of(events.size() + 1, kind, data);
        events.add(event);
        bytes += event.frame().length;
        if (kind.equals(END)) {
            ended = true;
        }
        notifyAll();
    }

    /**
     * The events after the one numbered {@code after} (all for 0). When there is none yet, waits up to
     * {@code wait} for one; empty when none came, or when the log has ended with nothing after {@code after}.
     */
    synchronized List<Event> after(long after, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (events.size() <= after && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return after >= events.size() ? List.of() : List.copyOf(events.subList((int) Math.max(0, after), events.size()));
    }

    synchronized boolean ended() {
        return ended;
    }

    /** How many events there are: the number of the last. */
    synchronized long size() {
        return events.size();
    }

    /** What the events take, as the text sent to clients (how the server bounds the logs it keeps). */
    synchronized long bytes() {
        return bytes;
    }
}
