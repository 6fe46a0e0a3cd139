package dev.codeact4j.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.codeact4j.sandbox.protocol.HostFrame;
import dev.codeact4j.sandbox.protocol.KernelFrame;
import dev.codeact4j.sandbox.protocol.KernelProtocol;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * The kernel protocol's framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON, one
 * {@link HostFrame} or {@link KernelFrame}. Anything else from the kernel (a bad length, bytes that are not a
 * frame it may send, a frame over the limit) is a {@link KernelProtocolException}: the host never trusts the kernel.
 */
final class FrameChannel implements AutoCloseable {
    /** Fields a later kernel adds are ignored; the frame records check the fields they need themselves. */
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectWriter HOST_FRAMES = JSON.writerFor(HostFrame.class);
    private static final ObjectReader KERNEL_FRAMES = JSON.readerFor(KernelFrame.class);

    private final SocketChannel channel;
    private final DataInputStream in;

    FrameChannel(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16));
    }

    void send(HostFrame frame) throws IOException {
        byte[] body = HOST_FRAMES.writeValueAsBytes(frame);
        write(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip());
    }

    /** Writes bytes as they are: {@link #send} frames, and tests break the framing with it. */
    void write(ByteBuffer bytes) throws IOException {
        synchronized (channel) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }

    /** The next frame; {@link EOFException} when the kernel has closed its end. */
    KernelFrame receive() throws IOException {
        int length = in.readInt();
        if (length <= 0 || length > KernelProtocol.MAX_FRAME_BYTES) {
            throw new KernelProtocolException("the kernel sent a frame length of " + length
                    + " bytes (allowed: 1 to " + KernelProtocol.MAX_FRAME_BYTES + ")");
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("the kernel closed the connection in the middle of a frame");
        }
        try {
            KernelFrame frame = KERNEL_FRAMES.readValue(body);
            if (frame == null) {
                throw new KernelProtocolException("the kernel sent a frame that is JSON null");
            }
            return frame;
        } catch (JsonProcessingException e) {
            throw new KernelProtocolException("the kernel sent a frame that is not one of the protocol's: "
                    + e.getOriginalMessage() + " in " + abbreviate(body));
        }
    }

    private static String abbreviate(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8);
        return body.length > 200 ? text + "..." : text;
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
