package dev.codeact4j.sandbox;

import java.time.Duration;

/** One real bubblewrap sandbox shared by the tests, and policies with short limits so that tests stay fast. */
final class SandboxTestSupport {
    static final Sandbox SANDBOX = Sandbox.create();

    private SandboxTestSupport() {
    }

    static SandboxPolicy.Builder quickPolicy() {
        return SandboxPolicy.builder()
                .timeout(Duration.ofSeconds(20))
                .interruptGrace(Duration.ofSeconds(1));
    }
}
