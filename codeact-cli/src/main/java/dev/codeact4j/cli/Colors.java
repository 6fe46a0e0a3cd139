package dev.codeact4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.Style;

/**
 * Colours for messages, on only when picocli's colour scheme says so (by default: when writing to a terminal).
 * Styles are applied directly rather than through {@code @|red ...|@} markup because the text is often the
 * user's own (tracebacks, file names), which may contain markup characters.
 */
record Colors(Ansi ansi) {

    static Colors of(CommandLine commandLine) {
        return new Colors(commandLine.getColorScheme().ansi());
    }

    boolean enabled() {
        return ansi.enabled();
    }

    String red(String text) {
        return styled(text, Style.fg_red);
    }

    String yellow(String text) {
        return styled(text, Style.fg_yellow);
    }

    String green(String text) {
        return styled(text, Style.fg_green);
    }

    String cyan(String text) {
        return styled(text, Style.fg_cyan);
    }

    String bold(String text) {
        return styled(text, Style.bold);
    }

    String faint(String text) {
        return styled(text, Style.faint);
    }

    String styled(String text, Style... styles) {
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
