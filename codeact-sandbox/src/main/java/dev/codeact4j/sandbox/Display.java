package dev.codeact4j.sandbox;

import java.util.Base64;

/**
 * Rich output of an execution: a matplotlib figure ({@code image/png}, data in base64), a table as text
 * ({@code text/plain}) or as JSON records ({@code application/json}; an index other than 0, 1, 2, ... is each
 * record's first field).
 */
public record Display(String mime, String data) {
    public boolean isBinary() {
        return mime.startsWith("image/");
    }

    /** The decoded bytes: base64-decoded for images, UTF-8 for text. */
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
