package dev.codeact4j.sandbox.protocol;

/**
 * The facts of the kernel protocol that both sides must agree on (the whole protocol: {@code docs/protocol.md}).
 * The frames are {@link HostFrame} (host to kernel) and {@link KernelFrame} (kernel to host); what the host writes
 * to the kernel's configuration file is {@link KernelConfig}.
 */
public final class KernelProtocol {
    /** Sent by the kernel in its {@link KernelFrame.Hello}; the host refuses a kernel that speaks another. */
    public static final int VERSION = 1;
    /** The largest frame body either side accepts; a longer one is a broken peer, not a big message. */
    public static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;
    /**
     * The error type of the done frame of an execution that SIGINT stopped, whatever the language calls it: the
     * host makes it the time-out's error when it sent the signal.
     */
    public static final String INTERRUPTED = "KeyboardInterrupt";

    private KernelProtocol() {
    }
}
