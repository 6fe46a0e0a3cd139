package dev.codeact4j.cli.render;

import dev.codeact4j.sandbox.Language;
import picocli.CommandLine.Help.Ansi.Style;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A light colouring of Python or JavaScript for the terminal: keywords, built-ins, strings, numbers and comments.
 * It reads tokens with one regular expression per language, which is enough for code a person glances at; it is
 * not a parser.
 */
public final class CodeHighlighter {
    private static final Pattern PYTHON = tokens("#[^\\n]*",
            "[rRbBuUfF]{0,2}(?:\"\"\"[\\s\\S]*?(?:\"\"\"|\\z)|'''[\\s\\S]*?(?:'''|\\z)"
                    + "|\"(?:\\\\.|[^\"\\\\\\n])*\"?|'(?:\\\\.|[^'\\\\\\n])*'?)",
            "False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|finally|for|"
                    + "from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while|with|yield|"
                    + "match|case",
            // a Python built-in only where it is called: list, type and id are also names of variables
            "(?:print|len|range|enumerate|zip|sorted|sum|min|max|abs|round|int|float|str|list|dict|set|tuple|bool|"
                    + "isinstance|any|all|map|filter|open|type|super|final_answer|display)\\b(?=\\s*\\()",
            "j");
    private static final Pattern JAVASCRIPT = tokens("//[^\\n]*|/\\*[\\s\\S]*?(?:\\*/|\\z)",
            "`(?:\\\\.|[^`\\\\])*`?|\"(?:\\\\.|[^\"\\\\\\n])*\"?|'(?:\\\\.|[^'\\\\\\n])*'?",
            "async|await|break|case|catch|class|const|continue|default|delete|do|else|export|extends|false|finally|"
                    + "for|from|function|if|import|in|instanceof|let|new|null|of|return|switch|this|throw|true|try|"
                    + "typeof|undefined|var|void|while|yield",
            "(?:console|require|Math|JSON|Object|Array|String|Number|Promise|parseInt|parseFloat|final_answer|"
                    + "finalAnswer|display)\\b",
            "n");

    private final Colors colors;
    private final Pattern tokens;

    CodeHighlighter(Colors colors, Language language) {
        this.colors = colors;
        this.tokens = language == Language.JAVASCRIPT ? JAVASCRIPT : PYTHON;
    }

    /** The code's lines, coloured when colours are on; a token spanning lines is coloured on each of them. */
    List<String> lines(String code) {
        List<StringBuilder> lines = new ArrayList<>();
        lines.add(new StringBuilder());
        Matcher token = tokens.matcher(code);
        int last = 0;
        while (token.find()) {
            append(lines, code.substring(last, token.start()), null);
            append(lines, token.group(), styleOf(token));
            last = token.end();
        }
        append(lines, code.substring(last), null);
        return lines.stream().map(StringBuilder::toString).toList();
    }

    private static Style[] styleOf(Matcher token) {
        if (token.group("comment") != null) {
            return new Style[] {Style.faint, Style.italic};
        }
        if (token.group("string") != null) {
            return new Style[] {Style.fg_green};
        }
        if (token.group("keyword") != null) {
            return new Style[] {Style.fg_magenta};
        }
        if (token.group("builtin") != null) {
            return new Style[] {Style.fg_cyan};
        }
        return new Style[] {Style.fg_yellow};
    }

    /** A language's tokens as one regular expression; {@code numberSuffix} may end a number (Python's j, BigInt's n). */
    private static Pattern tokens(String comment, String string, String keywords, String builtin, String numberSuffix) {
        return Pattern.compile("(?<comment>" + comment + ")"
                + "|(?<string>" + string + ")"
                + "|(?<keyword>\\b(?:" + keywords + ")\\b)"
                + "|(?<builtin>\\b" + builtin + ")"
                + "|(?<number>\\b\\d[\\d_]*(?:\\.\\d*)?(?:[eE][+-]?\\d+)?" + numberSuffix + "?\\b)");
    }

    private void append(List<StringBuilder> lines, String text, Style[] styles) {
        String[] parts = text.split("\n", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                lines.add(new StringBuilder());
            }
            StringBuilder line = lines.get(lines.size() - 1);
            line.append(styles == null ? parts[i] : colors.styled(parts[i], styles));
        }
    }
}
