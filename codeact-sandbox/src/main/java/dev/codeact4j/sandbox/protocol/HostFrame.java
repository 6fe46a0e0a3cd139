package dev.codeact4j.sandbox.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A frame the host sends to the kernel, written as a JSON object whose {@code type} names the kind. There is no
 * frame to interrupt (the host sends SIGINT) nor to end the kernel (the host closes the socket, then kills).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = HostFrame.Execute.class, name = "execute"),
        @JsonSubTypes.Type(value = HostFrame.ToolResult.class, name = "tool_result")})
public sealed interface HostFrame {

    /**
     * Runs {@code code}; the kernel answers with stream, display and tool_call frames of this {@code id}, then one
     * done frame. {@code filename} is the code's name in tracebacks; {@code host} marks the host's own code, whose
     * frames the kernel leaves out of the tracebacks of the user's code.
     */
    record Execute(String id, String code, String filename, boolean host) implements HostFrame {
        public Execute {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(filename, "filename");
        }
    }

    /**
     * The answer to the {@link KernelFrame.ToolCall} numbered {@code call} of execution {@code id}: either
     * {@code value} (any JSON; null when the tool failed) or {@code error} (null when it succeeded).
     */
    record ToolResult(String id, long call, JsonNode value, ToolError error) implements HostFrame {
        public ToolResult {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Why a tool failed: the exception's simple class name and its message. */
    record ToolError(String type, String message) {
    }
}
