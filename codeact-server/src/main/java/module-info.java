/**
 * {@code codeact serve}: an HTTP API for agent runs (with their events as they happen), sandbox sessions as a
 * service, the history and the report, MCP over streamable HTTP, and the web page. Built on the agent and the
 * memory modules; {@link dev.codeact4j.server.CodeactServer} is the entry point, {@code dev.codeact4j.server.settings}
 * what an application gives it (how runs get their agents, limits), {@code dev.codeact4j.server.json} the JSON shapes
 * the server and the command line share.
 */
module dev.codeact4j.server {
    requires transitive dev.codeact4j.memory;
    requires com.fasterxml.jackson.databind;
    requires io.javalin;
    requires org.eclipse.jetty.server;

    exports dev.codeact4j.server;
    exports dev.codeact4j.server.settings;
    exports dev.codeact4j.server.json;
}
