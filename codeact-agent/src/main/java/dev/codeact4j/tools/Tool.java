package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * A host tool the sandboxed code can call as an ordinary Python function.
 *
 * @param name        the Python function's name (made a valid identifier when it is not one)
 * @param description what it does, shown to the model as the function's docstring
 * @param parameters  a JSON Schema object: its {@code properties} become the function's parameters, the
 *                    {@code required} ones first, the others keyword arguments with their default (or None)
 * @param function    what runs on the host when the code calls it
 * @param group       where it comes from, as the model is shown it when the tools are too many to list in full
 *                    (see {@link ToolListing}): its MCP server's or its Java class's name; empty when none was given
 */
public record Tool(String name, String description, JsonNode parameters, ToolFunction function, String group) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Tool {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a tool needs a name");
        }
        description = description == null ? "" : description.strip();
        group = group == null ? "" : group.strip();
        parameters = parameters == null ? emptySchema() : parameters;
        if (!parameters.isObject()) {
            throw new IllegalArgumentException("the parameters of tool " + name + " must be a JSON Schema object");
        }
        Objects.requireNonNull(function, "function");
    }

    /** A tool of no group. */
    public Tool(String name, String description, JsonNode parameters, ToolFunction function) {
        this(name, description, parameters, function, "");
    }

    /** This tool in that group (its server's or class's name). */
    public Tool withGroup(String group) {
        return new Tool(name, description, parameters, function, group);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    private static ObjectNode emptySchema() {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    /** Builds a tool from a lambda, one parameter at a time. */
    public static final class Builder {
        private final String name;
        private String description = "";
        private final ObjectNode schema = emptySchema();
        private ToolFunction function;
        private String group = "";

        private Builder(String name) {
            this.name = name;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /** A required parameter; {@code type} is a JSON Schema type: string, integer, number, boolean, array, object. */
        public Builder parameter(String parameter, String type, String description) {
            property(parameter, type, description);
            (schema.has("required") ? (com.fasterxml.jackson.databind.node.ArrayNode) schema.get("required")
                    : schema.putArray("required")).add(parameter);
            return this;
        }

        /** An optional parameter with a default (null for none). */
        public Builder optionalParameter(String parameter, String type, String description, Object defaultValue) {
            ObjectNode property = property(parameter, type, description);
            if (defaultValue != null) {
                property.set("default", JSON.valueToTree(defaultValue));
            }
            return this;
        }

        private ObjectNode property(String parameter, String type, String description) {
            ObjectNode property = ((ObjectNode) schema.get("properties")).putObject(parameter).put("type", type);
            if (description != null && !description.isBlank()) {
                property.put("description", description);
            }
            return property;
        }

        /** The group the tool is listed in when the tools are searched rather than listed (see {@link ToolListing}). */
        public Builder group(String group) {
            this.group = group;
            return this;
        }

        public Builder function(ToolFunction function) {
            this.function = function;
            return this;
        }

        public Tool build() {
            if (function == null) {
                throw new IllegalStateException("the tool " + name + " needs a function");
            }
            return new Tool(name, description, schema, function, group);
        }
    }
}
