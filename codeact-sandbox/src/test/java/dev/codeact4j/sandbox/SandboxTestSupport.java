package dev.codeact4j.sandbox;

import java.time.Duration;

/** One real bubblewrap sandbox shared by the tests, and policies with short limits so that tests stay fast. */
final class SandboxTestSupport {
    /** The local implementation: tests look at what it found on this machine (disk images, cgroups). */
    static final LocalSandbox SANDBOX = (LocalSandbox) Sandbox.create();

    private SandboxTestSupport() {
    }

    static SandboxPolicy.Builder quickPolicy() {
        return SandboxPolicy.builder()
                .timeout(Duration.ofSeconds(20))
                .interruptGrace(Duration.ofSeconds(1));
    }
}
