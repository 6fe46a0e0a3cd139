package dev.codeact4j.cli.render;

import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.Style;

/**
 * Colours for messages, on only when picocli's colour scheme says so (by default: when writing to a terminal).
 * Styles are applied directly rather than through {@code @|red ...|@} markup because the text is often the
 * user's own (tracebacks, file names), which may contain markup characters.
 */
public record Colors(Ansi ansi) {

    public static Colors of(CommandLine commandLine) {
        return new Colors(commandLine.getColorScheme().ansi());
    }

    boolean enabled() {
        return ansi.enabled();
    }

    public String red(String text) {
        return styled(text, Style.fg_red);
    }

    public String yellow(String text) {
        return styled(text, Style.fg_yellow);
    }

    public String green(String text) {
        return styled(text, Style.fg_green);
    }

    String cyan(String text) {
        return styled(text, Style.fg_cyan);
    }

    public String bold(String text) {
        return styled(text, Style.bold);
    }

    public String faint(String text) {
        return styled(text, Style.faint);
    }

    public String styled(String text, Style... styles) {
        if (!ansi.enabled() || text.isEmpty() || styles.length == 0) {
            return text;
        }
        StringBuilder styledText = new StringBuilder();
        for (Style style : styles) {
            styledText.append(style.on());
        }
        styledText.append(text);
        for (Style style : styles) {
            styledText.append(off(style));
        }
        return styledText.toString();
    }

    // picocli ends bold with SGR 21, which many terminals take for double underline; 22 is "normal intensity".
    private static String off(Style style) {
        return style == Style.bold ? "\u001B[22m" : style.off();
    }
}
