package dev.codeact4j.sandbox;

/**
 * Gathers one execution's stdout and stderr, from the kernel's frames and from child processes, forwarding
 * each piece to the caller's listener (and the displays and tool calls the session passes through it). The kernel already caps its output; this cap (twice as large) only
 * guards the host against a kernel or a child process that does not.
 */
final class OutputCollector implements OutputListener {
    private final OutputListener listener;
    private final Capped stdout;
    private final Capped stderr;

    OutputCollector(OutputListener listener, int limitChars) {
        this.listener = listener;
        this.stdout = new Capped(limitChars * 2 + 10_000);
        this.stderr = new Capped(limitChars * 2 + 10_000);
    }

    @Override
    public synchronized void onOutput(String stream, String text) {
        ("stderr".equals(stream) ? stderr : stdout).add(text);
        try {
            listener.onOutput(stream, text);
        } catch (RuntimeException ignored) {
            // a failing listener must not break the execution
        }
    }

    @Override
    public synchronized void onDisplay(Display display) {
        try {
            listener.onDisplay(display);
        } catch (RuntimeException ignored) {
            // a failing listener must not break the execution
        }
    }

    @Override
    public synchronized void onToolCall(ToolCall call) {
        try {
            listener.onToolCall(call);
        } catch (RuntimeException ignored) {
            // a failing listener must not break the execution
        }
    }

    synchronized String stdout() {
        return stdout.text();
    }

    synchronized String stderr() {
        return stderr.text();
    }

    synchronized boolean truncated() {
        return stdout.cut > 0 || stderr.cut > 0;
    }

    /** Keeps the first half of the limit and the most recent half, and counts what fell in between. */
    private static final class Capped {
        private final int half;
        private final StringBuilder head = new StringBuilder();
        private final StringBuilder tail = new StringBuilder();
        private long cut;

        Capped(int limit) {
            this.half = limit / 2;
        }

        void add(String text) {
            int room = half - head.length();
            if (room > 0) {
                head.append(text, 0, Math.min(room, text.length()));
                text = text.substring(Math.min(room, text.length()));
            }
            tail.append(text);
            if (tail.length() > half) {
                int excess = tail.length() - half;
                cut += excess;
                tail.delete(0, excess);
            }
        }

        String text() {
            if (cut == 0) {
                return head.toString() + tail;
            }
            return head + "\n[... " + cut + " characters of output were cut here ...]\n" + tail;
        }
    }
}
