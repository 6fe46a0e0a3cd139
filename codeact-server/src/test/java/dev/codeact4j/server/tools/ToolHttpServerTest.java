package dev.codeact4j.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.tools.AnnotatedTools;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import dev.langchain4j.agent.tool.P;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tools over HTTP: a real server on 127.0.0.1, called with the JDK's HTTP client and from Python. */
class ToolHttpServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "test-token-0123456789";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final List<ToolHttpServer.Call> CALLS = new CopyOnWriteArrayList<>();
    private static ToolHttpServer server;

    /** A LangChain4j tool class, as a user would already have it. */
    public static class Inventory {
        @dev.langchain4j.agent.tool.Tool("How many of an item are in stock.")
        public int stock(@P("the item's name") String item) {
            return item.length();
        }
    }

    static final Tools TOOLS = Tools.of(List.of(
            Tool.builder("add").description("Adds two integers.")
                    .parameter("a", "integer", "the first")
                    .parameter("b", "integer", "the second")
                    .function(args -> args.path("a").asLong() + args.path("b").asLong()).build(),
            Tool.builder("greet").description("Greets someone.")
                    .parameter("name", "string", "who")
                    .optionalParameter("punctuation", "string", "what ends the greeting", "!")
                    .function(args -> java.util.Map.of("greeting",
                            "Hello, " + args.path("name").asText() + args.path("punctuation").asText("!"))).build(),
            Tool.builder("explode").description("Always fails.")
                    .function(args -> {
                        throw new IllegalStateException("the warehouse database is down");
                    }).build(),
            Tool.builder("slow").description("Takes too long.")
                    .function(args -> {
                        Thread.sleep(5_000);
                        return "late";
                    }).build()))
            .plus(AnnotatedTools.from(new Inventory()));

    @BeforeAll
    static void start() throws IOException {
        server = ToolHttpServer.builder(TOOLS).port(0).token(TOKEN).callTimeout(Duration.ofMillis(300))
                .maxBodyBytes(4096).listener(CALLS::add).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Answer(int status, JsonNode body, HttpResponse<String> response) {
        String errorType() {
            return body.path("error").path("type").asText();
        }

        String errorMessage() {
            return body.path("error").path("message").asText();
        }
    }

    private static Answer post(String body) throws Exception {
        return post(body, "Bearer " + TOKEN);
    }

    private static Answer post(String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri().resolve("/tool"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request.build());
    }

    private static Answer send(HttpRequest request) throws Exception {
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        // Jetty writes the parameter without the space: application/json;charset=utf-8, the same type.
        assertThat(response.headers().firstValue("Content-Type").orElseThrow().replace(" ", ""))
                .isEqualToIgnoringCase("application/json;charset=utf-8");
        return new Answer(response.statusCode(), JSON.readTree(response.body()), response);
    }

    @Test
    void aCallAnswersTheToolsResult() throws Exception {
        Answer sum = post("{\"tool\": \"add\", \"args\": {\"a\": 40, \"b\": 2}}");
        assertThat(sum.status()).isEqualTo(200);
        assertThat(sum.body().toString()).isEqualTo("{\"result\":42}");

        Answer greeting = post("{\"tool\": \"greet\", \"args\": {\"name\": \"Ada\"}}");
        assertThat(greeting.body().path("result").path("greeting").asText()).isEqualTo("Hello, Ada!");

        Answer annotated = post("{\"tool\": \"stock\", \"args\": {\"item\": \"apples\"}}");
        assertThat(annotated.status()).isEqualTo(200);
        assertThat(annotated.body().path("result").asInt()).isEqualTo(6);

        // Python's json module sends 2.0 for a float of whole value: JSON Schema counts it as an integer.
        assertThat(post("{\"tool\": \"add\", \"args\": {\"a\": 2.0, \"b\": 1}}").body().path("result").asLong()).isEqualTo(3);

        assertThat(CALLS).anySatisfy(call -> {
            assertThat(call.tool()).isEqualTo("stock");
            assertThat(call.status()).isEqualTo(200);
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.path()).isEqualTo("/tool");
            assertThat(call.error()).isNull();
        });
    }

    @Test
    void withoutTheTokenOrWithAWrongOneTheAnswerIs401() throws Exception {
        Answer none = post("{\"tool\": \"add\", \"args\": {\"a\": 1, \"b\": 2}}", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.errorType()).isEqualTo("unauthorized");
        assertThat(none.errorMessage()).contains("Authorization: Bearer TOKEN");
        assertThat(none.response().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));

        Answer wrong = post("{\"tool\": \"add\", \"args\": {\"a\": 1, \"b\": 2}}", "Bearer " + TOKEN + "x");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.errorMessage()).isEqualTo("wrong bearer token");

        Answer basic = post("{\"tool\": \"add\", \"args\": {\"a\": 1, \"b\": 2}}", "Basic dXNlcjpwYXNz");
        assertThat(basic.status()).isEqualTo(401);

        Answer list = send(HttpRequest.newBuilder(server.uri().resolve("/tools")).GET().build());
        assertThat(list.status()).as("listing the tools needs the token too").isEqualTo(401);

        // The scheme's name is case-insensitive (RFC 9110).
        assertThat(post("{\"tool\": \"add\", \"args\": {\"a\": 1, \"b\": 2}}", "bearer " + TOKEN).status()).isEqualTo(200);
    }

    @Test
    void anUnknownToolIs404AndNamesTheToolsThereAre() throws Exception {
        Answer answer = post("{\"tool\": \"subtract\", \"args\": {}}");
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.errorType()).isEqualTo("unknown_tool");
        assertThat(answer.errorMessage()).isEqualTo(
                "there is no tool named 'subtract'; the tools are: add, greet, explode, slow, stock");
    }

    @Test
    void badArgumentsAre400WithWhatIsWrong() throws Exception {
        Answer missing = post("{\"tool\": \"add\", \"args\": {\"a\": 1}}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorType()).isEqualTo("invalid_arguments");
        assertThat(missing.errorMessage()).isEqualTo(
                "bad arguments for the tool add: the required argument 'b' (an integer) is missing");

        Answer noArgs = post("{\"tool\": \"add\"}");
        assertThat(noArgs.status()).isEqualTo(400);
        assertThat(noArgs.errorMessage()).contains("'a' (an integer) is missing", "'b' (an integer) is missing");

        Answer wrongType = post("{\"tool\": \"add\", \"args\": {\"a\": \"one\", \"b\": 2.5}}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.errorMessage()).contains("the argument 'a' must be an integer, not a string",
                "the argument 'b' must be an integer, not a number");

        Answer unknown = post("{\"tool\": \"greet\", \"args\": {\"name\": \"Ada\", \"nmae\": \"Bob\"}}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.errorMessage()).contains("unknown argument 'nmae' (its arguments are: name, punctuation)");

        Answer notAnObject = post("{\"tool\": \"add\", \"args\": [1, 2]}");
        assertThat(notAnObject.status()).isEqualTo(400);
        assertThat(notAnObject.errorMessage()).isEqualTo(
                "\"args\" must be a JSON object of argument names to values, not an array");
    }

    /** The whole schema holds, not only the top level's names and types: ranges, enumerations, nested objects. */
    @Test
    void argumentsAreCheckedAgainstTheWholeSchema() throws Exception {
        JsonNode schema = JSON.readTree("""
                {"type": "object", "required": ["nights"], "properties": {
                  "nights": {"type": "integer", "minimum": 1},
                  "room": {"type": "string", "enum": ["single", "double"]},
                  "guest": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}
                """);
        Tool book = new Tool("book", "Books a room.", schema, args -> "booked");
        try (ToolHttpServer hotel = ToolHttpServer.builder(Tools.of(List.of(book))).port(0).token(TOKEN).start()) {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(hotel.uri().resolve("/tool"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"tool\": \"book\", \"args\": {\"nights\": 0, "
                            + "\"room\": \"suite\", \"guest\": {}}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
                    .isEqualTo("bad arguments for the tool book: the argument 'nights': must have a minimum value of 1; "
                            + "the argument 'room': does not have a value in the enumeration [\"single\", \"double\"]; "
                            + "the argument 'guest': required property 'name' not found");
        }
    }

    @Test
    void malformedRequestsAre400WrongMethods405AndTooLargeBodies413() throws Exception {
        Answer notJson = post("{\"tool\": \"add\", ");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.errorType()).isEqualTo("invalid_json");
        assertThat(notJson.errorMessage()).startsWith("the body is not valid JSON: ");

        Answer noTool = post("{\"args\": {}}");
        assertThat(noTool.status()).isEqualTo(400);
        assertThat(noTool.errorMessage()).contains("the body needs \"tool\"");

        assertThat(post("[1, 2]").status()).isEqualTo(400);
        assertThat(post("").status()).isEqualTo(400);

        Answer get = send(HttpRequest.newBuilder(server.uri().resolve("/tool"))
                .header("Authorization", "Bearer " + TOKEN).GET().build());
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.response().headers().firstValue("Allow")).hasValue("POST");

        Answer elsewhere = send(HttpRequest.newBuilder(server.uri().resolve("/run"))
                .header("Authorization", "Bearer " + TOKEN).GET().build());
        assertThat(elsewhere.status()).isEqualTo(404);
        assertThat(elsewhere.errorMessage()).contains("POST /tool and GET /tools");

        Answer large = post("{\"tool\": \"greet\", \"args\": {\"name\": \"" + "x".repeat(5000) + "\"}}");
        assertThat(large.status()).isEqualTo(413);
        assertThat(large.errorMessage()).contains("4096 bytes");
    }

    @Test
    void aToolThatThrowsIs500WithItsMessageAndOneThatTakesTooLong504() throws Exception {
        Answer failed = post("{\"tool\": \"explode\", \"args\": {}}");
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.errorType()).isEqualTo("tool_error");
        assertThat(failed.errorMessage()).isEqualTo("the warehouse database is down");
        assertThat(failed.body().path("error").path("exception").asText()).isEqualTo("java.lang.IllegalStateException");

        Answer slow = post("{\"tool\": \"slow\"}");
        assertThat(slow.status()).isEqualTo(504);
        assertThat(slow.errorType()).isEqualTo("tool_timeout");
        assertThat(slow.errorMessage()).contains("slow took longer than its time limit of 0.3 s");

        assertThat(CALLS).anySatisfy(call -> {
            assertThat(call.tool()).isEqualTo("explode");
            assertThat(call.status()).isEqualTo(500);
            assertThat(call.error()).isEqualTo("the warehouse database is down");
        });
    }

    @Test
    void getToolsListsNamesDescriptionsAndSchemas() throws Exception {
        Answer list = send(HttpRequest.newBuilder(server.uri().resolve("/tools"))
                .header("Authorization", "Bearer " + TOKEN).GET().build());
        assertThat(list.status()).isEqualTo(200);
        JsonNode tools = list.body().path("tools");
        assertThat(tools).hasSize(5);
        assertThat(tools.get(0).path("name").asText()).isEqualTo("add");
        assertThat(tools.get(0).path("description").asText()).isEqualTo("Adds two integers.");
        assertThat(tools.get(0).path("parameters").path("required").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(tools.get(4).path("name").asText()).isEqualTo("stock");
        assertThat(tools.get(4).path("parameters").path("properties").path("item").path("description").asText())
                .isEqualTo("the item's name");
    }

    @Test
    void aTokenIsGeneratedWhenNoneIsGivenAndATakenPortIsAClearError() throws Exception {
        try (ToolHttpServer other = ToolHttpServer.builder(TOOLS).port(0).start()) {
            assertThat(other.token()).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(server.token());
            assertThat(other.uri().toString()).isEqualTo("http://127.0.0.1:" + other.port());
            assertThat(ToolHttpServer.newToken()).isNotEqualTo(ToolHttpServer.newToken());
        }
        assertThatThrownBy(() -> ToolHttpServer.builder(TOOLS).port(server.port()).start())
                .isInstanceOf(BindException.class);
        assertThatThrownBy(() -> ToolHttpServer.builder(TOOLS).token("two words"))
                .hasMessageContaining("without spaces");
    }

    /**
     * The seed's hybrid pattern: code in a sandbox session (network allowed, so it shares the host's loopback)
     * POSTs to the endpoint with urllib, as a process outside codeact4j's own channel would.
     */
    @Test
    void sandboxedPythonCallsTheEndpointWithUrllib() {
        SandboxPolicy policy = SandboxPolicy.builder().network(true).allowImports("urllib")
                .timeout(Duration.ofSeconds(30)).build();
        try (Session session = Sandbox.create().open(policy)) {
            ExecutionResult result = session.execute("""
                    import json, urllib.request, urllib.error

                    def call_tool(tool, **args):
                        request = urllib.request.Request(
                            "%s/tool", data=json.dumps({"tool": tool, "args": args}).encode(),
                            headers={"Authorization": "Bearer %s", "Content-Type": "application/json"})
                        with urllib.request.urlopen(request) as response:
                            return json.loads(response.read())["result"]

                    try:
                        call_tool("add", a=1)
                    except urllib.error.HTTPError as error:
                        print(error.code, json.loads(error.read())["error"]["message"])
                    [call_tool("add", a=20, b=22), call_tool("greet", name="Lin", punctuation="?")["greeting"]]
                    """.formatted(server.uri(), TOKEN));
            assertThat(result.error()).isNull();
            assertThat(result.stdout()).isEqualTo(
                    "400 bad arguments for the tool add: the required argument 'b' (an integer) is missing\n");
            assertThat(result.result().json().toString()).isEqualTo("[42,\"Hello, Lin?\"]");
        }
    }
}
