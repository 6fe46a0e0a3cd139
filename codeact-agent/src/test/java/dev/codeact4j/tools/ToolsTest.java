package dev.codeact4j.tools;

import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.PythonTool;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.StartupFileException;
import dev.codeact4j.sandbox.ToolCall;
import dev.langchain4j.agent.tool.P;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Host tools as Python functions, called from code in the real sandbox. */
class ToolsTest {
    private static Session session;
    private static final AtomicInteger CALLS = new AtomicInteger();

    /** A LangChain4j tool class, as a user would already have it. */
    public static class Weather {
        @dev.langchain4j.agent.tool.Tool("Returns the temperature in a city, in degrees.")
        public double temperature(@P("the city's name") String city, @P(value = "celsius or fahrenheit", required = false) String unit) {
            double celsius = switch (city) {
                case "Oslo" -> 3.5;
                case "Lima" -> 19.0;
                default -> throw new IllegalArgumentException("no weather station in " + city);
            };
            return "fahrenheit".equals(unit) ? celsius * 9 / 5 + 32 : celsius;
        }
    }

    static final Tools TOOLS = Tools.of(List.of(
            Tool.builder("square").description("Squares a number.")
                    .parameter("x", "number", "the number")
                    .function(args -> {
                        CALLS.incrementAndGet();
                        return args.path("x").asDouble() * args.path("x").asDouble();
                    }).build(),
            Tool.builder("lookup-user").description("Finds a user by id.")
                    .parameter("id", "integer", "the user's id")
                    .optionalParameter("fields", "array", "which fields to return", null)
                    .optionalParameter("active_only", "boolean", "skip inactive users", true)
                    .function(args -> Map.of("id", args.path("id").asInt(), "name", "user" + args.path("id").asInt(),
                            "asked", args.has("fields") ? args.get("fields") : "all",
                            "active_only", args.path("active_only").asBoolean()))
                    .build(),
            Tool.builder("explode").description("Always fails.")
                    .function(args -> {
                        throw new IllegalStateException("the warehouse database is down");
                    }).build(),
            Tool.builder("slow").description("Takes too long.")
                    .function(args -> {
                        Thread.sleep(5_000);
                        return "late";
                    }).build()))
            .plus(AnnotatedTools.from(new Weather()));

    @BeforeAll
    static void open() {
        session = Sandbox.create().open(SandboxPolicy.builder().timeout(Duration.ofSeconds(30)).build());
        session.toolHandler(TOOLS.handler(Duration.ofMillis(500)));
        ExecutionResult defined = session.execute(TOOLS.pythonDefinitions());
        assertThat(defined.error()).as(TOOLS.pythonDefinitions()).isNull();
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void aJavaToolCalledAHundredTimesFromALoopGivesTheRightResults() {
        int before = CALLS.get();
        ExecutionResult result = session.execute("""
                squares = [square(i) for i in range(100)]
                (sum(squares), squares[7], type(squares[7]).__name__)
                """);
        assertThat(result.error()).isNull();
        double expected = 0;
        for (int i = 0; i < 100; i++) {
            expected += (double) i * i;
        }
        assertThat(result.result().json().get(0).asDouble()).isEqualTo(expected);
        assertThat(result.result().json().get(1).asDouble()).isEqualTo(49.0);
        assertThat(result.result().json().get(2).asText()).isEqualTo("float");
        assertThat(CALLS.get() - before).isEqualTo(100);
        assertThat(result.toolCalls()).hasSize(100).allSatisfy(call -> assertThat(call.ok()).isTrue());
        ToolCall seventh = result.toolCalls().get(7);
        assertThat(seventh.name()).isEqualTo("square");
        assertThat(seventh.arguments().path("x").asInt()).isEqualTo(7);
        assertThat(seventh.result().asDouble()).isEqualTo(49.0);
    }

    @Test
    void argumentsGoByPositionOrKeywordWithDefaultsAndOddNamesMadeValid() {
        ExecutionResult result = session.execute("(lookup_user(7), lookup_user(id=8, fields=['name']), lookup_user(9, None, False))");
        assertThat(result.error()).isNull();
        assertThat(result.result().json().get(0).path("name").asText()).isEqualTo("user7");
        assertThat(result.result().json().get(0).path("asked").asText()).isEqualTo("all");
        assertThat(result.result().json().get(0).path("active_only").asBoolean()).isTrue();
        assertThat(result.result().json().get(1).path("asked").toString()).isEqualTo("[\"name\"]");
        assertThat(result.result().json().get(2).path("active_only").asBoolean()).isFalse();
        assertThat(session.execute("lookup_user()").error().type()).isEqualTo("TypeError");
    }

    @Test
    void aFailingToolRaisesToolErrorWithItsMessage() {
        ExecutionResult result = session.execute("""
                try:
                    explode()
                except ToolError as error:
                    print('caught:', error)
                explode()
                """);
        assertThat(result.stdout()).isEqualTo("caught: the warehouse database is down\n");
        assertThat(result.error().type()).isEqualTo("ToolError");
        assertThat(result.error().message()).isEqualTo("the warehouse database is down");
        assertThat(result.error().traceback()).containsPattern("<cell-\\d+>\", line 5").doesNotContain("kernel.py");
        assertThat(result.toolCalls()).hasSize(2).allSatisfy(call -> assertThat(call.error()).isEqualTo("the warehouse database is down"));
    }

    @Test
    void aSlowToolTimesOutWithAClearMessageAndTheSessionGoesOn() {
        ExecutionResult result = session.execute("slow()");
        assertThat(result.error().type()).isEqualTo("ToolError");
        assertThat(result.error().message()).contains("slow took longer than its time limit of 0.5 s");
        assertThat(session.execute("square(3)").result().json().asDouble()).isEqualTo(9.0);
    }

    @Test
    void langChain4jToolClassesWorkUnchanged() {
        ExecutionResult result = session.execute("(temperature('Oslo'), temperature('Lima', unit='fahrenheit'))");
        assertThat(result.error()).isNull();
        assertThat(result.result().json().toString()).isEqualTo("[3.5,66.2]");
        ExecutionResult unknown = session.execute("temperature('Atlantis')");
        assertThat(unknown.error().type()).isEqualTo("ToolError");
        assertThat(unknown.error().message()).contains("no weather station in Atlantis");
    }

    @Test
    void theModelSeesTheToolsAsPythonStubs() {
        String stubs = TOOLS.pythonStubs();
        assertThat(stubs).contains("def square(x: float):\n    \"\"\"Squares a number.\n\n    Args:\n        x: the number\n    \"\"\"\n    ...")
                .contains("def lookup_user(id: int, fields: list = None, active_only: bool = True):")
                .contains("def temperature(city: str, unit: str = None):")
                .contains("Returns the temperature in a city, in degrees.")
                .doesNotContain("_codeact_call_tool");
    }

    @Test
    void toolsThatWouldShareAPythonNameAreRefused() {
        Tool a = Tool.builder("get-item").function(args -> 1).build();
        Tool b = Tool.builder("get_item").function(args -> 2).build();
        assertThatThrownBy(() -> Tools.of(a, b)).hasMessageContaining("get_item").hasMessageContaining("rename one");
        assertThat(PythonStubs.identifier("print")).isEqualTo("print_");
        assertThat(PythonStubs.identifier("3d-model")).isEqualTo("_3d_model");
    }

    @Test
    void codeWithoutToolsGetsAClearError() {
        try (Session bare = Sandbox.create().open(SandboxPolicy.defaults())) {
            bare.execute(Tools.of(Tool.builder("ping").function(args -> "pong").build()).pythonDefinitions());
            ExecutionResult result = bare.execute("ping()");
            assertThat(result.error().type()).isEqualTo("ToolError");
            assertThat(result.error().message()).contains("no host tools");
        }
    }

    @Test
    void aPythonToolFilesFunctionIsShownInTheStubFormWithItsOwnSignatureAndDocstring() {
        PythonTool max = new PythonTool("max", "(values: list[float], *, strict: bool = False) -> float",
                "The largest value, as \"\"\"this\"\"\" suite has it.\n\nArgs:\n    values: numbers, e.g. [1, 2]", "m3.py");
        PythonTool bare = new PythonTool("ping", "()", "", "m3.py");

        assertThat(TOOLS.stubs(Language.PYTHON, List.of(max, bare))).startsWith("def square(").endsWith("""
                def max(values: list[float], *, strict: bool = False) -> float:
                    \"""The largest value, as \\"\\"\\"this\\"\\"\\" suite has it.

                    Args:
                        values: numbers, e.g. [1, 2]
                    \"""
                    ...

                def ping():
                    ...""");
        assertThatThrownBy(() -> TOOLS.checkNoClash(List.of(new PythonTool("square", "(x)", "", "mine.py"))))
                .isInstanceOf(StartupFileException.class)
                .hasMessage("the Python tool file mine.py defines square, which is also the function of the host tool "
                        + "'square' (a Java or MCP tool); rename one of them");
        TOOLS.checkNoClash(List.of(max, bare));
    }
}
