package dev.codeact4j.server.settings;

/** A request the server cannot serve as asked: {@code field} is what is wrong (or null), the message why and what to do. */
public final class InvalidRequestException extends RuntimeException {
    private final String field;

    public InvalidRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
