package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.store.StoredRun;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code codeact serve} in a process of its own, stopped as a service manager stops it: SIGTERM while a run is
 * under way. It lets the run have its grace, stops it, records it as incomplete, and exits 0.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a measure of speed
class ServeShutdownTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+/)");
    private static final String TOKEN = "a-token-chosen-for-this-test-0123456789";
    private static final int GRACE_SECONDS = 2;
    private static final long DEADLINE_SECONDS = 120;

    @TempDir
    Path home;

    @Test
    void sigtermLetsTheRunHaveItsGraceThenRecordsItIncompleteAndExitsZero() throws Exception {
        Path err = home.resolve("serve-err.txt");
        try (ScriptedModelServer model = ScriptedModelServer.openAi()) {
            model.reply("Wait.\n```python\nimport time\nprint('sleeping', flush=True)\ntime.sleep(600)\n```");
            Process serve = ChildCodeact.startServing(home, err, "serve", "--port", "0", "--token", TOKEN,
                    "--model", "openai:scripted", "--base-url", model.baseUrl(), "--api-key", "k",
                    "--shutdown-grace", String.valueOf(GRACE_SECONDS));
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
                URI url = listeningUrl(out, err);
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> started = http.send(HttpRequest.newBuilder(url.resolve("/api/runs"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"Sleep through the shutdown.\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                String id = JSON.readTree(started.body()).get("id").asText();

                HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(url.resolve("/api/runs/" + id
                                + "/events?token=" + TOKEN)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    List<String> seen = new ArrayList<>();
                    readUntil(events, seen, "event: output");

                    serve.destroy(); // SIGTERM
                    String end = readUntil(events, seen, "event: end");
                    JsonNode data = JSON.readTree(events.readLine().substring("data: ".length()));
                    assertThat(end).isEqualTo("event: end");
                    assertThat(data.get("status").asText()).isEqualTo("incomplete");
                }

                assertThat(serve.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).as("codeact serve ends").isTrue();
                assertThat(serve.exitValue()).as(Files.readString(err)).isZero();
                try (RunStore store = RunStore.openIn(home)) {
                    StoredRun run = store.find(id).orElseThrow();
                    assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
                    assertThat(run.error()).isEqualTo("codeact serve stopped before the run finished");
                    assertThat(run.steps()).hasSize(1);
                    assertThat(run.steps().get(0).stdout()).isEqualTo("sleeping\n");
                }
            } finally {
                serve.destroyForcibly();
            }
        }
    }

    /** The server's address, from the line it prints when it listens. */
    private static URI listeningUrl(BufferedReader out, Path err) throws Exception {
        String line;
        while ((line = out.readLine()) != null) {
            Matcher listening = LISTENING.matcher(line);
            if (listening.find()) {
                return URI.create(listening.group(1));
            }
        }
        throw new AssertionError("codeact serve never said where it listens; its standard error: " + Files.readString(err));
    }

    /** Reads lines up to one that starts with {@code prefix}, which it returns. */
    private static String readUntil(BufferedReader events, List<String> seen, String prefix) throws Exception {
        String line;
        while ((line = events.readLine()) != null) {
            seen.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("the event stream ended before '" + prefix + "': " + seen);
    }
}
