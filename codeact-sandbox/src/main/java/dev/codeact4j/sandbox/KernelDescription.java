package dev.codeact4j.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What is particular to one language's kernel: the rest of starting a session (the sandbox, the limits, the
 * protocol of {@code docs/protocol.md}) is the same for all. The kernel is started as
 * {@code interpreter interpreterFlags... kernelFile socketPath configPath}.
 *
 * @param language         the language's name in the kernel's hello ({@code python})
 * @param name             the language as messages name it ({@code Python})
 * @param interpreter      the interpreter on the host; its installation is mounted read-only when it is not under /usr
 * @param interpreterFlags what the interpreter is started with before the kernel file
 * @param resource         the kernel source, a resource beside this class
 * @param etc              files and directories of /etc the language and its libraries read, mounted read-only when present
 * @param environment      variables the kernel's libraries need (the host adds PATH, HOME, LANG, TMPDIR and proxies)
 * @param threadVariables  variables that cap a native library's threads: each is set to the session's thread count
 * @param scratchVariables variables naming a writable directory a library keeps its own files in, each mapped to a
 *                         name: the host sets it to a directory of that name in the session's /tmp
 * @param warmPreload      the modules a {@link SessionPool} preloads when its policy names none
 * @param installHint      how to install the interpreter, for the message that it is missing
 * @param heapFlag         the interpreter's flag that caps its heap below the session's memory, a format taking the
 *                         megabytes ({@code --max-old-space-size=%d}), so that running out ends in its own clear
 *                         error before the cgroup's kill; null for none
 */
record KernelDescription(String language, String name, Path interpreter, List<String> interpreterFlags, String resource,
                         List<String> etc, Map<String, String> environment, List<String> threadVariables,
                         Map<String, String> scratchVariables, List<String> warmPreload, String installHint,
                         String heapFlag) {

    /** Where the JavaScript data stack's directory (its node_modules) is mounted, read-only, in the sandbox. */
    static final String PACKAGES_DIR = "/opt/codeact-packages";

    /** CPython 3: isolated mode (-I: no user site, no PYTHON* variables, no script directory on the path), no .pyc files (-B). */
    static final KernelDescription PYTHON = new KernelDescription("python", "Python", Path.of("/usr/bin/python3"),
            List.of("-I", "-B"), "kernels/python/kernel.py",
            List.of("/etc/python3", "/etc/matplotlibrc"),
            Map.of("MPLBACKEND", "Agg"),
            // OpenBLAS reserves address space per thread; with only an address-space limit that breaks numpy.
            List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"),
            Map.of("MPLCONFIGDIR", "matplotlib"),
            SandboxPolicy.DATA_SCIENCE_PRELOAD,
            "Debian: sudo apt-get install python3", null);

    /**
     * Node.js 18 or newer. {@code --expose-internals} gives the kernel Node's own REPL rewrite of top-level
     * await (the code's require is the kernel's guarded one, which does not reach internals unless every module is
     * allowed). The heap is capped at three quarters of the session's memory: the rest is Node's own and buffers'.
     */
    static final KernelDescription JAVASCRIPT = new KernelDescription("javascript", "JavaScript (Node.js)",
            Path.of("/usr/bin/node"), List.of("--expose-internals"),
            "kernels/javascript/kernel.js",
            List.of(),
            Map.of("NODE_PATH", PACKAGES_DIR + "/node_modules", "NODE_ENV", "production"),
            List.of("UV_THREADPOOL_SIZE"),
            Map.of(),
            List.of(),
            "Debian: sudo apt-get install nodejs (18 or newer)", "--max-old-space-size=%d");

    KernelDescription {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(interpreter, "interpreter");
        Objects.requireNonNull(resource, "resource");
        interpreterFlags = List.copyOf(interpreterFlags);
        etc = List.copyOf(etc);
        environment = Map.copyOf(environment);
        threadVariables = List.copyOf(threadVariables);
        scratchVariables = Map.copyOf(scratchVariables);
        warmPreload = List.copyOf(warmPreload);
    }

    /** This description with another interpreter (a virtual environment's, say). */
    KernelDescription withInterpreter(Path interpreter) {
        return new KernelDescription(language, name, interpreter, interpreterFlags, resource, etc, environment,
                threadVariables, scratchVariables, warmPreload, installHint, heapFlag);
    }

    /** The language of the sessions this kernel runs. */
    Language sessionLanguage() {
        return Language.parse(language);
    }

    /** The command that starts the kernel, given the paths the process sees and the session's memory. */
    List<String> command(String kernelFile, String socket, String config, int memoryMb) {
        List<String> command = new ArrayList<>();
        command.add(interpreter.toString());
        command.addAll(interpreterFlags);
        if (heapFlag != null) {
            command.add(heapFlag.formatted(Math.max(32, memoryMb * 3 / 4)));
        }
        command.addAll(List.of(kernelFile, socket, config));
        return command;
    }
}
