package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JavaScript functions for tools: {@code await name({arg: value})}. The definitions run in the session (their
 * bodies call the kernel's {@code _codeact_call_tool}, which rejects with a {@code ToolError}); the same JSDoc and
 * signatures, with an empty body, are what the model is shown.
 */
final class JavaScriptStubs {
    private static final Set<String> RESERVED = Set.of(
            "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
            "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "implements", "import",
            "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public",
            "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while",
            "with", "yield", "arguments", "eval", "undefined", "NaN", "Infinity");
    /** Globals and the kernel's own names that a tool function must not hide. */
    private static final Set<String> HIDDEN = Set.of(
            "console", "require", "process", "globalThis", "module", "exports", "Math", "JSON", "Object", "Array",
            "String", "Number", "Boolean", "Date", "Promise", "Map", "Set", "Error", "RegExp", "Symbol", "BigInt",
            "fetch", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "Buffer", "URL", "parseInt",
            "parseFloat", "isNaN", "structuredClone", "final_answer", "finalAnswer", "display", "ToolError",
            "_codeact_call_tool", "help", ToolDiscovery.SEARCH_TOOLS);

    private JavaScriptStubs() {
    }

    /** A valid JavaScript function name for a tool: the Python rules' characters, not reserved, hiding no global. */
    static String identifier(String name) {
        String id = name.replaceAll("[^A-Za-z0-9_]", "_");
        if (id.isEmpty() || Character.isDigit(id.charAt(0))) {
            id = "_" + id;
        }
        return RESERVED.contains(id) || HIDDEN.contains(id) ? id + "_" : id;
    }

    /** The definition that runs in the session. */
    static String definition(String function, Tool tool) {
        return jsDoc(tool) + "async function " + function + "(args) {\n"
                + "    return await _codeact_call_tool(" + TextNode.valueOf(tool.name()) + ", args ?? {});\n}\n";
    }

    /** What the model sees: the JSDoc and the signature. */
    static String stub(String function, Tool tool) {
        return jsDoc(tool) + "async function " + function + "(args) {}\n";
    }

    /**
     * The call's signature on one line, as search_tools gives it: {@code name({a: string, b?: number})}, the
     * optional properties marked with {@code ?}.
     */
    static String callSignature(String function, Tool tool) {
        JsonNode schema = tool.parameters();
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(node -> required.add(node.asText()));
        List<String> parts = new ArrayList<>();
        schema.path("properties").properties().forEach(entry -> {
            String key = entry.getKey().matches("[A-Za-z_$][\\w$]*") ? entry.getKey() : TextNode.valueOf(entry.getKey()).toString();
            parts.add(key + (required.contains(entry.getKey()) ? "" : "?") + ": " + type(entry.getValue()));
        });
        return function + (parts.isEmpty() ? "()" : "({" + String.join(", ", parts) + "})");
    }

    private static String jsDoc(Tool tool) {
        List<String> lines = new ArrayList<>();
        lines.add(tool.description().isEmpty() ? "Calls the host tool " + tool.name() + "." : tool.description());
        JsonNode schema = tool.parameters();
        if (!schema.path("properties").isEmpty()) {
            boolean anyRequired = !schema.path("required").isEmpty();
            lines.add(anyRequired ? "@param {object} args" : "@param {object} [args]");
            params(schema, "args", lines);
        }
        lines.add("@returns {Promise<any>} the tool's result; rejects with a ToolError when the tool fails");
        StringBuilder doc = new StringBuilder("/**\n");
        for (String line : lines) {
            for (String part : line.split("\n", -1)) {
                doc.append(" * ").append(part.replace("*/", "*\\/")).append('\n');
            }
        }
        return doc.append(" */\n").toString();
    }

    /** One {@code @param} line per property of an object schema, and of the objects nested in it. */
    private static void params(JsonNode schema, String path, List<String> lines) {
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(node -> required.add(node.asText()));
        schema.path("properties").properties().forEach(entry -> {
            JsonNode property = entry.getValue();
            String name = path + member(entry.getKey());
            String shown = required.contains(entry.getKey()) ? name
                    : "[" + name + (property.has("default") ? "=" + property.get("default") : "") + "]";
            String description = property.path("description").asText("").strip();
            lines.add("@param {" + type(property) + "} " + shown + (description.isEmpty() ? "" : " - " + description));
            if (property.path("properties").isObject()) {
                params(property, name, lines);
            } else if (property.path("items").path("properties").isObject()) {
                params(property.path("items"), name + "[]", lines);
            }
        });
    }

    private static String member(String key) {
        return key.matches("[A-Za-z_$][\\w$]*") ? "." + key : "[" + TextNode.valueOf(key) + "]";
    }

    private static String type(JsonNode property) {
        if (property.path("enum").isArray() && !property.path("enum").isEmpty()) {
            List<String> values = new ArrayList<>();
            property.path("enum").forEach(value -> values.add(value.toString()));
            return "(" + String.join("|", values) + ")";
        }
        JsonNode type = property.path("type");
        if (type.isArray() && !type.isEmpty()) {
            List<String> types = new ArrayList<>();
            type.forEach(one -> types.add(simpleType(one.asText(), property)));
            return "(" + String.join("|", types) + ")";
        }
        return simpleType(type.asText(""), property);
    }

    private static String simpleType(String name, JsonNode property) {
        return switch (name) {
            case "string" -> "string";
            case "integer", "number" -> "number";
            case "boolean" -> "boolean";
            case "null" -> "null";
            case "array" -> property.has("items") ? "Array<" + type(property.get("items")) + ">" : "Array";
            case "object" -> "object";
            default -> "any";
        };
    }
}
