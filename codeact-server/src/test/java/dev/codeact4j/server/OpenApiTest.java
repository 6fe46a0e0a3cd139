package dev.codeact4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.server.settings.InvalidRequestException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** /api/openapi.json describes exactly the routes the server serves, each with its method, and its references resolve. */
class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");
    private static CodeactServer server;
    private static JsonNode document;

    @BeforeAll
    static void start() throws Exception {
        server = CodeactServer.builder().port(0).sandbox(Sandbox.create())
                .agents(request -> {
                    throw new InvalidRequestException("model", "no model in this test");
                })
                .log(new PrintWriter(new StringWriter()))
                .start();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        server.url().resolve("/api/openapi.json")).header("Authorization", "Bearer " + server.token()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith("application/json"));
        document = JSON.readTree(response.body());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedRouteIsServed() {
        Set<String> served = new TreeSet<>();
        Set<String> servletPaths = new TreeSet<>();
        for (String route : server.apiRoutes()) {
            if (route.startsWith("* ")) {
                servletPaths.add(route.substring(2));
            } else {
                served.add(route);
            }
        }
        Set<String> documented = new TreeSet<>();
        Set<String> documentedServlets = new TreeSet<>();
        for (Iterator<String> paths = document.get("paths").fieldNames(); paths.hasNext(); ) {
            String path = paths.next();
            for (Iterator<String> keys = document.get("paths").get(path).fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (METHODS.contains(key)) {
                    (servletPaths.contains(path) ? documentedServlets : documented)
                            .add(key.toUpperCase(Locale.ROOT) + " " + path);
                }
            }
        }

        assertThat(served).as("the routes of /api and their OpenAPI entries").isNotEmpty().isEqualTo(documented);
        assertThat(servletPaths).as("MCP over HTTP, a servlet").contains("/mcp");
        for (String path : servletPaths) {
            assertThat(documentedServlets).as("the methods documented for " + path).isNotEmpty();
        }
        assertThat(served).contains("POST /api/runs", "GET /api/runs/{id}/events", "DELETE /api/runs/{id}",
                "GET /api/report", "POST /api/sessions/{id}/execute", "PUT /api/sessions/{id}/files/{path}");
    }

    @Test
    void everyReferenceResolvesAndEveryOperationSaysWhatItAnswers() {
        List<String> problems = new ArrayList<>();
        check(document, "#", problems);
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            if (METHODS.contains(operation.getKey())) {
                JsonNode responses = operation.getValue().get("responses");
                if (operation.getValue().path("summary").asText().isBlank() || responses == null || responses.isEmpty()) {
                    problems.add(operation.getKey() + " " + path.getKey() + " lacks a summary or its responses");
                }
                if (path.getKey().startsWith("/api/") && !path.getKey().equals("/api/openapi.json")
                        && (responses == null || !responses.has("401"))) {
                    problems.add(operation.getKey() + " " + path.getKey() + " does not document its 401");
                }
            }
        }));
        assertThat(problems).isEmpty();
    }

    private static void check(JsonNode node, String where, List<String> problems) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && (!ref.asText().startsWith("#/") || document.at(ref.asText().substring(1)).isMissingNode())) {
                problems.add(where + ": $ref " + ref.asText() + " resolves to nothing");
            }
            node.fields().forEachRemaining(field -> check(field.getValue(), where + "/" + field.getKey(), problems));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), where + "/" + i, problems);
            }
        }
    }
}
