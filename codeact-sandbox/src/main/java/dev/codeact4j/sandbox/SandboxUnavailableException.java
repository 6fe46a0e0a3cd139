package dev.codeact4j.sandbox;

/** This machine cannot make a sandbox (no bubblewrap, no user namespaces, no Python); the message says why. */
public final class SandboxUnavailableException extends SandboxException {
    public SandboxUnavailableException(String message) {
        super(message);
    }
}
