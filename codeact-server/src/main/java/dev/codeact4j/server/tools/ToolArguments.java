package dev.codeact4j.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.codeact4j.tools.Tool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tools' arguments checked against their input schemas by the JSON Schema validator (draft 2020-12, as
 * {@code AnswerSchema}), the problems said in words about arguments: a required one missing, one the tool does not
 * declare, a value of the wrong type; anything else as the validator says it. A null argument counts as not
 * given, as in Python and MCP. A tool whose schema the validator cannot read is left to check its own.
 */
final class ToolArguments {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    /** 3.0 is an integer to JSON Schema, and what Python's json module sends for a float of whole value. */
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .losslessNarrowing(true).locale(Locale.ENGLISH).build();

    private final Map<String, Checked> byTool = new LinkedHashMap<>();

    /** A tool's schema as declared, and as compiled. */
    private record Checked(JsonNode declared, JsonSchema schema) {
    }

    ToolArguments(List<Tool> tools) {
        for (Tool tool : tools) {
            try {
                byTool.put(tool.name(), new Checked(tool.parameters(), FACTORY.getSchema(closed(tool.parameters()), CONFIG)));
            } catch (RuntimeException unreadable) {
                // not a schema the validator knows: the tool gets its arguments as they come
            }
        }
    }

    /**
     * A misspelt argument would otherwise be dropped without a word: the properties a schema declares are all
     * there are, unless it says otherwise ({@code additionalProperties}).
     */
    private static JsonNode closed(JsonNode schema) {
        if (schema instanceof ObjectNode object && object.has("properties") && !object.has("additionalProperties")) {
            return object.deepCopy().put("additionalProperties", false);
        }
        return schema;
    }

    /** What is wrong with {@code arguments} for the tool, in words; empty when nothing is. */
    List<String> problems(String tool, ObjectNode arguments) {
        Checked checked = byTool.get(tool);
        if (checked == null) {
            return List.of();
        }
        ObjectNode given = arguments.deepCopy();
        given.properties().removeIf(field -> field.getValue().isNull());
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (ValidationMessage message : checked.schema().validate(given)) {
            boolean topLevel = message.getInstanceLocation().getNameCount() == 0;
            String argument = message.getInstanceLocation().getNameCount() == 1
                    ? String.valueOf(message.getInstanceLocation().getElement(0)) : null;
            JsonNode declared = checked.declared().path("properties");
            switch (message.getType()) {
                case "required" -> problems.add(topLevel
                        ? "the required argument '" + message.getProperty() + "'"
                                + typeHint(declared.path(message.getProperty()).path("type"))
                                + (arguments.has(message.getProperty()) ? " is null" : " is missing")
                        : said(message));
                case "additionalProperties" -> {
                    if (topLevel) {
                        unknown.add(message.getProperty());
                    } else {
                        problems.add(said(message));
                    }
                }
                case "type" -> problems.add(argument != null
                        ? "the argument '" + argument + "' must be " + typeNames(declared.path(argument).path("type"))
                                + ", not " + kind(message.getInstanceNode())
                        : said(message));
                default -> problems.add(said(message));
            }
        }
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            checked.declared().path("properties").fieldNames().forEachRemaining(known::add);
            problems.add((unknown.size() == 1 ? "unknown argument '" : "unknown arguments '")
                    + String.join("', '", unknown) + "' (" + (known.isEmpty() ? "it takes no arguments"
                    : "its arguments are: " + String.join(", ", known)) + ")");
        }
        return problems;
    }

    /**
     * The validator's words, about the argument rather than a JSON pointer: {@code /nights: must have a minimum
     * value of 1} becomes {@code the argument 'nights': must have a minimum value of 1} (nested: 'guest.name').
     */
    private static String said(ValidationMessage message) {
        JsonNodePath location = message.getInstanceLocation();
        String text = message.getMessage();
        String prefix = location + ": ";
        if (text.startsWith(prefix)) {
            text = text.substring(prefix.length());
        }
        if (location.getNameCount() == 0) {
            return "the arguments: " + text;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < location.getNameCount(); i++) {
            names.add(String.valueOf(location.getElement(i)));
        }
        return "the argument '" + String.join(".", names) + "': " + text;
    }

    /** A JSON value's kind, as an error message names it: "a string", "an integer"... */
    static String kind(JsonNode value) {
        return switch (value.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> value.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> value.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String typeHint(JsonNode type) {
        return type.isMissingNode() ? "" : " (" + typeNames(type) + ")";
    }

    private static String typeNames(JsonNode type) {
        if (type.isArray()) {
            List<String> names = new ArrayList<>();
            type.forEach(one -> names.add(typeName(one.asText())));
            return String.join(" or ", names);
        }
        return typeName(type.asText());
    }

    private static String typeName(String type) {
        return switch (type) {
            case "string" -> "a string";
            case "integer" -> "an integer";
            case "number" -> "a number";
            case "boolean" -> "a boolean";
            case "array" -> "an array";
            case "object" -> "an object";
            case "null" -> "null";
            default -> type;
        };
    }
}
