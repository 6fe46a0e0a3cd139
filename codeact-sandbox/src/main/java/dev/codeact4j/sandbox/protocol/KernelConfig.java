package dev.codeact4j.sandbox.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Set;

/**
 * The kernel's configuration: the host writes it as JSON to a file whose path is the kernel's second argument,
 * before it starts the kernel. Fields that are null are left out.
 *
 * @param limits                 the operating system limits the kernel sets on itself before it connects
 * @param cpuSecondsPerExecution the CPU time one execution may use before the kernel stops it
 * @param maxFileSizeMb          the per-file limit, for the message of the error that hits it
 * @param maxOutputChars         the characters of stdout and stderr together one execution may stream
 * @param allowedImports         the top-level modules the code may import itself; {@code *} for all
 * @param preload                modules to import before saying hello
 * @param diskMb                 the session's disk limit, for the message of the error that hits it
 * @param workdirOnDisk          whether the working directory shares that disk (else only /tmp does)
 * @param egress                 where to relay HTTP proxy connections to; null when no host is allowed
 * @param data                   the session's data as the kernel sees it (files and directories), which it checks it
 *                               can read before it says hello; null when there is none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KernelConfig(Limits limits, long cpuSecondsPerExecution, int maxFileSizeMb, int maxOutputChars,
                           Set<String> allowedImports, List<String> preload, int diskMb, boolean workdirOnDisk,
                           Egress egress, List<String> data) {

    /**
     * Resource limits (setrlimit) in the units named; null for none.
     *
     * @param cpuHardSeconds    RLIMIT_CPU's hard limit: a ceiling for the whole session
     * @param addressSpaceBytes RLIMIT_AS, set only where no cgroup limits memory
     * @param maxProcesses      RLIMIT_NPROC, set only in a sandbox (counted per user namespace there)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limits(Long maxFileSizeBytes, Integer maxOpenFiles, Long cpuHardSeconds, Long addressSpaceBytes,
                         Integer maxProcesses) {
    }

    /** The kernel listens on 127.0.0.1:{@code port} and relays each connection to the Unix {@code socket}. */
    public record Egress(int port, String socket) {
    }
}
