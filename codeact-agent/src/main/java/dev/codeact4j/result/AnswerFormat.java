package dev.codeact4j.result;

import java.util.Locale;

/** The shape of a final answer. */
public enum AnswerFormat {
    JSON, CSV, TEXT;

    /** {@code json}, {@code csv} or {@code text}, as in the CLI and the JSON output. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AnswerFormat parse(String label) {
        for (AnswerFormat format : values()) {
            if (format.label().equalsIgnoreCase(label.strip())) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown answer format '" + label + "'; use json, csv or text");
    }
}
