package dev.codeact4j.sandbox;

import dev.codeact4j.sandbox.network.HostAllowlist;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The limits and permissions of a session. Every limit ends in a clear message in the
 * {@link ExecutionResult} rather than a hang or a crash.
 *
 * @param timeout          wall-clock time one execution may take; then it is interrupted
 * @param interruptGrace   how long an interrupted execution may take to stop before the interpreter is killed
 * @param startupTimeout   how long the interpreter may take to start, imports included
 * @param memoryMb         memory for the whole session (a cgroup where one can be made, else the address space)
 * @param cpuTime          CPU time one execution may use
 * @param maxProcesses     processes and threads the session may run at once
 * @param maxFileSizeMb    the largest file the session may write
 * @param maxOpenFiles     file descriptors open at once
 * @param maxOutputChars   output kept per execution; beyond it the head and the tail are kept
 * @param allowedImports   top-level modules user code may import ("*" allows all); a guard rail, not the boundary
 * @param diskMb           disk for the session's private working directory and /tmp together (a named working
 *                         directory is bounded by its own file system and the file size limit only)
 * @param network          whether the session may reach the whole network (no other limit on where it goes)
 * @param allowHosts       the hosts the session may reach over HTTP and HTTPS through the host's egress proxy:
 *                         {@code HOST} (ports 80 and 443), {@code HOST:PORT}, {@code *.example.com}; private and
 *                         loopback addresses only when named exactly. Empty: no network. Not with {@code network}.
 * @param workdir          a host directory to use as the working directory, or null for a private one
 * @param environment      the only environment variables the session sees besides the sandbox's own
 * @param preload          modules imported when the interpreter starts, before any snippet
 * @param language         the language of the session's code, which picks its kernel (Python by default)
 * @param data             files and directories of the host the code may read, each at /work/data/NAME: read-only,
 *                         never copied
 * @param startupCode      code of the session's language run in every interpreter of the session as it starts (a
 *                         fresh one after a restart too), before any snippet: what it defines is there for the code
 *                         (a helper such as load_dataset); its output is not shown, and an error fails the start
 * @param pythonTools      Python files whose public functions every session defines as tools, running inside the
 *                         sandbox (Python sessions only); see {@link Session#pythonTools()}
 * @param setup            files of the session's language that every session runs at its start, after the startup
 *                         code and the tool files, in the code's namespace (loading data, defining helpers); see
 *                         {@link Session#setupResult()}
 */
public record SandboxPolicy(
        Duration timeout,
        Duration interruptGrace,
        Duration startupTimeout,
        int memoryMb,
        Duration cpuTime,
        int maxProcesses,
        int maxFileSizeMb,
        int maxOpenFiles,
        int maxOutputChars,
        Set<String> allowedImports,
        int diskMb,
        boolean network,
        List<String> allowHosts,
        Path workdir,
        Map<String, String> environment,
        List<String> preload,
        Language language,
        List<DataMount> data,
        List<String> startupCode,
        List<StartupFile> pythonTools,
        List<StartupFile> setup) {

    /** The safe part of the standard library plus the usual data-science stack. */
    public static final Set<String> DEFAULT_ALLOWED_IMPORTS = Set.of(
            "abc", "array", "ast", "base64", "binascii", "bisect", "calendar", "cmath", "collections",
            "colorsys", "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "enum",
            "fractions", "functools", "gzip", "hashlib", "heapq", "hmac", "html", "io", "itertools", "json",
            "math", "numbers", "operator", "pprint", "queue", "random", "re", "secrets", "statistics", "string",
            "struct", "textwrap", "time", "timeit", "typing", "unicodedata", "uuid", "warnings", "zlib",
            "zoneinfo", "numpy", "pandas", "scipy", "matplotlib", "sklearn");

    /**
     * The npm data stack of JavaScript sessions, by package name: CSV parsing, statistics, dates, and charts
     * rendered to SVG on the server (Vega-Lite compiled and rendered by vega). Pinned, with their versions, in the
     * kernel's {@code package.json} (the one list the launcher installs from); {@code JavaScriptSessionTest}
     * checks the two agree.
     */
    public static final List<String> JAVASCRIPT_PACKAGES = List.of("papaparse", "simple-statistics", "date-fns",
            "vega", "vega-lite");

    /**
     * Node's harmless built-in modules plus the data stack: no child_process, net, dgram, http, cluster,
     * worker_threads, inspector, vm, module or os. The kernel also accepts them as {@code node:NAME} and their
     * subpaths ({@code fs/promises}).
     */
    public static final Set<String> JAVASCRIPT_ALLOWED_IMPORTS = Set.copyOf(Stream.concat(
            Stream.of("assert", "buffer", "crypto", "events", "fs", "path", "perf_hooks",
                    "querystring", "readline", "stream", "string_decoder", "timers", "url", "util", "zlib"),
            JAVASCRIPT_PACKAGES.stream()).toList());

    /** The modules code of this language may import when the caller names none. */
    public static Set<String> defaultAllowedImports(Language language) {
        return switch (language) {
            case PYTHON -> DEFAULT_ALLOWED_IMPORTS;
            case JAVASCRIPT -> JAVASCRIPT_ALLOWED_IMPORTS;
        };
    }

    /** Modules a pooled session has imported before it is handed out. */
    public static final List<String> DATA_SCIENCE_PRELOAD = List.of("numpy", "pandas", "matplotlib.pyplot");

    public SandboxPolicy {
        requirePositive(timeout, "the time limit (timeout)");
        requirePositive(interruptGrace, "the interrupt grace (interruptGrace)");
        requirePositive(startupTimeout, "the startup time limit (startupTimeout)");
        requirePositive(cpuTime, "the CPU time limit (cpuTime)");
        requireAtLeast(memoryMb, 64, "the memory limit in MB (memoryMb)");
        requireAtLeast(maxProcesses, 4, "the process limit (maxProcesses)");
        requireAtLeast(maxFileSizeMb, 1, "the file size limit in MB (maxFileSizeMb)");
        requireAtLeast(maxOpenFiles, 32, "the open file limit (maxOpenFiles)");
        requireAtLeast(maxOutputChars, 1000, "the output limit in characters (maxOutputChars)");
        requireAtLeast(diskMb, 16, "the disk limit in MB (diskMb)");
        allowHosts = List.copyOf(Objects.requireNonNull(allowHosts, "allowHosts"));
        if (network && !allowHosts.isEmpty()) {
            throw new IllegalArgumentException("the network switch and an allowlist of hosts cannot be combined: the "
                    + "switch already allows every host; give one or the other (--network or --allow-host)");
        }
        HostAllowlist.parse(allowHosts); // a bad entry fails here, with what is wrong in it
        allowedImports = Set.copyOf(Objects.requireNonNull(allowedImports, "allowedImports"));
        environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        preload = List.copyOf(Objects.requireNonNull(preload, "preload"));
        Objects.requireNonNull(language, "language");
        pythonTools = List.copyOf(Objects.requireNonNull(pythonTools, "pythonTools"));
        setup = List.copyOf(Objects.requireNonNull(setup, "setup"));
        if (!pythonTools.isEmpty() && language != Language.PYTHON) {
            throw new IllegalArgumentException("Python tool files run in Python sessions, and this policy's language is "
                    + language.displayName() + ": leave the tool files out, or make the language Python");
        }
        workdir = workdir == null ? null : workdir.toAbsolutePath().normalize();
        data = List.copyOf(Objects.requireNonNull(data, "data"));
        DataMount.checkDistinct(data);
        startupCode = List.copyOf(Objects.requireNonNull(startupCode, "startupCode"));
    }

    public static SandboxPolicy defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * This policy for a session of {@code language}: itself when that is its language, else the same limits and data
     * without its startup code, Python tool files and setup files, which are code of its own language (a server whose
     * clients may ask for either language gives the other one a bare session).
     */
    public SandboxPolicy forLanguage(Language language) {
        return language == this.language ? this : toBuilder().language(language)
                .startupCode(List.of()).pythonTools(List.of()).setup(List.of()).build();
    }

    public boolean allowsAllImports() {
        return allowedImports.contains("*");
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
        }
    }

    private static void requireAtLeast(int value, int minimum, String name) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be at least " + minimum + ", got " + value);
        }
    }

    public static final class Builder {
        private Duration timeout = Duration.ofSeconds(30);
        private Duration interruptGrace = Duration.ofSeconds(2);
        private Duration startupTimeout = Duration.ofSeconds(60);
        private int memoryMb = 1024;
        private Duration cpuTime = Duration.ofSeconds(60);
        private int maxProcesses = 64;
        private int maxFileSizeMb = 100;
        private int maxOpenFiles = 256;
        private int maxOutputChars = 100_000;
        /** Null: the language's defaults, with {@link #addedImports}. */
        private Set<String> allowedImports;
        private final Set<String> addedImports = new TreeSet<>();
        private int diskMb = 1024;
        private boolean network;
        private List<String> allowHosts = new ArrayList<>();
        private Path workdir;
        private Map<String, String> environment = new LinkedHashMap<>();
        private List<String> preload = List.of();
        private Language language = Language.PYTHON;
        private List<DataMount> data = new ArrayList<>();
        private List<String> startupCode = new ArrayList<>();
        private List<StartupFile> pythonTools = new ArrayList<>();
        private List<StartupFile> setup = new ArrayList<>();

        private Builder() {
        }

        private Builder(SandboxPolicy policy) {
            timeout = policy.timeout;
            interruptGrace = policy.interruptGrace;
            startupTimeout = policy.startupTimeout;
            memoryMb = policy.memoryMb;
            cpuTime = policy.cpuTime;
            maxProcesses = policy.maxProcesses;
            maxFileSizeMb = policy.maxFileSizeMb;
            maxOpenFiles = policy.maxOpenFiles;
            maxOutputChars = policy.maxOutputChars;
            // The language's defaults stay defaults, so that changing the language changes them too.
            allowedImports = policy.allowedImports.equals(defaultAllowedImports(policy.language))
                    ? null : new TreeSet<>(policy.allowedImports);
            diskMb = policy.diskMb;
            network = policy.network;
            allowHosts = new ArrayList<>(policy.allowHosts);
            workdir = policy.workdir;
            environment = new LinkedHashMap<>(policy.environment);
            preload = policy.preload;
            language = policy.language;
            data = new ArrayList<>(policy.data);
            startupCode = new ArrayList<>(policy.startupCode);
            pythonTools = new ArrayList<>(policy.pythonTools);
            setup = new ArrayList<>(policy.setup);
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder interruptGrace(Duration interruptGrace) {
            this.interruptGrace = interruptGrace;
            return this;
        }

        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
            return this;
        }

        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        public Builder cpuTime(Duration cpuTime) {
            this.cpuTime = cpuTime;
            return this;
        }

        public Builder maxProcesses(int maxProcesses) {
            this.maxProcesses = maxProcesses;
            return this;
        }

        public Builder maxFileSizeMb(int maxFileSizeMb) {
            this.maxFileSizeMb = maxFileSizeMb;
            return this;
        }

        public Builder maxOpenFiles(int maxOpenFiles) {
            this.maxOpenFiles = maxOpenFiles;
            return this;
        }

        public Builder maxOutputChars(int maxOutputChars) {
            this.maxOutputChars = maxOutputChars;
            return this;
        }

        /** Replaces the allowed modules; {@code "*"} allows every module. */
        public Builder allowedImports(Set<String> modules) {
            this.allowedImports = new TreeSet<>(modules);
            this.addedImports.clear();
            return this;
        }

        /** Adds modules to the allowed ones (the language's defaults unless {@link #allowedImports} replaced them). */
        public Builder allowImports(String... modules) {
            (allowedImports != null ? allowedImports : addedImports).addAll(List.of(modules));
            return this;
        }

        /** The language of the code, which picks the kernel; Python by default. */
        public Builder language(Language language) {
            this.language = Objects.requireNonNull(language, "language");
            return this;
        }

        public Builder diskMb(int diskMb) {
            this.diskMb = diskMb;
            return this;
        }

        /** Lets the code reach every host, or none (the default); for some hosts only, see {@link #allowHosts}. */
        public Builder network(boolean network) {
            this.network = network;
            return this;
        }

        /** Adds hosts the code may reach over HTTP and HTTPS: {@code HOST}, {@code HOST:PORT}, {@code *.example.com}. */
        public Builder allowHosts(String... hosts) {
            this.allowHosts.addAll(List.of(hosts));
            return this;
        }

        /** Replaces the hosts the code may reach. */
        public Builder allowHosts(Collection<String> hosts) {
            this.allowHosts = new ArrayList<>(hosts);
            return this;
        }

        public Builder workdir(Path workdir) {
            this.workdir = workdir;
            return this;
        }

        /** Makes one environment variable visible inside the session; nothing of the JVM's is passed otherwise. */
        public Builder environment(String name, String value) {
            this.environment.put(name, value);
            return this;
        }

        public Builder preload(List<String> modules) {
            this.preload = List.copyOf(modules);
            return this;
        }

        /** Lets the code read these files and directories, each at /work/data/ and its own file name; repeatable. */
        public Builder data(Path... paths) {
            for (Path path : paths) {
                this.data.add(DataMount.of(path));
            }
            return this;
        }

        /** Lets the code read these, each at /work/data/ and its name. */
        public Builder data(DataMount... mounts) {
            this.data.addAll(List.of(mounts));
            return this;
        }

        /** Replaces the data the code may read. */
        public Builder data(Collection<DataMount> mounts) {
            this.data = new ArrayList<>(mounts);
            return this;
        }

        /** Adds code run in every interpreter of the session as it starts, before any snippet (after earlier such code). */
        public Builder startupCode(String code) {
            this.startupCode.add(Objects.requireNonNull(code, "code"));
            return this;
        }

        /** Replaces the startup code. */
        public Builder startupCode(Collection<String> code) {
            this.startupCode = new ArrayList<>(code);
            return this;
        }

        /**
         * Adds Python tool files, read now: every session runs each and defines its public functions (not starting
         * with _, defined in the file) as tools under their own names, a builtin's name too ({@code max}). A file that
         * cannot be read is an IllegalArgumentException; one that does not compile or imports what the policy refuses
         * stops the session's start with a {@link StartupFileException} naming its line.
         */
        public Builder pythonTools(Path... files) {
            for (Path file : files) {
                pythonTools.add(StartupFile.read(file));
            }
            return this;
        }

        /** Replaces the Python tool files. */
        public Builder pythonTools(Collection<StartupFile> files) {
            this.pythonTools = new ArrayList<>(files);
            return this;
        }

        /**
         * Adds setup files of the session's language, read now: every session runs them at its start, in order, in
         * the code's namespace (what they define is the code's), under the policy's limits; a restarted interpreter
         * runs them again. One that fails stops the session's start with a {@link StartupFileException}.
         */
        public Builder setup(Path... files) {
            for (Path file : files) {
                setup.add(StartupFile.read(file));
            }
            return this;
        }

        /** Replaces the setup files. */
        public Builder setup(Collection<StartupFile> files) {
            this.setup = new ArrayList<>(files);
            return this;
        }

        public SandboxPolicy build() {
            Set<String> imports = new TreeSet<>(allowedImports != null ? allowedImports : defaultAllowedImports(language));
            imports.addAll(addedImports);
            return new SandboxPolicy(timeout, interruptGrace, startupTimeout, memoryMb, cpuTime, maxProcesses,
                    maxFileSizeMb, maxOpenFiles, maxOutputChars, imports, diskMb, network, allowHosts, workdir, environment,
                    preload, language, data, startupCode, pythonTools, setup);
        }
    }
}
