package dev.codeact4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.agent.AgentMode;
import dev.codeact4j.data.DatasetSpec;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.tools.McpEndpoint;
import dev.codeact4j.tools.ToolListing;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The settings of {@code $CODEACT_HOME/config.json} ({@code ~/.codeact/config.json} by default); every key is
 * optional and command-line options override it. Each field is null when the file does not set it.
 *
 * <pre>{@code
 * {"model": "openrouter:google/gemini-2.5-flash", "maxSteps": 8, "mode": "multi-step", "language": "python",
 *  "timeoutSeconds": 60, "memoryMb": 2048, "diskMb": 4096, "allowImports": ["requests"],
 *  "allowHosts": ["api.github.com", "*.pypi.org"],
 *  "mcp": ["npx -y @modelcontextprotocol/server-memory"], "mcpUrls": ["http://localhost:3000/mcp"],
 *  "toolListing": "auto", "toolListingBudget": 8000,
 *  "models": ["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5"], "maxRuns": 4, "maxSessions": 32,
 *  "sessionTtlSeconds": 900, "toolsPy": ["tools/travel.py"], "setup": ["load_data.py"],
 *  "data": ["/srv/sales.csv"], "datasets": ["hf:stanfordnlp/imdb:plain_text:test"], "poolSize": 0}
 * }</pre>
 *
 * {@code poolSize}: sessions kept started ahead for the agents' runs (0, the default, keeps none: a Python session
 * is forked from the sandbox's fork server in milliseconds; a pool pays off only for policies it cannot fork, such as
 * network access, and holds a whole interpreter per session; see BENCHMARKS.md).
 *
 * The files of {@code toolsPy} and {@code setup} may be named relative to the config file's directory.
 */
record CliConfig(String model, String baseUrl, Integer maxSteps, AgentMode mode, Double timeoutSeconds,
                 Integer memoryMb, Integer diskMb, List<String> allowImports, Boolean network, List<String> allowHosts,
                 List<String> mcp, List<String> mcpUrls, ToolListing toolListing, Integer toolListingBudget,
                 List<Path> toolsPy, List<Path> setup, Language language, List<String> models, Integer maxRuns,
                 Integer maxSessions, Integer sessionTtlSeconds, List<String> data, List<String> datasets,
                 Integer poolSize) {

    /** The keys the file may hold, in the order the help lists them. */
    static final List<String> KEYS = List.of("model", "baseUrl", "maxSteps", "mode", "timeoutSeconds", "memoryMb",
            "diskMb", "allowImports", "network", "allowHosts", "mcp", "mcpUrls", "toolListing", "toolListingBudget",
            "toolsPy", "setup", "language", "models", "maxRuns", "maxSessions", "sessionTtlSeconds", "data", "datasets",
            "poolSize");

    /** No config file: nothing set. */
    /** The step limit when neither an option nor the config file sets one. */
    static final int DEFAULT_MAX_STEPS = 10;

    static final CliConfig NONE = new CliConfig(null, null, null, null, null, null, null, List.of(), null, List.of(),
            List.of(), List.of(), null, null, List.of(), List.of(), null, List.of(), null, null, null, List.of(),
            List.of(), null);

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A config file that cannot be used; the message names the file and what is wrong with it. */
    /** The step limit: the option's when given, else the config file's, else the default. */
    int maxStepsOr(Integer option) {
        return option != null ? option : maxSteps != null ? maxSteps : DEFAULT_MAX_STEPS;
    }

    static final class InvalidException extends RuntimeException {
        InvalidException(String message) {
            super(message);
        }
    }

    /** {@code $CODEACT_HOME}, else {@code ~/.codeact}. */
    static Path home(Map<String, String> environment) {
        String home = environment.get("CODEACT_HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".codeact");
    }

    /** The config in {@code home}, or {@link #NONE} when it has no config.json. */
    static CliConfig load(Path home) {
        Path file = home.resolve("config.json");
        if (!Files.exists(file)) {
            return NONE;
        }
        JsonNode root;
        try {
            String text = Files.readString(file);
            if (text.isBlank()) {
                throw invalid(file, "it is empty; write a JSON object such as {\"model\": \"openrouter:google/gemini-2.5-flash\"}");
            }
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid(file, "it is not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (CharacterCodingException e) {
            throw invalid(file, "it is not UTF-8 text");
        } catch (IOException e) {
            throw invalid(file, "it cannot be read: " + e.getMessage());
        }
        if (!root.isObject()) {
            throw invalid(file, "it must hold a JSON object ({...}), not " + kind(root));
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw invalid(file, "unknown key \"" + name + "\"; the keys are " + String.join(", ", KEYS));
            }
        }
        return new CliConfig(
                modelSpec(file, root),
                baseUrl(file, root),
                wholeNumber(file, root, "maxSteps", 1),
                parsed(file, root, "mode", AgentMode::parse),
                seconds(file, root),
                wholeNumber(file, root, "memoryMb", 64),
                wholeNumber(file, root, "diskMb", 16),
                modules(file, root),
                bool(file, root),
                hosts(file, root),
                mcpServers(file, root, "mcp", McpEndpoint::commandLine, "command lines such as [\"npx -y @modelcontextprotocol/server-memory\"]"),
                mcpServers(file, root, "mcpUrls", McpEndpoint::http, "URLs such as [\"http://localhost:3000/mcp\"]"),
                parsed(file, root, "toolListing", ToolListing::parse),
                wholeNumber(file, root, "toolListingBudget", 0),
                files(file, root, "toolsPy", "Python tool files such as [\"tools/travel.py\"]"),
                files(file, root, "setup", "setup files such as [\"load_data.py\"]"),
                parsed(file, root, "language", Language::parse),
                models(file, root),
                wholeNumber(file, root, "maxRuns", 1),
                wholeNumber(file, root, "maxSessions", 1),
                wholeNumber(file, root, "sessionTtlSeconds", 1),
                strings(file, root, "data", "paths such as [\"/srv/sales.csv\", \"reports\"] (relative to " + file.getParent() + ")"),
                datasets(file, root),
                wholeNumber(file, root, "poolSize", 0));
    }

    /**
     * A list of files under {@code key}, relative ones in the config file's directory; each must exist (it is read
     * when the command makes its sessions, and the message then names the key).
     */
    private static List<Path> files(Path file, JsonNode root, String key, String example) {
        List<Path> files = new ArrayList<>();
        for (String name : strings(file, root, key, example)) {
            Path path;
            try {
                path = file.toAbsolutePath().getParent().resolve(name);
            } catch (InvalidPathException e) {
                throw invalid(file, "\"" + key + "\": " + name + " is not a valid file name");
            }
            if (!Files.isRegularFile(path)) {
                throw invalid(file, "\"" + key + "\": no such file: " + path);
            }
            files.add(path);
        }
        return List.copyOf(files);
    }

    private static String modelSpec(Path file, JsonNode root) {
        String model = text(file, root, "model");
        if (model != null) {
            try {
                ModelSpec.parse(model);
            } catch (IllegalArgumentException e) {
                throw invalid(file, "\"model\": " + e.getMessage());
            }
        }
        return model;
    }

    /** Checked as --base-url is: at once, rather than at the first model call. */
    private static String baseUrl(Path file, JsonNode root) {
        String baseUrl = text(file, root, "baseUrl");
        try {
            return ModelSettings.checkedBaseUrl(baseUrl);
        } catch (IllegalArgumentException e) {
            throw invalid(file, "\"baseUrl\": " + e.getMessage());
        }
    }

    private static String text(Path file, JsonNode root, String key) {
        JsonNode value = root.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw invalid(file, "\"" + key + "\" must be a non-empty string, not " + kind(value));
        }
        return value.asText().strip();
    }

    private static Integer wholeNumber(Path file, JsonNode root, String key, int minimum) {
        JsonNode value = root.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < minimum) {
            throw invalid(file, "\"" + key + "\" must be a whole number of at least " + minimum + ", not " + kind(value));
        }
        return value.asInt();
    }

    /** The string under {@code key} as {@code parse} reads it (which throws with what is wrong), or null. */
    private static <T> T parsed(Path file, JsonNode root, String key, Function<String, T> parse) {
        String value = text(file, root, key);
        try {
            return value == null ? null : parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw invalid(file, "\"" + key + "\": " + e.getMessage());
        }
    }

    private static Double seconds(Path file, JsonNode root) {
        JsonNode value = root.get("timeoutSeconds");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || !(value.asDouble() > 0)) {
            throw invalid(file, "\"timeoutSeconds\" must be a number of seconds above 0, not " + kind(value));
        }
        return value.asDouble();
    }

    /** A list of non-blank strings under {@code key} (empty when absent), stripped; {@code example} shows one. */
    private static List<String> strings(Path file, JsonNode root, String key, String example) {
        JsonNode value = root.get(key);
        if (value == null || value.isNull()) {
            return List.of();
        }
        String expected = "\"" + key + "\" must be a list of " + example + ", not " + kind(value);
        if (!value.isArray()) {
            throw invalid(file, expected);
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.asText().isBlank()) {
                throw invalid(file, expected);
            }
            items.add(item.asText().strip());
        }
        return List.copyOf(items);
    }

    /** The models {@code codeact serve}'s page offers, each checked as "model" is. */
    private static List<String> models(Path file, JsonNode root) {
        List<String> models = strings(file, root, "models", "model SPECs such as [\"openai:gpt-4o-mini\"]");
        for (String model : models) {
            try {
                ModelSpec.parse(model);
            } catch (IllegalArgumentException e) {
                throw invalid(file, "\"models\": " + e.getMessage());
            }
        }
        return models;
    }

    /** Hugging Face datasets, each checked as --dataset checks it. */
    private static List<String> datasets(Path file, JsonNode root) {
        List<String> datasets = strings(file, root, "datasets", "datasets such as [\"hf:stanfordnlp/imdb\"]");
        for (String dataset : datasets) {
            try {
                DatasetSpec.parse(dataset);
            } catch (IllegalArgumentException e) {
                throw invalid(file, "\"datasets\": " + e.getMessage());
            }
        }
        return datasets;
    }

    private static List<String> modules(Path file, JsonNode root) {
        return strings(file, root, "allowImports", "module names such as [\"requests\", \"bs4\"]");
    }

    /** Hosts the code may reach, checked as {@code --allow-host} checks them. */
    private static List<String> hosts(Path file, JsonNode root) {
        List<String> hosts = strings(file, root, "allowHosts",
                "hosts such as [\"api.github.com\", \"*.pypi.org\", \"localhost:8000\"]");
        try {
            SandboxPolicy.builder().allowHosts(hosts).build();
        } catch (IllegalArgumentException e) {
            throw invalid(file, "\"allowHosts\": " + e.getMessage());
        }
        return hosts;
    }

    /** A list of MCP servers, each checked by {@code parse} (which throws with what is wrong). */
    private static List<String> mcpServers(Path file, JsonNode root, String key, Function<String, McpEndpoint> parse,
                                           String example) {
        List<String> servers = strings(file, root, key, example);
        for (String server : servers) {
            try {
                parse.apply(server);
            } catch (IllegalArgumentException e) {
                throw invalid(file, "\"" + key + "\": " + e.getMessage());
            }
        }
        return servers;
    }

    private static Boolean bool(Path file, JsonNode root) {
        JsonNode value = root.get("network");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw invalid(file, "\"network\" must be true or false, not " + kind(value));
        }
        return value.asBoolean();
    }

    /** How a value reads in a message: short values as themselves, others by their JSON type. */
    private static String kind(JsonNode value) {
        String json = value.toString();
        if (json.length() <= 40) {
            return json;
        }
        return value.isObject() ? "an object" : value.isArray() ? "a list" : "a " + value.getNodeType().name().toLowerCase();
    }

    private static InvalidException invalid(Path file, String problem) {
        return new InvalidException("the config file " + file + " is not valid: " + problem + ".");
    }
}
