package dev.codeact4j.cli;

import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.SandboxPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The sandbox's limits and permissions as options, shared by {@code exec}, {@code run} and {@code mcp} through
 * {@code @Mixin}; each of them also reads the config file's sandbox keys, which the options override. The mixin
 * brings {@link PolicyDefaults} to its command as the default value provider, so that the help shows the sandbox's
 * own defaults.
 */
@Command(defaultValueProvider = SandboxOptions.PolicyDefaults.class)
final class SandboxOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--lang", paramLabel = "python|js", converter = LanguageConverter.class,
            description = "The language of the code: python (default) or javascript (js, node), run by Node.js.")
    Language language;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Time limit of each execution; it is then interrupted (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--memory", paramLabel = "MB", description = "Memory for the session (default: ${DEFAULT-VALUE}).")
    int memoryMb;

    @Option(names = "--allow-import", paramLabel = "M", split = ",",
            description = "Also let the code import these modules. Allowed by default: the safe part of the "
                    + "standard library, numpy, pandas, scipy, matplotlib and sklearn; in JavaScript, Node's harmless "
                    + "built-ins, papaparse, simple-statistics, date-fns, vega and vega-lite. * allows every module.")
    List<String> allowedImports = new ArrayList<>();

    @Option(names = "--disk", paramLabel = "MB",
            description = "Disk for the session's private working directory and /tmp together (default: ${DEFAULT-VALUE}).")
    int diskMb;

    @Option(names = "--network", description = "Let the code reach the whole network (it cannot by default).")
    boolean network;

    @Option(names = "--allow-host", paramLabel = "HOST[:PORT]",
            description = "Let the code reach this host over HTTP and HTTPS, through an egress proxy that records each "
                    + "request; repeatable. HOST alone means ports 80 and 443; *.example.com any subdomain. Private and "
                    + "loopback addresses only when named exactly. Not with --network.")
    List<String> allowHosts = new ArrayList<>();

    /**
     * The policy these options ask for, in the given working directory (null: a private temporary one). An
     * option that was not given takes the config file's value when it has one, else the sandbox's default;
     * modules to import are those of both.
     */
    SandboxPolicy policy(CliConfig config, Path workdir) {
        ParseResult given = command.commandLine().getParseResult();
        double timeout = given.hasMatchedOption("--timeout") || config.timeoutSeconds() == null
                ? timeoutSeconds : config.timeoutSeconds();
        int memory = given.hasMatchedOption("--memory") || config.memoryMb() == null ? memoryMb : config.memoryMb();
        int disk = given.hasMatchedOption("--disk") || config.diskMb() == null ? diskMb : config.diskMb();
        // The options win over the file: --network drops the file's hosts, --allow-host its network switch.
        boolean reachable = network || (allowHosts.isEmpty() && Boolean.TRUE.equals(config.network()));
        List<String> hosts = !allowHosts.isEmpty() ? allowHosts : network ? List.of() : config.allowHosts();
        Set<String> imports = new LinkedHashSet<>(config.allowImports());
        allowedImports.stream().map(String::strip).forEach(imports::add);
        if (!(timeout > 0) || Double.isInfinite(timeout)) {
            throw usageError("--timeout must be a number of seconds above 0, got " + timeout + ".");
        }
        try {
            Language code = language != null ? language : config.language() != null ? config.language() : Language.PYTHON;
            return SandboxPolicy.builder()
                    .language(code)
                    .timeout(Duration.ofMillis(Math.max(1, Math.round(timeout * 1000))))
                    .memoryMb(memory)
                    .diskMb(disk)
                    .allowImports(imports.toArray(String[]::new))
                    .network(reachable)
                    .allowHosts(hosts.stream().map(String::strip).toList())
                    .workdir(workdir)
                    .build();
        } catch (IllegalArgumentException e) {
            throw usageError("Invalid sandbox setting: " + e.getMessage() + ".");
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(command.commandLine(), message);
    }

    /** --lang's value, refused with the accepted names. */
    static final class LanguageConverter extends ParsingConverter<Language> {
        LanguageConverter() {
            super(Language::parse);
        }
    }

    /** The sandbox's own defaults, so that they are written in one place and the help shows them. */
    static final class PolicyDefaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec argument) {
            if (!(argument instanceof OptionSpec option)) {
                return null;
            }
            SandboxPolicy defaults = SandboxPolicy.defaults();
            return switch (option.longestName()) {
                case "--timeout" -> seconds(defaults.timeout());
                case "--memory" -> Integer.toString(defaults.memoryMb());
                case "--disk" -> Integer.toString(defaults.diskMb());
                default -> null;
            };
        }

        private static String seconds(Duration duration) {
            long millis = duration.toMillis();
            return millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0);
        }
    }
}
