package dev.codeact4j.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * The kernel protocol's framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON, each frame
 * an object with a {@code type}. Anything else from the kernel (a bad length, bytes that are not a JSON
 * object, a frame over the limit) is a {@link KernelProtocolException}: the host never trusts the kernel.
 */
final class FrameChannel implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;

    private final SocketChannel channel;
    private final DataInputStream in;

    FrameChannel(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16));
    }

    void send(ObjectNode frame) throws IOException {
        byte[] body = JSON.writeValueAsBytes(frame);
        ByteBuffer buffer = ByteBuffer.allocate(4 + body.length);
        buffer.putInt(body.length).put(body).flip();
        synchronized (channel) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** The next frame; {@link EOFException} when the kernel has closed its end. */
    JsonNode receive() throws IOException {
        int length = in.readInt();
        if (length <= 0 || length > MAX_FRAME_BYTES) {
            throw new KernelProtocolException("the kernel sent a frame length of " + length
                    + " bytes (allowed: 1 to " + MAX_FRAME_BYTES + ")");
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("the kernel closed the connection in the middle of a frame");
        }
        JsonNode frame;
        try {
            frame = JSON.readTree(body);
        } catch (IOException e) {
            throw new KernelProtocolException("the kernel sent a frame that is not JSON: " + e.getMessage());
        }
        if (frame == null || !frame.isObject() || !frame.path("type").isTextual()) {
            throw new KernelProtocolException("the kernel sent a frame without a type: " + abbreviate(frame));
        }
        return frame;
    }

    private static String abbreviate(JsonNode node) {
        String text = String.valueOf(node);
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort: the process is being torn down anyway
        }
    }

    static final class KernelProtocolException extends IOException {
        KernelProtocolException(String message) {
            super(message);
        }
    }
}
