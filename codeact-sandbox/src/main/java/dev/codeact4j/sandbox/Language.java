package dev.codeact4j.sandbox;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The languages a session's code may be written in; {@link SandboxPolicy#language()} picks one, and with it the
 * kernel (docs/protocol.md) that runs it. One {@link Sandbox} serves both.
 */
public enum Language {
    /** CPython 3 ({@code /usr/bin/python3}) with the data-science stack: numpy, pandas, scipy, matplotlib, scikit-learn. */
    PYTHON("python", "Python", "py"),
    /** Node.js 18+ ({@code /usr/bin/node}) with a small npm data stack ({@link SandboxPolicy#JAVASCRIPT_PACKAGES}). */
    JAVASCRIPT("javascript", "JavaScript", "js", "node");

    private final String id;
    private final String displayName;
    private final String[] aliases;

    Language(String id, String displayName, String... aliases) {
        this.id = id;
        this.displayName = displayName;
        this.aliases = aliases;
    }

    /** The language's name in the protocol's hello and on the command line: {@code python}, {@code javascript}. */
    public String id() {
        return id;
    }

    /** The language as messages name it: {@code Python}, {@code JavaScript}. */
    public String displayName() {
        return displayName;
    }

    /** The language of a name: python or py, javascript, js or node (in any case). */
    public static Language parse(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (Language language : values()) {
            if (language.id.equals(wanted) || Arrays.asList(language.aliases).contains(wanted)) {
                return language;
            }
        }
        throw new IllegalArgumentException("unknown language '" + name + "'; accepted: " + Arrays.stream(values())
                .map(language -> language.id + " (or " + String.join(", ", language.aliases) + ")")
                .collect(Collectors.joining(", ")));
    }
}
