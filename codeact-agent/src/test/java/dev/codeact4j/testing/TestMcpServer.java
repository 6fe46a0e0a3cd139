package dev.codeact4j.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.tools.McpSchemaValidator;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.FilterInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A small stdio MCP server for tests, started as its own process:
 * {@code java -cp CLASSPATH dev.codeact4j.testing.TestMcpServer NAME TOOL...}. It reports NAME as its name and offers
 * each TOOL: {@code crash} writes a line on standard error and exits with code 3 in the middle of the call,
 * {@code fail} answers with an MCP tool error, and any other name echoes its {@code text} argument as
 * {@code "NAME/TOOL: text"}.
 */
public final class TestMcpServer {

    public static void main(String[] args) throws InterruptedException {
        String name = args[0];
        List<SyncToolSpecification> tools = new ArrayList<>();
        for (String tool : List.of(args).subList(1, args.length)) {
            tools.add(SyncToolSpecification.builder().tool(schema(tool)).callHandler((exchange, request) -> switch (tool) {
                case "crash" -> {
                    System.err.println(name + " is going down on purpose");
                    System.err.flush();
                    Runtime.getRuntime().halt(3);
                    yield null;
                }
                case "fail" -> McpSchema.CallToolResult.builder().addTextContent(name + " refuses: no reason at all")
                        .isError(true).build();
                default -> McpSchema.CallToolResult.builder()
                        .addTextContent(name + "/" + tool + ": " + request.arguments().get("text")).build();
            }).build());
        }
        CountDownLatch inputClosed = new CountDownLatch(1);
        var input = new FilterInputStream(System.in) {
            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int read = super.read(buffer, offset, length);
                if (read < 0) {
                    inputClosed.countDown();
                }
                return read;
            }
        };
        var json = new JacksonMcpJsonMapper(new ObjectMapper());
        var server = McpServer.sync(new StdioServerTransportProvider(json, input, System.out))
                .jsonMapper(json)
                .serverInfo(name, "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .jsonSchemaValidator(new McpSchemaValidator())
                .tools(tools)
                .build();
        inputClosed.await();
        server.close();
        System.exit(0);
    }

    private static McpSchema.Tool schema(String tool) {
        Map<String, Object> input = tool.equals("crash") || tool.equals("fail")
                ? Map.of("type", "object", "properties", Map.of())
                : Map.of("type", "object", "required", List.of("text"),
                        "properties", Map.of("text", Map.of("type", "string", "description", "what to echo")));
        return McpSchema.Tool.builder().name(tool).description("The test tool " + tool + ".").inputSchema(input).build();
    }
}
