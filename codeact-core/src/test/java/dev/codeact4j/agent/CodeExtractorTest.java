package dev.codeact4j.agent;

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
}
