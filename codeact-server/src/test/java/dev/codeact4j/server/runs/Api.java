package dev.codeact4j.server.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.server.CodeactServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A client of a test server's API, as a program would be one: the JDK's HTTP client, the token as a bearer token. */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A response: its status, headers and body as JSON (a missing node when the body is empty). */
    record Answer(int status, HttpResponse<String> response, JsonNode body) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    /** One Server-Sent Event as received. */
    record Event(long id, String kind, JsonNode data) {
        @Override
        public String toString() {
            return id + " " + kind + " " + data;
        }
    }

    private final CodeactServer server;

    Api(CodeactServer server) {
        this.server = server;
    }

    URI uri(String path) {
        return server.url().resolve(path);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + server.token())
                .timeout(Duration.ofSeconds(60));
    }

    Answer post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer get(String path) {
        return send(request(path).GET());
    }

    Answer delete(String path) {
        return send(request(path).DELETE());
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? JSON.missingNode() : JSON.readTree(response.body());
            return new Answer(response.statusCode(), response, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a run and returns its id; fails unless it was accepted. */
    String start(String body) {
        Answer answer = post("/api/runs", body);
        if (answer.status() != 202) {
            throw new AssertionError("the run was not accepted: " + answer.status() + " " + answer.body());
        }
        return answer.body().get("id").asText();
    }

    /** An open event stream of a run, read as the events come. */
    EventStreamReader events(String id, HttpRequest.Builder request) {
        try {
            HttpResponse<InputStream> response = HTTP.send(request.header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            return new EventStreamReader(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    EventStreamReader events(String id) {
        return events(id, request("/api/runs/" + id + "/events"));
    }

    /** Every event of a run's stream, to its end. */
    List<Event> allEvents(String id) {
        try (EventStreamReader stream = events(id)) {
            return stream.until(event -> false);
        }
    }

    /** Reads a stream of events: the frames as the specification of Server-Sent Events has them. */
    static final class EventStreamReader implements AutoCloseable {
        private final HttpResponse<InputStream> response;
        private final BufferedReader reader;
        final List<String> comments = new ArrayList<>();

        EventStreamReader(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        }

        HttpResponse<InputStream> response() {
            return response;
        }

        /** The next event, or null when the stream has ended. */
        Event next() {
            long id = -1;
            String kind = "message";
            StringBuilder data = null;
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (data != null) {
                            return new Event(id, kind, JSON.readTree(data.toString()));
                        }
                        continue;
                    }
                    if (line.startsWith(":")) {
                        comments.add(line);
                    } else if (line.startsWith("id: ")) {
                        id = Long.parseLong(line.substring(4));
                    } else if (line.startsWith("event: ")) {
                        kind = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                    }
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The events up to and with the first that {@code last} accepts, or to the stream's end. */
        List<Event> until(Predicate<Event> last) {
            List<Event> events = new ArrayList<>();
            Event event;
            while ((event = next()) != null) {
                events.add(event);
                if (last.test(event)) {
                    break;
                }
            }
            return events;
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException e) {
                // gone already
            }
        }
    }
}
