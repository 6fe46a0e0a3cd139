package dev.codeact4j.tools;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach an MCP server: a command that starts it and speaks MCP on its standard input and output (stdio),
 * or the URL of a server that speaks streamable HTTP. Exactly one of {@code command} and {@code url} is set.
 *
 * @param command     the program and its arguments
 * @param environment variables the program gets besides those of this process
 * @param url         the server's MCP endpoint, e.g. {@code http://localhost:3000/mcp}
 */
public record McpEndpoint(List<String> command, Map<String, String> environment, URI url) {
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*", Pattern.DOTALL);

    public McpEndpoint {
        if ((command == null) == (url == null)) {
            throw new IllegalArgumentException("an MCP server needs either a command or a URL");
        }
        if (command != null && command.isEmpty()) {
            throw new IllegalArgumentException("the command of an MCP server is empty");
        }
        command = command == null ? null : List.copyOf(command);
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    /** A server started as this program with these arguments. */
    public static McpEndpoint stdio(String... command) {
        return new McpEndpoint(List.of(command), Map.of(), null);
    }

    public static McpEndpoint stdio(List<String> command, Map<String, String> environment) {
        return new McpEndpoint(command, environment, null);
    }

    /**
     * A server started by a command line, split into words as a shell would for simple quoting: 'single' and
     * "double" quotes, backslash escapes; leading NAME=VALUE words set environment variables, as with {@code env}.
     */
    public static McpEndpoint commandLine(String line) {
        List<String> words = words(Objects.requireNonNull(line, "line"));
        Map<String, String> environment = new LinkedHashMap<>();
        while (!words.isEmpty() && VARIABLE.matcher(words.get(0)).matches()) {
            String assignment = words.remove(0);
            int equals = assignment.indexOf('=');
            environment.put(assignment.substring(0, equals), assignment.substring(equals + 1));
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("the MCP server command '" + line + "' names no program to run");
        }
        return new McpEndpoint(words, environment, null);
    }

    /** A server that speaks streamable HTTP at this URL. */
    public static McpEndpoint http(String url) {
        URI uri;
        try {
            uri = URI.create(Objects.requireNonNull(url, "url").strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not a valid URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is not an http:// or https:// URL of an MCP server");
        }
        return new McpEndpoint(null, Map.of(), uri);
    }

    public boolean isStdio() {
        return command != null;
    }

    /** A name to tell this server's tools apart from another's, from what it is started with or its address. */
    String derivedName() {
        if (!isStdio()) {
            return url.getHost();
        }
        String first = command.get(0); // the program, unless an argument names what it runs (npx PACKAGE, uvx ...)
        for (String word : command.subList(1, command.size())) {
            if (!word.startsWith("-") && !word.isBlank()) {
                first = word;
                break;
            }
        }
        String name = first.replaceFirst("(?<=.)@[^@/]*$", ""); // a package's @version
        name = name.substring(name.lastIndexOf('/') + 1);      // a path's or a scoped package's last part
        return name.replaceFirst("\\.(m?js|py|jar|sh)$", "");
    }

    /** The command line or the URL, as a person would recognise it in a message. */
    @Override
    public String toString() {
        if (!isStdio()) {
            return url.toString();
        }
        List<String> shown = new ArrayList<>();
        environment.forEach((name, value) -> shown.add(name + "=" + quoted(value)));
        command.forEach(word -> shown.add(quoted(word)));
        return String.join(" ", shown);
    }

    private static String quoted(String word) {
        return !word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\\' && i + 1 < line.length() && (quote == 0 || "\"\\$`".indexOf(line.charAt(i + 1)) >= 0)) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("the MCP server command '" + line + "' has an unclosed " + quote + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
