/**
 * The CodeAct agent: {@link dev.codeact4j.agent.CodeActAgent} around one step cycle, models through LangChain4j, result
 * processing, host tools (Java, MCP) and tracing (the OpenTelemetry API). It declares the extension points it calls
 * ({@link dev.codeact4j.agent.RunMemory}, {@link dev.codeact4j.agent.AgentListener}); the memory module implements them.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // LangChain4j, MCP and OpenTelemetry name no module
module dev.codeact4j.agent {
    requires transitive dev.codeact4j.sandbox;
    requires transitive langchain4j.core;
    requires transitive io.opentelemetry.api;
    requires transitive io.modelcontextprotocol.sdk.mcp.core;
    requires io.modelcontextprotocol.sdk.mcp.json.jackson2;
    requires io.opentelemetry.context;
    requires langchain4j;
    requires langchain4j.anthropic;
    requires langchain4j.open.ai;
    requires langchain4j.http.client;
    requires langchain4j.http.client.jdk;
    requires com.fasterxml.jackson.dataformat.csv;
    requires com.networknt.schema;
    requires java.net.http;
    requires reactor.core;
    requires jtokkit;

    exports dev.codeact4j.agent;
    exports dev.codeact4j.model;
    exports dev.codeact4j.result;
    exports dev.codeact4j.tools;
    exports dev.codeact4j.trace;
}
