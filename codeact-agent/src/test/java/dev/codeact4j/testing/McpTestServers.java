package dev.codeact4j.testing;

import dev.codeact4j.tools.McpEndpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MCP servers for tests: the reference servers from npm (memory, file system, everything), and {@link TestMcpServer}
 * started as a process.
 */
public final class McpTestServers {
    /** Set by the build (see the poms and scripts/lib.sh): where ./test installs the npm packages the tests use. */
    public static final String NPM_TOOLS_PROPERTY = "codeact.npmTools";

    private McpTestServers() {
    }

    /**
     * The reference memory server, @modelcontextprotocol/server-memory, run with node and keeping its knowledge
     * graph in {@code memoryFile}. Fails, saying how to install it, when ./test has not installed it.
     */
    public static McpEndpoint memoryServer(Path memoryFile) {
        return McpEndpoint.stdio(List.of("node", script("server-memory").toString()),
                Map.of("MEMORY_FILE_PATH", memoryFile.toString()));
    }

    /** The reference file-system server, @modelcontextprotocol/server-filesystem, allowed into {@code directory}. */
    public static McpEndpoint filesystemServer(Path directory) {
        return McpEndpoint.stdio(List.of("node", script("server-filesystem").toString(), directory.toString()), Map.of());
    }

    /** The reference server that exercises every MCP feature, @modelcontextprotocol/server-everything, on stdio. */
    public static McpEndpoint everythingServer() {
        return McpEndpoint.stdio(List.of("node", script("server-everything").toString(), "stdio"), Map.of());
    }

    /** The entry point of a @modelcontextprotocol server that ./test installed; fails, saying how to install it. */
    private static Path script(String server) {
        String tools = System.getProperty(NPM_TOOLS_PROPERTY);
        Path script = tools == null ? null : Path.of(tools, "node_modules", "@modelcontextprotocol", server, "dist", "index.js");
        if (script == null || !Files.isRegularFile(script)) {
            throw new IllegalStateException("The MCP server @modelcontextprotocol/" + server + " is not installed"
                    + (script == null ? " (the system property " + NPM_TOOLS_PROPERTY + " is not set)" : " at " + script)
                    + ". Run the tests with ./test, which installs it under .tools/npm, or install it by hand: "
                    + "npm install --prefix .tools/npm @modelcontextprotocol/" + server + " (see scripts/lib.sh for the version).");
        }
        return script;
    }

    /** A {@link TestMcpServer} named {@code name} offering these tools, in a JVM of its own. */
    public static McpEndpoint javaServer(String name, String... tools) {
        List<String> arguments = new ArrayList<>(List.of(name));
        arguments.addAll(List.of(tools));
        return McpEndpoint.stdio(javaCommand(TestMcpServer.class.getName(), arguments), Map.of());
    }

    /** A command that runs a main class of the test classpath with the running JVM's java. */
    public static List<String> javaCommand(String mainClass, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", TestClassPath.all(), mainClass));
        command.addAll(arguments);
        return command;
    }
}
