package dev.codeact4j.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Makes {@link Session}s. {@link #create()} and {@link #builder()} give the one on this machine (bubblewrap, cgroups
 * and CPython); building it checks the prerequisites once and fails with {@link SandboxUnavailableException} saying
 * what is missing.
 *
 * <pre>{@code
 * Sandbox sandbox = Sandbox.create();
 * try (Session session = sandbox.open(SandboxPolicy.defaults())) {
 *     ExecutionResult result = session.execute("x = 21\nx * 2");
 * }
 * }</pre>
 */
public interface Sandbox {

    /** A bubblewrap sandbox with the system's Python ({@code /usr/bin/python3}). */
    static Sandbox create() {
        return builder().build();
    }

    /** Configures the sandbox of this machine. */
    static Builder builder() {
        return new Builder();
    }

    /** Starts a session with these limits. */
    Session open(SandboxPolicy policy);

    default Session open() {
        return open(SandboxPolicy.defaults());
    }

    /**
     * Starts ahead, in the background, what sessions of this policy need, so that the first one opens as fast as the
     * rest: the fork server, when the policy fits it (a server calls this as it starts). Optional.
     */
    default void prepare(SandboxPolicy policy) {
    }

    /** One line on how sessions are isolated and limited here, for logs and the CLI. */
    String describe();

    /**
     * Makes a new directory, for a caller who puts files in it before naming it as a session's working directory
     * ({@link SandboxPolicy.Builder#workdir}): it belongs to the user sessions run code as (not root, when this JVM
     * is root) and no other user may enter it. The caller deletes it when done.
     */
    Path createWorkdir(String prefix);

    /** The modules a {@link SessionPool} has its sessions import ahead of time when its policy names none. */
    default List<String> poolPreload() {
        return List.of();
    }

    /** The sandbox of this machine: sessions run in local processes, isolated as {@link #isolation} says. */
    final class Builder {
        private Isolation isolation = Isolation.BUBBLEWRAP;
        private KernelDescription kernel = KernelDescription.PYTHON;
        private KernelDescription javascript = KernelDescription.JAVASCRIPT;
        private Path javascriptPackages = NodeCheck.defaultPackages();
        private Path bubblewrap;
        private boolean cgroups = true;
        private boolean forkServer = !"false".equals(System.getProperty("codeact.forkServer"));

        private Builder() {
        }

        /** How the interpreter is separated from the host; {@link Isolation#BUBBLEWRAP} by default. */
        public Builder isolation(Isolation isolation) {
            this.isolation = Objects.requireNonNull(isolation, "isolation");
            return this;
        }

        /** The interpreter; Debian's {@code /usr/bin/python3} by default. */
        public Builder python(Path python) {
            this.kernel = kernel.withInterpreter(python);
            return this;
        }

        /** The kernel sessions of its language run, with its interpreter. */
        Builder kernel(KernelDescription kernel) {
            switch (kernel.sessionLanguage()) {
                case PYTHON -> this.kernel = kernel;
                case JAVASCRIPT -> this.javascript = kernel;
            }
            return this;
        }

        /** The Node.js binary of JavaScript sessions; Debian's {@code /usr/bin/node} by default. */
        public Builder node(Path node) {
            this.javascript = javascript.withInterpreter(node);
            return this;
        }

        /**
         * The directory holding the JavaScript data stack's {@code node_modules} (installed by the launcher), mounted
         * read-only into JavaScript sessions. By default the system property {@code codeact.jsPackages}, else
         * {@code $CODEACT_HOME/javascript} ({@code ~/.codeact/javascript}); without one, code gets Node's built-ins only.
         */
        public Builder javascriptPackages(Path directory) {
            this.javascriptPackages = directory;
            return this;
        }

        /** The bubblewrap binary; found on PATH by default. */
        public Builder bubblewrap(Path bubblewrap) {
            this.bubblewrap = bubblewrap;
            return this;
        }

        /** Whether to limit memory and processes with cgroups when this process may create them (default true). */
        public Builder cgroups(boolean cgroups) {
            this.cgroups = cgroups;
            return this;
        }

        /**
         * Whether Python sessions are forked from a fork server that has the data stack imported (default true, or
         * the system property {@code codeact.forkServer}): a session is then ready in milliseconds and shares the
         * stack's memory with its siblings. A policy that does not fit it (network, a named working directory, data,
         * environment variables, JavaScript) is started plainly, and {@link Session#howStarted()} says why.
         */
        public Builder forkServer(boolean forkServer) {
            this.forkServer = forkServer;
            return this;
        }

        /** Checks the prerequisites and returns the sandbox; throws {@link SandboxUnavailableException} if any is missing. */
        public Sandbox build() {
            return LocalSandbox.create(isolation, kernel, javascript, javascriptPackages, bubblewrap, cgroups, forkServer);
        }
    }
}
