package dev.codeact4j.cli.render;

import dev.codeact4j.sandbox.Language;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.Style;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The run's language decides how its code is coloured: a JavaScript comment is not Python's floor division. */
class CodeHighlighterTest {
    private static final Colors COLORS = new Colors(Ansi.ON);

    @Test
    void javaScriptIsColouredAsJavaScript() {
        List<String> lines = new CodeHighlighter(COLORS, Language.JAVASCRIPT)
                .lines("const total = await sum(`a ${b}`); // the sum\nfinalAnswer(total)");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains(COLORS.styled("const", Style.fg_magenta), COLORS.styled("await", Style.fg_magenta),
                COLORS.styled("`a ${b}`", Style.fg_green), COLORS.styled("// the sum", Style.faint, Style.italic));
        assertThat(lines.get(1)).contains(COLORS.styled("finalAnswer", Style.fg_cyan));
    }

    @Test
    void pythonStaysPython() {
        List<String> lines = new CodeHighlighter(COLORS, Language.PYTHON).lines("half = total // 2  # halved");

        assertThat(lines.get(0)).contains(" // ", COLORS.styled("2", Style.fg_yellow),
                COLORS.styled("# halved", Style.faint, Style.italic));
    }
}
