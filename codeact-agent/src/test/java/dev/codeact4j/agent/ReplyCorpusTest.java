package dev.codeact4j.agent;

import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replies as real models write them, each run through the real agent loop: the scripted model server on
 * loopback (OpenAI's and Anthropic's wire formats, each streamed and not) and the real sandbox. Each shape has the answer it
 * must reach and the number of model calls it may take; the pass rate is printed. Every task is the same sum,
 * so that a draft run by mistake shows: the even numbers from 2 to 100 add up to 2550; a draft that stops at
 * 98 says 2450.
 */
class ReplyCorpusTest {
    private static final Sandbox SANDBOX = Sandbox.create();
    private static final String TASK = "What is the sum of the even numbers from 2 to 100?";
    private static final String RIGHT = "final_answer(sum(range(2, 101, 2)))";
    private static final String DRAFT = "final_answer(sum(range(2, 100, 2)))";

    /** One scripted reply: its text, whether the token limit cut it off, or the function it calls instead. */
    record Scripted(String text, boolean cutOff, String toolName) {
        static Scripted of(String text) {
            return new Scripted(text, false, null);
        }

        static Scripted cut(String text) {
            return new Scripted(text, true, null);
        }

        /** A call of the function {@code name} whose arguments are {@code arguments} (JSON). */
        static Scripted toolCall(String name, String arguments) {
            return new Scripted(arguments, false, name);
        }
    }

    /**
     * A reply shape: what the model says, step by step, and what must come of it.
     *
     * @param kind         the class (reasoning, truncated, fences, not-python, lists, prose, invented,
     *                     several-blocks, tool-call) or "works" for shapes understood before
     * @param observation  a text the first step's observation must contain, or null
     */
    record Shape(String kind, String name, List<Scripted> replies, String answer, int modelCalls, String observation) {
    }

    private static String py(String code) {
        return "```python\n" + code.strip() + "\n```";
    }

    private static Shape shape(String kind, String name, String answer, int calls, String observation, Scripted... replies) {
        return new Shape(kind, name, List.of(replies), answer, calls, observation);
    }

    private static Shape oneCall(String kind, String name, String reply) {
        return shape(kind, name, "2550", 1, null, Scripted.of(reply));
    }

    /** A first reply that must not run (or not answer), then a plain right one. */
    private static Shape twoCalls(String kind, String name, String observation, Scripted first) {
        return shape(kind, name, "2550", 2, observation, first, Scripted.of(py(RIGHT)));
    }

    static List<Shape> corpus() {
        List<Shape> shapes = new ArrayList<>();
        // --- shapes understood before ---------------------------------------------------------------------------
        shapes.add(oneCall("works", "a python fence", py(RIGHT)));
        shapes.add(oneCall("works", "a py tag", "```py\n" + RIGHT + "\n```"));
        shapes.add(oneCall("works", "a Python3 tag", "```Python3\n" + RIGHT + "\n```"));
        shapes.add(oneCall("works", "an untagged fence", "```\n" + RIGHT + "\n```"));
        shapes.add(oneCall("works", "a tilde fence", "~~~python\n" + RIGHT + "\n~~~"));
        shapes.add(oneCall("works", "a four-backtick fence", "````python\n" + RIGHT + "\n````"));
        shapes.add(oneCall("works", "prose around the fence", "I add the even numbers.\n" + py(RIGHT) + "\nThis gives the sum."));
        shapes.add(oneCall("works", "code tags", "<code>" + RIGHT + "</code>"));
        shapes.add(oneCall("works", "a bare program", "evens = range(2, 101, 2)\nfinal_answer(sum(evens))"));
        shapes.add(oneCall("works", "an unterminated last fence", "Here:\n```python\n" + RIGHT + "\n"));
        shapes.add(oneCall("works", "a json example and a python block",
                "The answer will look like:\n```json\n{\"sum\": 0}\n```\n" + py(RIGHT)));
        shapes.add(oneCall("works", "two blocks building one program",
                py("evens = list(range(2, 101, 2))") + "\nThen:\n" + py("final_answer(sum(evens))")));
        shapes.add(shape("works", "a print, then the answer from the state", "2550", 2, "2550",
                Scripted.of(py("total = sum(range(2, 101, 2))\nprint(total)")), Scripted.of(py("final_answer(total)"))));
        shapes.add(shape("works", "an error, then the fix", "2550", 2, "NameError",
                Scripted.of(py("final_answer(totl)")), Scripted.of(py(RIGHT))));
        // --- 1. reasoning is not run ----------------------------------------------------------------------------
        shapes.add(oneCall("reasoning", "a draft inside think",
                "<think>\nMaybe:\n" + py(DRAFT) + "\nNo, range stops before its end.\n</think>\n" + py(RIGHT)));
        shapes.add(oneCall("reasoning", "only the closing think (the template opened it)",
                "Maybe:\n" + py(DRAFT) + "\nNo, that misses 100.\n</think>\n\n" + py(RIGHT)));
        shapes.add(oneCall("reasoning", "a draft inside thinking",
                "<thinking>\n" + py(DRAFT) + "\n</thinking>\n" + py(RIGHT)));
        shapes.add(oneCall("reasoning", "a draft inside reasoning",
                "<reasoning>" + DRAFT + "</reasoning>\n" + py(RIGHT)));
        shapes.add(oneCall("reasoning", "a bare draft inside think",
                "<think>\n" + DRAFT + "\n</think>\n" + py(RIGHT)));
        shapes.add(oneCall("reasoning", "an observation imagined inside think",
                "<think>\nIf I ran it:\nObservation: 2450\nbut 100 is even too.\n</think>\n" + py(RIGHT)));
        shapes.add(twoCalls("reasoning", "a think never closed (the reply ended inside it)", "No code was found",
                Scripted.of("<think>\nI could write\n" + py(DRAFT) + "\nand then")));
        // --- 2. truncated replies are not run -------------------------------------------------------------------
        shapes.add(twoCalls("truncated", "cut off inside think", "cut off",
                Scripted.cut("<think>\nA first try:\n" + py(DRAFT) + "\nLet me check whether range includes")));
        shapes.add(twoCalls("truncated", "cut off inside the program", "cut off",
                Scripted.cut("```python\ntotal = 0\nfor n in range(2, 101, 2):\n    total += n\nfinal_answer(tot")));
        shapes.add(twoCalls("truncated", "cut off after a whole-looking draft", "cut off",
                Scripted.cut(py(DRAFT) + "\nWait, that stops at 98; the right program is\n```python\nfinal_answer(sum(range(2, 1")));
        shapes.add(shape("truncated", "cut off twice", "2550", 3, "cut off",
                Scripted.cut("<think>\nLong thoughts " + "and more ".repeat(40)),
                Scripted.cut("<think>\nShorter, but still " + "on and on ".repeat(20)), Scripted.of(py(RIGHT))));
        // --- 3. fences closed in other ways ---------------------------------------------------------------------
        shapes.add(oneCall("fences", "```<end_code> (smolagents)",
                "Thought: I sum the even numbers.\nCode:\n```py\n" + RIGHT + "\n```<end_code>"));
        shapes.add(oneCall("fences", "```<end_code>, then prose",
                "Code:\n```py\n" + RIGHT + "\n```<end_code>\nThat should do it."));
        shapes.add(oneCall("fences", "a fence closed by a bare <end_code>",
                "Code:\n```py\n" + RIGHT + "\n<end_code>\nThis adds them up."));
        shapes.add(oneCall("fences", "a leaked <|im_end|>", py(RIGHT).replace("\n```", "\n```<|im_end|>")));
        shapes.add(oneCall("fences", "a leaked <|im_end|> on the code line", "```python\n" + RIGHT + "<|im_end|>"));
        shapes.add(oneCall("fences", "a fence closed at the end of the code line",
                "```python\nevens = range(2, 101, 2)\nfinal_answer(sum(evens))```\nThat is the sum."));
        shapes.add(oneCall("fences", "a fence opened at the end of a prose line",
                "I add them up: ```python\n" + RIGHT + "\n```"));
        shapes.add(oneCall("fences", "a bare <end_code> without a fence",
                "Thought: I sum the even numbers.\nCode:\nevens = range(2, 101, 2)\nfinal_answer(sum(evens))\n<end_code>"));
        shapes.add(oneCall("fences", "<end_code> after bare code, no label",
                "I will add them up now.\nevens = range(2, 101, 2)\nfinal_answer(sum(evens))\n<end_code>"));
        shapes.add(oneCall("fences", "a broken </code close",
                "<code>\n" + RIGHT + "\n</code\nThat is all."));
        shapes.add(oneCall("fences", "an unclosed <code>", "<code>\n" + RIGHT + "\n"));
        // --- 4. blocks that are not Python ----------------------------------------------------------------------
        shapes.add(oneCall("not-python", "a bash install, then python",
                "First install numpy:\n```bash\npip install numpy\n```\nThen:\n" + py(RIGHT)));
        shapes.add(oneCall("not-python", "an untagged output example after the program",
                py("print('Sum:', sum(range(2, 101, 2)))\n" + RIGHT) + "\nIt will output:\n```\nSum: 2550\n```"));
        shapes.add(oneCall("not-python", "an untagged output block without a lead-in",
                py(RIGHT) + "\n```\nSum of squares: 140\n```"));
        shapes.add(oneCall("not-python", "a console block", "```console\n$ python sum.py\n2550\n```\n" + py(RIGHT)));
        shapes.add(oneCall("not-python", "a javascript block", "```javascript\nconsole.log(2450)\n```\n" + py(RIGHT)));
        shapes.add(oneCall("not-python", "an output-tagged block", py(RIGHT) + "\n```output\n2550\n```"));
        shapes.add(shape("not-python", "a bash install beside a print: the model hears it was not run", "2550", 2,
                "shell commands were not run", Scripted.of("```bash\npip install numpy\n```\n" + py("print(sum(range(2, 101, 2)))")),
                Scripted.of(py(RIGHT))));
        shapes.add(twoCalls("not-python", "only shell", "shell commands",
                Scripted.of("```sh\npython -c 'print(sum(range(2, 101, 2)))'\n```")));
        // --- 5. fences inside list items ------------------------------------------------------------------------
        shapes.add(oneCall("lists", "a numbered plan with indented fences",
                "1. Make the numbers:\n   ```python\n   evens = range(2, 101, 2)\n   ```\n2. Answer:\n   ```python\n"
                        + "   final_answer(sum(evens))\n   ```"));
        shapes.add(oneCall("lists", "a bullet with a nested loop, indented four",
                "- Add them:\n    ```python\n    total = 0\n    for n in range(2, 101, 2):\n        total += n\n"
                        + "    final_answer(total)\n    ```"));
        // --- 6. prose is not run --------------------------------------------------------------------------------
        shapes.add(twoCalls("prose", "a sentence with the answer", "No code was found",
                Scripted.of("The sum of the even numbers from 2 to 100 is 2550.")));
        shapes.add(twoCalls("prose", "a sentence that starts like an assignment", "No code was found",
                Scripted.of("total = the sum of all even numbers up to 100, which I think is 2550.")));
        shapes.add(twoCalls("prose", "a plan with a print in it", "No code was found",
                Scripted.of("print the sum of the even numbers, then check it by hand.")));
        shapes.add(twoCalls("prose", "an empty reply", "No code was found", Scripted.of("")));
        // --- 7. invented observations ---------------------------------------------------------------------------
        shapes.add(shape("invented", "an invented observation, then an answer from it", "2550", 2, "Output:",
                Scripted.of(py("print(sum(range(2, 101, 2)))") + "\nObservation: 2450\nSo:\n" + py("final_answer(2450)")),
                Scripted.of(py(RIGHT))));
        shapes.add(shape("invented", "a bold invented observation", "2550", 2, "Output:",
                Scripted.of(py("print(sum(range(2, 101, 2)))") + "\n**Observation:** 2450\n" + py("final_answer(2450)")),
                Scripted.of(py(RIGHT))));
        shapes.add(shape("invented", "an observation inside the open fence", "2550", 2, "Output:",
                Scripted.of("```python\nprint(sum(range(2, 101, 2)))\nObservation: 2450\nfinal_answer(2450)\n```"),
                Scripted.of(py(RIGHT))));
        // --- a code tool called though none was offered ---------------------------------------------------------
        shapes.add(shape("tool-call", "a python tool call with a code argument", "2550", 1, null,
                Scripted.toolCall("python", "{\"code\": \"" + RIGHT + "\"}")));
        shapes.add(shape("tool-call", "a run_code tool call", "2550", 1, null,
                Scripted.toolCall("run_code", "{\"code\": \"evens = range(2, 101, 2)\\nfinal_answer(sum(evens))\"}")));
        shapes.add(shape("tool-call", "a call of another tool is not run", "2550", 2, "No code was found",
                Scripted.toolCall("web_search", "{\"query\": \"" + DRAFT + "\"}"), Scripted.of(py(RIGHT))));
        // --- several Python blocks ------------------------------------------------------------------------------
        shapes.add(oneCall("several-blocks", "a naive attempt, then a better one",
                "A naive approach:\n" + py("total = 0\nfor n in range(2, 100, 2):\n    total += n\nfinal_answer(total)")
                        + "\nA better one:\n" + py(RIGHT)));
        shapes.add(oneCall("several-blocks", "setup, a naive answer, a better answer",
                py("evens = list(range(2, 101, 2))") + "\nNaive:\n" + py("final_answer(sum(evens[:-1]))")
                        + "\nBetter:\n" + py("final_answer(sum(evens))")));
        return shapes;
    }

    /** The ways a reply reaches the agent: each shape goes through every one. */
    enum Transport {
        OPENAI_STREAMED(ScriptedModelServer.Protocol.OPENAI, true),
        OPENAI_BLOCKING(ScriptedModelServer.Protocol.OPENAI, false),
        ANTHROPIC_STREAMED(ScriptedModelServer.Protocol.ANTHROPIC, true),
        ANTHROPIC_BLOCKING(ScriptedModelServer.Protocol.ANTHROPIC, false);

        final ScriptedModelServer.Protocol protocol;
        final boolean streamed;

        Transport(ScriptedModelServer.Protocol protocol, boolean streamed) {
            this.protocol = protocol;
            this.streamed = streamed;
        }
    }

    @Test
    void everyReplyShapeReachesTheRightAnswerInTheExpectedNumberOfCalls() {
        List<Shape> shapes = corpus();
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (Shape shape : shapes) {
            for (Transport transport : Transport.values()) {
                runs++;
                String failure = check(shape, transport);
                if (failure != null) {
                    failures.add(shape.kind() + " / " + shape.name() + " / " + transport + ": " + failure);
                }
            }
        }
        int passed = runs - failures.size();
        System.out.printf("reply corpus: %d of %d runs passed (%.1f%%), %d shapes x %d transports%n", passed, runs,
                100.0 * passed / runs, shapes.size(), Transport.values().length);
        failures.forEach(failure -> System.out.println("  FAILED " + failure));
        assertThat(shapes).hasSizeGreaterThanOrEqualTo(40);
        assertThat(failures).isEmpty();
    }

    private static String check(Shape shape, Transport transport) {
        try (ScriptedModelServer server = transport.protocol == ScriptedModelServer.Protocol.OPENAI
                ? ScriptedModelServer.openAi() : ScriptedModelServer.anthropic()) {
            for (Scripted reply : shape.replies()) {
                if (reply.toolName() != null) {
                    server.replyToolCall(reply.toolName(), reply.text());
                } else if (reply.cutOff()) {
                    server.replyCutOff(reply.text());
                } else {
                    server.reply(reply.text());
                }
            }
            AgentResult result = agent(server, transport).run(TASK);
            List<String> problems = new ArrayList<>();
            if (!result.success() || !shape.answer().equals(result.answerText())) {
                problems.add("answered " + result.answerText() + " (" + result.reason().label() + "), expected " + shape.answer());
            }
            if (server.requests().size() != shape.modelCalls()) {
                problems.add(server.requests().size() + " model calls, expected " + shape.modelCalls());
            }
            if (shape.observation() != null && (result.steps().isEmpty()
                    || !result.steps().get(0).observation().contains(shape.observation()))) {
                problems.add("the first observation lacks '" + shape.observation() + "': "
                        + (result.steps().isEmpty() ? "no step" : result.steps().get(0).observation()));
            }
            return problems.isEmpty() ? null : String.join("; ", problems);
        } catch (RuntimeException e) {
            return "threw " + e;
        }
    }

    private static CodeActAgent agent(ScriptedModelServer server, Transport transport) {
        ModelSpec spec = ModelSpec.parse(transport.protocol == ScriptedModelServer.Protocol.OPENAI
                ? "openai:scripted-model" : "anthropic:scripted-model");
        ChatModels models = ChatModels.create(spec, ModelSettings.defaults().withBaseUrl(server.baseUrl())
                .withApiKey("test-key").withMaxRetries(0).withTimeout(Duration.ofSeconds(20)), Map.of());
        if (!transport.streamed) {
            models = new ChatModels(models.spec(), models.endpoint(), models.chat(), null);
        }
        return CodeActAgent.builder().models(models).sandbox(SANDBOX).maxSteps(4)
                .policy(SandboxPolicy.builder().timeout(Duration.ofSeconds(20)).build()).build();
    }
}
