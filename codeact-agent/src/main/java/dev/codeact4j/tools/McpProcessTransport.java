package dev.codeact4j.tools;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * MCP over the standard input and output of a server started here: one JSON-RPC message per line. Used instead
 * of the SDK's stdio transport, which keeps the process to itself and stops reading the server's standard error
 * as soon as its output closes: this one says when and how the server ended ({@link #ended}), keeps the last lines
 * it wrote on standard error for the messages that name it, and stops it with everything it started.
 */
final class McpProcessTransport implements McpClientTransport {
    private static final int STDERR_LINES_KEPT = 20;

    private final McpEndpoint endpoint;
    private final McpJsonMapper json;
    private final Deque<String> stderr = new ArrayDeque<>();
    /** Completed, with how, when the server could not start or has exited (its standard error read to the end). */
    final CompletableFuture<String> ended = new CompletableFuture<>();
    private volatile Process process;
    private Writer input;

    McpProcessTransport(McpEndpoint endpoint, McpJsonMapper json) {
        this.endpoint = endpoint;
        this.json = json;
    }

    @Override
    public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        return Mono.fromRunnable(() -> start(handler));
    }

    private void start(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        ProcessBuilder builder = new ProcessBuilder(endpoint.command());
        builder.environment().putAll(endpoint.environment());
        try {
            process = builder.start();
        } catch (IOException e) {
            ended.complete("could not be started: " + e.getMessage());
            throw new UncheckedIOException(e);
        }
        synchronized (this) {
            input = process.outputWriter(StandardCharsets.UTF_8);
        }
        Thread.ofVirtual().name("mcp-server-output").start(() -> readMessages(handler));
        Thread errors = Thread.ofVirtual().name("mcp-server-errors").start(this::readErrors);
        Thread.ofVirtual().name("mcp-server-exit").start(() -> {
            try {
                int code = process.waitFor();
                errors.join(2000); // its last words are often why it exited
                ended.complete("exited with code " + code);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void readMessages(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        try (BufferedReader output = process.inputReader(StandardCharsets.UTF_8)) {
            for (String line = output.readLine(); line != null; line = output.readLine()) {
                JSONRPCMessage message;
                try {
                    message = McpSchema.deserializeJsonRpcMessage(json, line);
                } catch (Exception notAMessage) {
                    if (!line.isBlank()) {
                        keep("(on standard output) " + line); // a stray print: kept for the record, not fatal
                    }
                    continue;
                }
                handler.apply(Mono.just(message)).subscribe(ignored -> { }, ignored -> { });
            }
        } catch (IOException e) {
            // the process has gone: ended says how
        }
    }

    private void readErrors() {
        try (BufferedReader errors = process.errorReader(StandardCharsets.UTF_8)) {
            for (String line = errors.readLine(); line != null; line = errors.readLine()) {
                if (!line.isBlank()) {
                    keep(line);
                }
            }
        } catch (IOException e) {
            // the process has gone
        }
    }

    private void keep(String line) {
        synchronized (stderr) {
            stderr.addLast(line);
            if (stderr.size() > STDERR_LINES_KEPT) {
                stderr.removeFirst();
            }
        }
    }

    /** The last lines the server wrote on standard error (and any stray lines on standard output). */
    List<String> stderrTail() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message) {
        return Mono.fromRunnable(() -> {
            try {
                String line = json.writeValueAsString(message);
                synchronized (this) {
                    input.write(line);
                    input.write('\n');
                    input.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot send to the MCP server: " + e.getMessage(), e);
            }
        });
    }

    /** As MCP asks: closes the server's input, then after a while terminates it, then kills it (and its children). */
    @Override
    public Mono<Void> closeGracefully() {
        return Mono.<Void>fromRunnable(this::stop).subscribeOn(Schedulers.boundedElastic());
    }

    private void stop() {
        Process server = process;
        if (server == null) {
            return;
        }
        try {
            synchronized (this) {
                input.close();
            }
        } catch (IOException alreadyGone) {
            // then it is stopping anyway
        }
        try {
            if (!server.waitFor(2, TimeUnit.SECONDS)) {
                server.descendants().forEach(ProcessHandle::destroy);
                server.destroy();
                if (!server.waitFor(2, TimeUnit.SECONDS)) {
                    server.descendants().forEach(ProcessHandle::destroyForcibly);
                    server.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
        return json.convertValue(data, type);
    }
}
