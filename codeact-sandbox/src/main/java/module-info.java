/**
 * Sandboxed, stateful interpreter sessions: {@link dev.codeact4j.sandbox.Sandbox}, {@link dev.codeact4j.sandbox.Session},
 * {@link dev.codeact4j.sandbox.SessionPool}, {@link dev.codeact4j.sandbox.SandboxPolicy}. Needs Jackson and JNA (for
 * libseccomp) only; a session that allows named hosts needs the {@code dev.codeact4j.egress} module too.
 */
module dev.codeact4j.sandbox {
    requires transitive com.fasterxml.jackson.databind; // results carry JSON values
    requires com.sun.jna;

    exports dev.codeact4j.sandbox;
    exports dev.codeact4j.sandbox.network; // what the session reports of the network, and the egress gateway's SPI

    // The kernel protocol's frames are the host's own; Jackson binds them.
    opens dev.codeact4j.sandbox.protocol to com.fasterxml.jackson.databind;

    uses dev.codeact4j.sandbox.network.EgressGateway;
}
