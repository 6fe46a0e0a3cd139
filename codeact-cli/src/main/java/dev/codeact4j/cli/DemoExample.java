package dev.codeact4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.Language;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One of {@code codeact demo}'s examples, read from {@code dev/codeact4j/cli/demo/NAME.json}: a task, the model
 * replies recorded for it, and data files the task works on.
 *
 * @param name    what {@code codeact demo NAME} calls it
 * @param title   what it shows, for the heading
 * @param task    the task as the model was given it
 * @param language the language the replies' code is in ({@code "language"} in the resource; Python when absent)
 * @param files   files to put in the session's working directory: their name there, and the resource they come from
 * @param replies the model's replies, in order
 */
record DemoExample(String name, String title, String task, Language language, Map<String, String> files,
                   List<String> replies) {

    /** The examples, in the order {@code codeact demo} runs them. */
    static final List<String> NAMES = List.of("stock", "physics", "news", "stock-js");

    private static final Map<String, String> RESOURCES = Map.of(
            "stock", "stock-analysis.json",
            "physics", "physics-experiment.json",
            "news", "news-headlines.json",
            "stock-js", "stock-analysis-js.json");

    static List<DemoExample> all() {
        return NAMES.stream().map(DemoExample::named).toList();
    }

    /** The example of this name; null when there is none. */
    static DemoExample named(String name) {
        String resource = RESOURCES.get(name);
        if (resource == null) {
            return null;
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(resource(resource));
        } catch (IOException e) {
            throw new UncheckedIOException("the demo resource " + resource + " is not valid JSON", e);
        }
        Map<String, String> files = new LinkedHashMap<>();
        json.path("files").properties().forEach(file -> files.put(file.getKey(), file.getValue().asText()));
        List<String> replies = new ArrayList<>();
        json.path("replies").forEach(reply -> replies.add(reply.asText()));
        return new DemoExample(json.path("name").asText(), json.path("title").asText(), json.path("task").asText(),
                Language.parse(json.path("language").asText(Language.PYTHON.id())), files, replies);
    }

    /** Writes the example's data files into the session's working directory. */
    void writeFiles(Path workdir) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.write(workdir.resolve(file.getKey()), resource(file.getValue()));
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = DemoExample.class.getResourceAsStream("demo/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the demo resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo resource " + name, e);
        }
    }
}
