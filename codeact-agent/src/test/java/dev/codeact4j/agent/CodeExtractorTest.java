package dev.codeact4j.agent;

import dev.codeact4j.sandbox.Language;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CodeExtractorTest {

    @Test
    void takesAFencedPythonBlockAndKeepsTheProseAsTheThought() {
        var extracted = CodeExtractor.extract("I will sum the numbers.\n```python\nx = sum([1, 2])\nprint(x)\n```\n");
        assertThat(extracted.code()).isEqualTo("x = sum([1, 2])\nprint(x)");
        assertThat(extracted.thought()).isEqualTo("I will sum the numbers.");
    }

    @Test
    void acceptsFencesWithoutOrWithOtherLanguageTags() {
        assertThat(CodeExtractor.extract("```\nprint(1)\n```").code()).isEqualTo("print(1)");
        assertThat(CodeExtractor.extract("```py\nprint(2)\n```").code()).isEqualTo("print(2)");
        assertThat(CodeExtractor.extract("```Python3\nprint(3)\n```").code()).isEqualTo("print(3)");
        assertThat(CodeExtractor.extract("~~~python\nprint(4)\n~~~").code()).isEqualTo("print(4)");
    }

    @Test
    void joinsSeveralBlocksInOrderAndSkipsOutputExamples() {
        String reply = """
                First the data:
                ```python
                a = 1
                ```
                The output will look like:
                ```json
                {"a": 1}
                ```
                Then the answer:
                ```python
                final_answer(a)
                ```
                """;
        assertThat(CodeExtractor.extract(reply).code()).isEqualTo("a = 1\n\nfinal_answer(a)");
    }

    @Test
    void toleratesAnUnterminatedLastFence() {
        assertThat(CodeExtractor.extract("Here:\n```python\nprint('cut off')\n").code()).isEqualTo("print('cut off')");
    }

    @Test
    void acceptsCodeTagsAndBareCode() {
        assertThat(CodeExtractor.extract("<code>print(5)</code>").code()).isEqualTo("print(5)");
        assertThat(CodeExtractor.extract("import math\nprint(math.pi)").code()).isEqualTo("import math\nprint(math.pi)");
    }

    @Test
    void proseWithoutCodeHasNoCode() {
        var extracted = CodeExtractor.extract("The answer is probably 42, but I am not sure.");
        assertThat(extracted.hasCode()).isFalse();
        assertThat(extracted.thought()).contains("42");
        assertThat(CodeExtractor.extract("").hasCode()).isFalse();
        assertThat(CodeExtractor.extract("```json\n{\"a\": 1}\n```").hasCode()).isFalse();
    }

    @Test
    void reasoningIsNeverCode() {
        assertThat(CodeExtractor.extract("<think>\n```python\nfinal_answer(1)\n```\n</think>\n```python\nfinal_answer(2)\n```").code())
                .isEqualTo("final_answer(2)");
        // the chat template opened the block: the content starts inside it
        assertThat(CodeExtractor.extract("draft:\n```python\nfinal_answer(1)\n```\n</think>\n```python\nfinal_answer(2)\n```").code())
                .isEqualTo("final_answer(2)");
        assertThat(CodeExtractor.extract("<reasoning>final_answer(1)</reasoning>\n<code>final_answer(2)</code>").code())
                .isEqualTo("final_answer(2)");
        assertThat(CodeExtractor.extract("<thinking>\n```python\nfinal_answer(1)\n```\nand then").hasCode()).isFalse();
    }

    @Test
    void endMarkersCloseTheFence() {
        assertThat(CodeExtractor.extract("Code:\n```py\nx = 1\n```<end_code>\nDone.").code()).isEqualTo("x = 1");
        assertThat(CodeExtractor.extract("```py\nx = 1\n<end_code>\nDone.").code()).isEqualTo("x = 1");
        assertThat(CodeExtractor.extract("```python\nx = 1\n```<|im_end|>").code()).isEqualTo("x = 1");
        assertThat(CodeExtractor.extract("```python\nx = 1\nfinal_answer(x)```\nThat is all of it.").code())
                .isEqualTo("x = 1\nfinal_answer(x)");
        assertThat(CodeExtractor.extract("Thought: easy.\nCode:\nx = 1\nfinal_answer(x)\n<end_code>").code())
                .isEqualTo("x = 1\nfinal_answer(x)");
        assertThat(CodeExtractor.extract("<code>\nx = 1\n</code\nThat is all.").code()).isEqualTo("x = 1");
    }

    @Test
    void onlyPythonRunsAndShellIsKeptApart() {
        var extracted = CodeExtractor.extract("```bash\npip install numpy\n```\n```python\nimport numpy\n```");
        assertThat(extracted.code()).isEqualTo("import numpy");
        assertThat(extracted.shellCommands()).containsExactly("pip install numpy");
        var shellOnly = CodeExtractor.extract("```sh\nls -l\n```");
        assertThat(shellOnly.hasCode()).isFalse();
        assertThat(shellOnly.onlyShell()).isTrue();
        assertThat(CodeExtractor.extract("```python\nprint(140)\n```\nIt will output:\n```\nprint(140)\n```").code())
                .isEqualTo("print(140)");
        assertThat(CodeExtractor.extract("```python\nx = 1\n```\n```\nSum of squares: 140\n```").code()).isEqualTo("x = 1");
        assertThat(CodeExtractor.extract("```js\nconsole.log(1)\n```").hasCode()).isFalse();
    }

    @Test
    void fencesInListItemsAreDedented() {
        String reply = "1. Loop:\n   ```python\n   for i in range(2):\n       print(i)\n   ```\n";
        assertThat(CodeExtractor.extract(reply).code()).isEqualTo("for i in range(2):\n    print(i)");
    }

    @Test
    void ofSeveralBlocksThatAnswerOnlyTheLastRuns() {
        String reply = "```python\nx = 1\n```\nNaive:\n```python\nfinal_answer(x)\n```\nBetter:\n```python\nfinal_answer(x + 1)\n```";
        assertThat(CodeExtractor.extract(reply).code()).isEqualTo("x = 1\n\nfinal_answer(x + 1)");
    }

    @Test
    void proseIsNotCodeEvenWhenALineLooksLikeIt() {
        assertThat(CodeExtractor.extract("print the sum, then check it by hand.", text -> false).hasCode()).isFalse();
        assertThat(CodeExtractor.extract("total = the sum of the even numbers, which is 2550.", text -> false).hasCode()).isFalse();
        assertThat(CodeExtractor.extract("The sum is 2550. I am sure of it now.").hasCode()).isFalse();
    }

    @Test
    void theReplyIsActedOnOnlyUpToAnInventedObservation() {
        assertThat(CodeExtractor.actedOn("```python\nprint(1)\n```\nObservation: 2\nso 2")).isEqualTo("```python\nprint(1)\n```");
        // thinking aloud about an observation inside the reasoning is not cut
        String reasoning = "<think>\nObservation: maybe 2\n</think>\n```python\nprint(1)\n```";
        assertThat(CodeExtractor.actedOn(reasoning)).isEqualTo(reasoning);
    }

    // --- JavaScript runs ---------------------------------------------------------------------------------------------

    private static CodeExtractor.Extracted javascript(String reply) {
        return CodeExtractor.extract(reply, Language.JAVASCRIPT);
    }

    @Test
    void aJavaScriptRunTakesJavaScriptFencesAndUntaggedOnes() {
        assertThat(javascript("Sum:\n```javascript\nconst x = 1 + 2;\nconsole.log(x);\n```").code())
                .isEqualTo("const x = 1 + 2;\nconsole.log(x);");
        assertThat(javascript("```js\nconsole.log(1)\n```").code()).isEqualTo("console.log(1)");
        assertThat(javascript("```node\nconsole.log(2)\n```").code()).isEqualTo("console.log(2)");
        assertThat(javascript("```JavaScript\nconsole.log(3)\n```").code()).isEqualTo("console.log(3)");
        assertThat(javascript("```\nconsole.log(4)\n```").code()).isEqualTo("console.log(4)");
        assertThat(javascript("Sum:\n```javascript\nconst x = 1;\n```").thought()).isEqualTo("Sum:");
    }

    @Test
    void theLanguageOfTheRunDecidesWhichFencesCount() {
        String python = "```python\nprint(1)\n```";
        String js = "```javascript\nconsole.log(1)\n```";
        assertThat(javascript(python).hasCode()).as("a Python block in a JavaScript run").isFalse();
        assertThat(CodeExtractor.extract(js).hasCode()).as("a JavaScript block in a Python run").isFalse();
        var both = javascript(python + "\n" + js);
        assertThat(both.code()).isEqualTo("console.log(1)");
        assertThat(both.thought()).doesNotContain("console.log");
        assertThat(javascript("```bash\nnpm install lodash\n```").onlyShell()).isTrue();
    }

    @Test
    void ofSeveralJavaScriptBlocksThatAnswerOnlyTheLastRuns() {
        String reply = "```js\nconst x = 1;\n```\nNaive:\n```js\nfinal_answer(x);\n```\nBetter:\n```js\nfinalAnswer(x + 1);\n```\n"
                + "```js\n// final_answer(x) later\nconst y = 2;\n```";
        assertThat(javascript(reply).code()).isEqualTo("const x = 1;\n\nfinalAnswer(x + 1);\n\n// final_answer(x) later\nconst y = 2;");
    }

    @Test
    void unfencedJavaScriptIsJudgedByItsLinesOrByTheCompiler() {
        assertThat(javascript("const total = [1, 2, 3].reduce((a, b) => a + b, 0);\nfinal_answer(total);").code())
                .startsWith("const total");
        assertThat(javascript("The total is 6, and I am sure of it now.").hasCode()).isFalse();
        assertThat(CodeExtractor.extract("let x = 1", Language.JAVASCRIPT, text -> false).hasCode())
                .as("what the compiler refuses is not run").isFalse();
        String output = "It will print:\n```\n6\n```";
        assertThat(javascript(output).hasCode()).as("output after its lead-in").isFalse();
    }
}
