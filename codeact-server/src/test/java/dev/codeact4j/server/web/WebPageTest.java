package dev.codeact4j.server.web;

import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.InvalidRequestException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The page's files over HTTP: no token needed, the right types, revalidated by ETag, nothing outside them. */
class WebPageTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static CodeactServer server;

    @BeforeAll
    static void start() {
        server = CodeactServer.builder().port(0).sandbox(Sandbox.create())
                .agents(request -> {
                    throw new InvalidRequestException("model", "no model in this test");
                })
                .log(new PrintWriter(new StringWriter()))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void thePageNeedsNoTokenAndAllowsOnlyItsOwnScripts() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(type(page)).isEqualTo("text/html;charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(WebPage.CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/assets/app.js\">").doesNotContain("http://")
                .doesNotContain("https://");
    }

    @Test
    void everyModuleThePageImportsIsServedWithItsType() throws Exception {
        // Follows the imports from app.js: a module missing from the jar, or served as another type, fails here.
        Pattern imports = Pattern.compile("from '(\\./|\\.\\./)([^']+)'");
        Deque<String> toRead = new ArrayDeque<>(List.of("app.js"));
        Set<String> read = new HashSet<>();
        while (!toRead.isEmpty()) {
            String path = toRead.pop();
            if (!read.add(path)) {
                continue;
            }
            HttpResponse<String> module = get("/assets/" + path);
            assertThat(module.statusCode()).as(path).isEqualTo(200);
            assertThat(type(module)).as(path).isEqualTo("text/javascript;charset=utf-8");
            String folder = path.contains("/") ? path.substring(0, path.lastIndexOf('/') + 1) : "";
            Matcher found = imports.matcher(module.body());
            while (found.find()) {
                toRead.add(found.group(1).equals("../") ? found.group(2) : folder + found.group(2));
            }
        }
        assertThat(read).contains("app.js", "api.js", "views/run.js", "views/console.js", "charts.js", "highlight.js");
        assertThat(type(get("/assets/app.css"))).isEqualTo("text/css;charset=utf-8");
        assertThat(type(get("/assets/icon.svg"))).isEqualTo("image/svg+xml");
    }

    @Test
    void aBrowserRevalidatesByETagAndGets304() throws Exception {
        HttpResponse<String> first = get("/assets/app.js");
        assertThat(first.headers().firstValue("Cache-Control")).hasValue("no-cache");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = send(HttpRequest.newBuilder(server.url().resolve("/assets/app.js"))
                .header("If-None-Match", etag).GET());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(get("/assets/app.css").headers().firstValue("ETag")).isPresent().get().isNotEqualTo(etag);
    }

    @Test
    void nothingButThePagesFilesIsServed() throws Exception {
        for (String path : new String[] {"/assets/nothing.js", "/assets/../dev/codeact4j/server/openapi.json",
                "/assets/%2e%2e/dev/codeact4j/server/openapi.json", "/assets/index.html", "/assets/App.JS",
                "/assets/dev/codeact4j/server/web/WebPage.class"}) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isIn(400, 404);
            assertThat(response.body()).as(path).doesNotContain("\"openapi\": \"3.1.0\"").doesNotContain("class WebPage");
        }
    }

    /** The media type as sent, spaces taken out (Jetty writes "text/html;charset=utf-8"). */
    private static String type(HttpResponse<String> response) {
        return response.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(server.url().resolve(path)).GET());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
