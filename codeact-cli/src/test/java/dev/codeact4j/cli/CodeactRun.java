package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One in-process invocation of the codeact command, as the CLI tests make it: exit status, stdout and stderr. */
record CodeactRun(int exitCode, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs codeact with this environment (CODEACT_HOME, API keys, OTEL_*) and these arguments. */
    static CodeactRun of(Map<String, String> environment, String... args) {
        return of(CodeactCommand.commandLine(environment), args);
    }

    /** Runs codeact with CODEACT_HOME at {@code home} and nothing else in its environment. */
    static CodeactRun in(Path home, String... args) {
        return of(Map.of("CODEACT_HOME", home.toString()), args);
    }

    static CodeactRun of(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = commandLine.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new CodeactRun(exitCode, out.toString(), err.toString());
    }

    /** Standard output as the one JSON object it must be, on one line. */
    JsonNode json() {
        assertThat(out.lines()).as("one JSON object on one line").hasSize(1);
        return parse(out);
    }

    /** Standard output as JSON lines. */
    List<JsonNode> jsonLines() {
        return out.lines().map(CodeactRun::parse).toList();
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not JSON: " + line, e);
        }
    }
}
