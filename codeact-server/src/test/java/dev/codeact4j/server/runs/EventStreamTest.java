package dev.codeact4j.server.runs;

import dev.codeact4j.server.http.Json;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run's event log written as Server-Sent Events: frames, resumption, keep-alive comments, a client gone. */
class EventStreamTest {
    private static final Duration SHORT = Duration.ofMillis(20);

    @Test
    void whileNothingHappensKeepAliveCommentsGoOutThenTheEventsToTheEnd() throws Exception {
        EventLog log = new EventLog();
        log.add("step-started", Json.MAPPER.createObjectNode().put("step", 0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                EventStream.write(log, 0, out, SHORT);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!text(out).contains(": keep-alive") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        log.add("output", Json.MAPPER.createObjectNode().put("step", 0).put("stream", "stdout").put("text", "a\nb\n"));
        log.add(EventLog.END, Json.MAPPER.createObjectNode().put("status", "succeeded"));
        writer.join();

        String written = text(out);
        assertThat(written).startsWith("id: 1\nevent: step-started\ndata: {\"step\":0}\n\n: keep-alive\n\n")
                .endsWith("id: 2\nevent: output\ndata: {\"step\":0,\"stream\":\"stdout\",\"text\":\"a\\nb\\n\"}\n\n"
                        + "id: 3\nevent: end\ndata: {\"status\":\"succeeded\"}\n\n");
    }

    @Test
    void aClientWithTheEndAlreadyGetsNothingMoreAndEventsAfterTheEndAreDropped() throws Exception {
        EventLog log = new EventLog();
        log.add("step-started", Json.MAPPER.createObjectNode().put("step", 0));
        log.add(EventLog.END, Json.MAPPER.createObjectNode().put("status", "cancelled"));
        log.add("model-text", Json.MAPPER.createObjectNode().put("text", "an abandoned reply streams on"));
        assertThat(log.size()).isEqualTo(2);

        ByteArrayOutputStream resumed = new ByteArrayOutputStream();
        EventStream.write(log, 1, resumed, SHORT);
        assertThat(text(resumed)).isEqualTo("id: 2\nevent: end\ndata: {\"status\":\"cancelled\"}\n\n");
        ByteArrayOutputStream done = new ByteArrayOutputStream();
        EventStream.write(log, 2, done, SHORT);
        assertThat(text(done)).isEmpty();
    }

    @Test
    void aClientThatHasGoneEndsItsStreamOnly() {
        EventLog log = new EventLog();
        log.add("step-started", Json.MAPPER.createObjectNode().put("step", 0));
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        assertThatThrownBy(() -> EventStream.write(log, 0, gone, SHORT)).isInstanceOf(IOException.class);
        log.add("step-finished", Json.MAPPER.createObjectNode().put("step", 0));
        assertThat(log.size()).isEqualTo(2);
        assertThat(log.ended()).isFalse();
    }

    private static String text(ByteArrayOutputStream out) {
        return out.toString(StandardCharsets.UTF_8);
    }
}
