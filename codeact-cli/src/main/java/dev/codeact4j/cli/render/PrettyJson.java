package dev.codeact4j.cli.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Map;

/**
 * JSON for people: a value that fits on a line stays on one, and so does each flat record of a list (a row
 * of a table reads best whole, even when the terminal has to wrap it); anything larger is broken over lines, two spaces a level.
 */
public final class PrettyJson {
    private static final int WIDTH = 100;

    private PrettyJson() {
    }

    public static String format(JsonNode value) {
        StringBuilder text = new StringBuilder();
        write(text, value, 0, false);
        return text.toString();
    }

    private static void write(StringBuilder text, JsonNode value, int indent, boolean inList) {
        String compact = compact(value);
        boolean flatRecord = inList && value.isObject() && isFlat(value);
        if (!value.isContainerNode() || value.isEmpty() || indent + compact.length() <= WIDTH || flatRecord) {
            text.append(compact);
            return;
        }
        String inner = " ".repeat(indent + 2);
        if (value.isArray()) {
            text.append("[\n");
            for (int i = 0; i < value.size(); i++) {
                text.append(inner);
                write(text, value.get(i), indent + 2, true);
                text.append(i < value.size() - 1 ? ",\n" : "\n");
            }
            text.append(" ".repeat(indent)).append(']');
            return;
        }
        text.append("{\n");
        int remaining = value.size();
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            text.append(inner).append(quoted(field.getKey())).append(": ");
            write(text, field.getValue(), indent + 2, false);
            text.append(--remaining > 0 ? ",\n" : "\n");
        }
        text.append(" ".repeat(indent)).append('}');
    }

    /** One line, with a space after each comma and colon. */
    private static String compact(JsonNode value) {
        if (value.isArray()) {
            StringBuilder text = new StringBuilder("[");
            for (int i = 0; i < value.size(); i++) {
                text.append(i == 0 ? "" : ", ").append(compact(value.get(i)));
            }
            return text.append(']').toString();
        }
        if (value.isObject()) {
            StringBuilder text = new StringBuilder("{");
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                text.append(text.length() == 1 ? "" : ", ").append(quoted(field.getKey())).append(": ")
                        .append(compact(field.getValue()));
            }
            return text.append('}').toString();
        }
        return value.toString();
    }

    /** A record whose values are scalars, or lists of scalars. */
    private static boolean isFlat(JsonNode record) {
        for (JsonNode value : record) {
            if (value.isObject() && !value.isEmpty()) {
                return false;
            }
            if (value.isArray()) {
                for (JsonNode element : value) {
                    if (element.isContainerNode()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static String quoted(String key) {
        return TextNode.valueOf(key).toString();
    }
}
