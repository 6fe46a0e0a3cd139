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

    String red(String text) {
        return styled(Style.fg_red, text);
    }

    String yellow(String text) {
        return styled(Style.fg_yellow, text);
    }

    String faint(String text) {
        return styled(Style.faint, text);
    }

    private String styled(Style style, String text) {
        return ansi.enabled() ? style.on() + text + style.off() : text;
    }
}
