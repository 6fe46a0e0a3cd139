package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact4j.sandbox.PythonTool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python functions for tools: the definitions run in the session (their bodies call the host), and the same
 * signatures and docstrings with {@code ...} as body are what the model is shown.
 */
final class PythonStubs {
    private static final Set<String> KEYWORDS = Set.of(
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
            "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
            "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield");
    /** Builtins and the kernel's own names that a tool function must not hide (parameters may). */
    private static final Set<String> HIDDEN_BY_FUNCTIONS = Set.of(
            "print", "open", "len", "range", "list", "dict", "set", "str", "int", "float", "bool", "type", "input",
            "sum", "min", "max", "map", "filter", "sorted", "display", "final_answer", "ToolError", "id", "format",
            "help", ToolDiscovery.SEARCH_TOOLS);

    private PythonStubs() {
    }

    /** A valid Python function name for a tool: not a keyword, and not hiding a builtin. */
    static String identifier(String name) {
        String id = parameterIdentifier(name);
        return HIDDEN_BY_FUNCTIONS.contains(id) ? id + "_" : id;
    }

    /** A valid Python parameter name: not a keyword, and not the generated body's own variable. */
    private static String parameterIdentifier(String name) {
        String id = name.replaceAll("[^A-Za-z0-9_]", "_");
        if (id.isEmpty() || Character.isDigit(id.charAt(0))) {
            id = "_" + id;
        }
        return KEYWORDS.contains(id) || id.equals(ARGUMENTS) ? id + "_" : id;
    }

    private static final String ARGUMENTS = "_codeact_arguments";

    /** The definition that runs in the session. */
    static String definition(String function, Tool tool) {
        List<Parameter> parameters = parameters(tool.parameters());
        StringBuilder code = new StringBuilder(signature(function, parameters)).append('\n');
        code.append(docstring(tool, parameters));
        code.append("    " + ARGUMENTS + " = {}\n");
        for (Parameter p : parameters) {
            String assign = ARGUMENTS + "[" + pythonString(p.name) + "] = " + p.identifier + "\n";
            code.append(p.required ? "    " + assign : "    if " + p.identifier + " is not None:\n        " + assign);
        }
        code.append("    return _codeact_call_tool(").append(pythonString(tool.name())).append(", " + ARGUMENTS + ")\n");
        return code.toString();
    }

    /** What the model sees: the signature and the docstring. */
    static String stub(String function, Tool tool) {
        List<Parameter> parameters = parameters(tool.parameters());
        return signature(function, parameters) + "\n" + docstring(tool, parameters) + "    ...\n";
    }

    /** The call's signature on one line, as search_tools gives it: {@code name(a: str, b: int = 10)}. */
    static String callSignature(String function, Tool tool) {
        String definition = signature(function, parameters(tool.parameters()));
        return definition.substring("def ".length(), definition.length() - 1);
    }

    /**
     * What the model sees of a function of a Python tool file, in the same form: its own signature (type hints,
     * defaults, return type) and docstring, as the session read them.
     */
    static String stub(PythonTool tool) {
        String doc = tool.docstring().isBlank() ? ""
                : "    \"\"\"" + escapeDoc(tool.docstring().strip()).replaceAll("\n {4}(?=\n)", "\n") + "\n    \"\"\"\n";
        return "def " + tool.name() + tool.signature() + ":\n" + doc + "    ...\n";
    }

    private static String signature(String function, List<Parameter> parameters) {
        List<String> parts = new ArrayList<>();
        for (Parameter p : parameters) {
            String part = p.identifier + ": " + p.pythonType;
            if (!p.required) {
                part += " = " + p.defaultLiteral;
            }
            parts.add(part);
        }
        return "def " + function + "(" + String.join(", ", parts) + "):";
    }

    private static String docstring(Tool tool, List<Parameter> parameters) {
        StringBuilder doc = new StringBuilder("    \"\"\"");
        doc.append(escapeDoc(tool.description().isEmpty() ? "Calls the host tool " + tool.name() + "." : tool.description()));
        if (!parameters.isEmpty()) {
            doc.append("\n\n    Args:");
            for (Parameter p : parameters) {
                doc.append("\n        ").append(p.identifier).append(": ")
                        .append(escapeDoc(p.description.isEmpty() ? p.pythonType : p.description));
            }
        }
        return doc.append("\n    \"\"\"\n").toString();
    }

    private static String escapeDoc(String text) {
        return text.replace("\\", "\\\\").replace("\"\"\"", "\\\"\\\"\\\"").replace("\n", "\n    ");
    }

    private record Parameter(String name, String identifier, String pythonType, String description, boolean required,
                             String defaultLiteral) { }

    private static List<Parameter> parameters(JsonNode schema) {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        schema.path("properties").fields().forEachRemaining(entry -> properties.put(entry.getKey(), entry.getValue()));
        Set<String> required = new java.util.HashSet<>();
        schema.path("required").forEach(node -> required.add(node.asText()));
        List<Parameter> result = new ArrayList<>();
        Set<String> used = new java.util.HashSet<>();
        for (boolean wanted : new boolean[]{true, false}) { // required ones first: Python wants them before defaults
            properties.forEach((name, property) -> {
                if (required.contains(name) == wanted) {
                    String id = parameterIdentifier(name);
                    while (!used.add(id)) {
                        id = id + "_";
                    }
                    result.add(new Parameter(name, id, pythonType(property), property.path("description").asText("").strip(),
                            wanted, wanted ? null : pythonLiteral(property.get("default"))));
                }
            });
        }
        return result;
    }

    private static String pythonType(JsonNode property) {
        JsonNode type = property.path("type");
        String name = type.isArray() && !type.isEmpty() ? type.get(0).asText() : type.asText("");
        return switch (name) {
            case "string" -> "str";
            case "integer" -> "int";
            case "number" -> "float";
            case "boolean" -> "bool";
            case "array" -> "list";
            case "object" -> "dict";
            default -> property.has("enum") ? "str" : "object";
        };
    }

    /** A scalar JSON default as a Python literal; anything else (or none) is None. */
    private static String pythonLiteral(JsonNode value) {
        if (value == null || value.isNull()) {
            return "None";
        }
        if (value.isBoolean()) {
            return value.asBoolean() ? "True" : "False";
        }
        if (value.isNumber()) {
            return value.asText();
        }
        if (value.isTextual()) {
            return pythonString(value.asText());
        }
        return "None";
    }

    static String pythonString(String text) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(text).toString(); // a JSON string is a Python literal
    }
}
