package dev.codeact4j.tools;

/**
 * An MCP server could not be started or reached, or stopped answering; the message names it (its command line or
 * URL) and, for a server started here, ends with its last lines on standard error.
 */
public final class McpServerException extends RuntimeException {
    public McpServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
