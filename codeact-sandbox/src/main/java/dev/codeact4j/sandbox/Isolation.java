package dev.codeact4j.sandbox;

/** How a session's interpreter is separated from the host. */
public enum Isolation {
    /** bubblewrap: new user, PID, network, IPC and UTS namespaces, read-only system, no host home. */
    BUBBLEWRAP,
    /**
     * No isolation at all: the interpreter runs as the JVM's user with its files and network. Only for
     * machines where namespaces cannot be made, and only when the user asks for it explicitly.
     */
    UNSAFE_NONE
}
