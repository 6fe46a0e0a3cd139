/**
 * {@code codeact serve}: an HTTP API for agent runs (with their events as they happen), sandbox sessions as a
 * service, the history and the report, MCP over streamable HTTP, and the web page. Built on the agent and the
 * memory modules; {@link dev.codeact4j.server.CodeactServer} is the entry point, {@code dev.codeact4j.server.settings}
 * what an application gives it (how runs get their agents, limits), {@code dev.codeact4j.server.json} the JSON shapes
 * the server and the command line share, {@code dev.codeact4j.server.mcp} the MCP tools both serve (over HTTP here,
 * over standard input and output in {@code codeact mcp}), {@code dev.codeact4j.server.tools} the host tools over HTTP
 * ({@code codeact tools serve}).
 */
@SuppressWarnings("requires-automatic") // the MCP SDK's JSON module names no module
module dev.codeact4j.server {
    requires transitive dev.codeact4j.memory;
    requires com.fasterxml.jackson.databind;
    requires io.javalin;
    requires org.eclipse.jetty.server;
    requires io.modelcontextprotocol.sdk.mcp.json.jackson2;
    requires com.networknt.schema;

    exports dev.codeact4j.server;
    exports dev.codeact4j.server.settings;
    exports dev.codeact4j.server.json;
    exports dev.codeact4j.server.mcp;
    exports dev.codeact4j.server.tools;
}
