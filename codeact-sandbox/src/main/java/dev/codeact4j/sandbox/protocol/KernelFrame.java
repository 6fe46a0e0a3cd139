package dev.codeact4j.sandbox.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Objects;

/**
 * A frame the kernel sends to the host, read from a JSON object whose {@code type} names the kind. Fields the host
 * does not know are ignored; a frame of another type, or one without a field that must not be null, breaks the
 * protocol (the records check theirs as they are made): the host kills the kernel.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = KernelFrame.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = KernelFrame.Stream.class, name = "stream"),
        @JsonSubTypes.Type(value = KernelFrame.Display.class, name = "display"),
        @JsonSubTypes.Type(value = KernelFrame.ToolCall.class, name = "tool_call"),
        @JsonSubTypes.Type(value = KernelFrame.Done.class, name = "done"),
        @JsonSubTypes.Type(value = KernelFrame.ProtocolError.class, name = "error")})
public sealed interface KernelFrame {

    /**
     * The kernel's first frame, once its preloads are imported: the {@code protocol} it speaks
     * ({@link KernelProtocol#VERSION}), its {@code language} and that language's {@code version}, the modules
     * {@code preloaded}, whether the working directory is {@code workdirWritable} for it, and the first path of
     * the configuration's {@code data} it cannot read ({@code unreadableData}; null when it can read them all).
     */
    record Hello(int protocol, String language, String version, List<String> preloaded, boolean workdirWritable,
                 String unreadableData)
            implements KernelFrame {
        public Hello {
            Objects.requireNonNull(language, "language");
            Objects.requireNonNull(version, "version");
            preloaded = preloaded == null ? List.of() : List.copyOf(preloaded);
        }
    }

    /** Text the running code wrote to {@code name} ({@code stdout} or {@code stderr}). */
    record Stream(String id, String name, String text) implements KernelFrame {
        public Stream {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(text, "text");
            if (!"stdout".equals(name) && !"stderr".equals(name)) {
                throw new IllegalArgumentException("a stream is stdout or stderr, not " + name);
            }
        }
    }

    /** Rich output: {@code data} of type {@code mime}, as text (base64 for binary types such as image/png). */
    record Display(String id, String mime, String data) implements KernelFrame {
        public Display {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(mime, "mime");
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * The running code calls the host's tool {@code name} with the JSON {@code args} and waits for the
     * {@link HostFrame.ToolResult} of the same {@code call} number (counted by the kernel, from 1, per kernel).
     */
    record ToolCall(String id, long call, String name, JsonNode args) implements KernelFrame {
        public ToolCall {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(args, "args");
            if (call < 1) {
                throw new IllegalArgumentException("tool calls are numbered from 1, not " + call);
            }
        }
    }

    /**
     * The execution {@code id} has ended; its last frame. {@code result} is the value of a trailing expression,
     * {@code finalAnswer} (JSON {@code final}) the value given to {@code final_answer()}, {@code error} what the code
     * raised; each null when there is none. {@code truncated} says that the kernel cut output over its limit.
     */
    record Done(String id, boolean ok, Value result, @JsonProperty("final") Value finalAnswer, Failure error,
                double durationMs, boolean truncated) implements KernelFrame {
        public Done {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * The kernel refuses a frame of the host (not JSON, over the limit, of an unknown type, missing a field) and
     * says why; it exits after sending this. The host treats it as the kernel's failure.
     */
    record ProtocolError(String message) implements KernelFrame {
        public ProtocolError {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * A value of the code: its {@code repr}, its {@code type} name, and its {@code json} form: JSON null (a
     * {@code NullNode}) when the value is null, and the field left out (Java null) when the value has no JSON form.
     */
    record Value(String repr, String type, JsonNode json) {
        public Value {
            Objects.requireNonNull(repr, "repr");
            Objects.requireNonNull(type, "type");
        }
    }

    /** What the code raised: the exception's {@code type} name, its {@code message}, its {@code traceback} text. */
    record Failure(String type, String message, String traceback) {
        public Failure {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(traceback, "traceback");
        }
    }
}
