package dev.codeact4j.cli;

import dev.codeact4j.tools.AnnotatedTools;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * Host tools as options, shared by {@code run}, {@code exec} and {@code mcp} through {@code @Mixin}: MCP servers
 * to start or connect to, and classes on the classpath whose tools become Python functions in the session.
 */
final class ToolOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--mcp", paramLabel = "COMMAND",
            description = "An MCP server to start, as one quoted command line, e.g. --mcp \"npx -y "
                    + "@modelcontextprotocol/server-memory\": its tools become functions of the session's language. May be repeated.")
    List<String> mcpCommands = new ArrayList<>();

    @Option(names = "--mcp-url", paramLabel = "URL",
            description = "An MCP server to connect to over streamable HTTP, e.g. http://localhost:3000/mcp. May be repeated.")
    List<String> mcpUrls = new ArrayList<>();

    @Option(names = "--tools-class", paramLabel = "CLASS",
            description = "A class on the classpath whose LangChain4j @Tool methods become functions (or a "
                    + "Supplier<Tools> of codeact4j tools). Put its jar on the classpath: java -cp "
                    + "codeact.jar:tools.jar dev.codeact4j.cli.CodeactCommand run ... May be repeated.")
    List<String> toolsClasses = new ArrayList<>();

    /** The MCP servers of the config file, then those of the options; a malformed one is a usage error. */
    List<McpEndpoint> mcpServers(CliConfig config) {
        List<McpEndpoint> endpoints = new ArrayList<>();
        config.mcp().forEach(line -> endpoints.add(McpEndpoint.commandLine(line)));
        config.mcpUrls().forEach(url -> endpoints.add(McpEndpoint.http(url)));
        for (String line : mcpCommands) {
            try {
                endpoints.add(McpEndpoint.commandLine(line));
            } catch (IllegalArgumentException e) {
                throw usageError("Invalid value for option '--mcp': " + e.getMessage() + ".");
            }
        }
        for (String url : mcpUrls) {
            try {
                endpoints.add(McpEndpoint.http(url));
            } catch (IllegalArgumentException e) {
                throw usageError("Invalid value for option '--mcp-url': " + e.getMessage() + ".");
            }
        }
        return endpoints;
    }

    /** The tools of the --tools-class classes; a class that cannot be loaded or has no tools is a usage error. */
    Tools classTools() {
        List<Tool> tools = new ArrayList<>();
        for (String name : toolsClasses) {
            tools.addAll(toolsOf(name.strip()));
        }
        try {
            return Tools.of(tools);
        } catch (IllegalArgumentException e) {
            throw usageError("--tools-class: " + e.getMessage() + ".");
        }
    }

    private List<Tool> toolsOf(String name) {
        Class<?> type;
        try {
            type = Class.forName(name);
        } catch (ClassNotFoundException | LinkageError e) {
            throw usageError("--tools-class " + name + ": no such class on the classpath (" + e + "). Put its jar on "
                    + "the classpath and start codeact from it: java -cp codeact.jar:tools.jar "
                    + "dev.codeact4j.cli.CodeactCommand run --tools-class " + name + " ...");
        }
        try {
            if (Supplier.class.isAssignableFrom(type)) {
                Object supplied = ((Supplier<?>) type.getDeclaredConstructor().newInstance()).get();
                if (supplied instanceof Tools tools) {
                    return tools.list();
                }
                if (supplied instanceof Collection<?> tools && tools.stream().allMatch(Tool.class::isInstance)) {
                    return tools.stream().map(Tool.class::cast).toList();
                }
                throw new IllegalArgumentException(name + " is a Supplier, but of " + supplied + ", not of Tools");
            }
            return AnnotatedTools.from(type);
        } catch (ReflectiveOperationException e) {
            throw usageError("--tools-class " + name + ": cannot make an instance of it (it needs a public constructor "
                    + "without arguments): " + e);
        } catch (IllegalArgumentException e) {
            throw usageError("--tools-class " + name + ": " + e.getMessage() + ".");
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
