package dev.codeact4j.cli.render;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.store.RunStatus;
import dev.codeact4j.store.StoredRun;
import dev.codeact4j.store.StoredStep;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.Style;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code codeact show} colours a run's code in the run's own language. */
class RunPageTest {
    private static final Colors COLORS = new Colors(Ansi.ON);
    private static final String CODE = "const half = total // 2";

    private static String page(Language language) {
        StoredStep step = new StoredStep(0, null, CODE, "Observation: ran", "", "", null, null, 10, 5, 1, 1,
                JsonNodeFactory.instance.arrayNode(), JsonNodeFactory.instance.arrayNode());
        StoredRun run = new StoredRun("run-1", "Halve it.", "openai:test", "multi-step", RunStatus.FAILED,
                "max_steps", null, null, null, null, null, Instant.EPOCH, Instant.EPOCH, 15L, 1, 1, 1, 1L, "host",
                List.of(step), false, null, language);
        StringWriter text = new StringWriter();
        new RunPage(new PrintWriter(text, true), COLORS).print(run);
        return text.toString();
    }

    @Test
    void aJavaScriptRunsCodeIsColouredAsJavaScriptAndAPythonRunsAsPython() {
        String comment = COLORS.styled("// 2", Style.faint, Style.italic);

        assertThat(page(Language.JAVASCRIPT)).contains(COLORS.styled("const", Style.fg_magenta), comment);
        assertThat(page(Language.PYTHON)).as("// is Python's floor division").doesNotContain(comment)
                .contains(COLORS.styled("2", Style.fg_yellow));
    }
}
