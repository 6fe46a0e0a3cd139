package dev.codeact4j.sandbox;

import java.util.Base64;

/**
 * Rich output of an execution: a figure ({@code image/png}, data in base64; {@code image/svg+xml}, the SVG's text), a
 * table as text ({@code text/plain}) or as JSON records ({@code application/json}; an index other than 0, 1, 2, ... is
 * each record's first field). docs/protocol.md's display frame is the source of these shapes.
 */
public record Display(String mime, String data) {
    /** A figure, PNG or SVG: what is saved as a file rather than shown as text. */
    public boolean isImage() {
        return mime.startsWith("image/");
    }

    /** Whether {@link #data()} is base64 (a PNG) rather than text (an SVG, a table). */
    public boolean isBinary() {
        return isImage() && !mime.equals("image/svg+xml");
    }

    /** The content's bytes: base64-decoded for a PNG, UTF-8 for text (SVG included). */
    public byte[] bytes() {
        return isBinary() ? Base64.getDecoder().decode(data) : data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The file name extension that suits the content. */
    public String extension() {
        return switch (mime) {
            case "image/png" -> "png";
            case "image/svg+xml" -> "svg";
            case "application/json" -> "json";
            default -> "txt";
        };
    }
}
