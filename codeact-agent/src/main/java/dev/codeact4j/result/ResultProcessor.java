package dev.codeact4j.result;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Turns what the code handed to {@code final_answer} into a {@link ProcessedAnswer}: a JSON value stays as it
 * is; a string is parsed as JSON or CSV when it looks like one (or when that format is asked for), and is
 * text otherwise. A string that fails to parse is kept whole, with the parse error beside it.
 */
public final class ResultProcessor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.TRIM_SPACES).build();

    private ResultProcessor() {
    }

    /** @param expected the format asked for, or null to detect it */
    public static ProcessedAnswer process(JsonNode answer, AnswerFormat expected) {
        if (answer == null || answer.isNull() || answer.isMissingNode()) {
            return new ProcessedAnswer(JsonNodeFactory.instance.nullNode(), "", expected == null ? AnswerFormat.TEXT : expected, null);
        }
        if (!answer.isTextual()) {
            String text = answer.toString();
            if (expected == AnswerFormat.TEXT) {
                return new ProcessedAnswer(TextNode.valueOf(text), text, AnswerFormat.TEXT, null);
            }
            return new ProcessedAnswer(answer, text, AnswerFormat.JSON, null);
        }
        return processText(answer.asText(), expected);
    }

    /** @param expected the format asked for, or null to detect it */
    public static ProcessedAnswer processText(String raw, AnswerFormat expected) {
        String trimmed = raw.strip();
        AnswerFormat format = expected != null ? expected : detect(trimmed);
        try {
            return switch (format) {
                case JSON -> new ProcessedAnswer(JSON.readTree(trimmed), raw, AnswerFormat.JSON, null);
                case CSV -> new ProcessedAnswer(parseCsv(trimmed), raw, AnswerFormat.CSV, null);
                case TEXT -> new ProcessedAnswer(TextNode.valueOf(trimmed), raw, AnswerFormat.TEXT, null);
            };
        } catch (IOException | RuntimeException e) {
            String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            return new ProcessedAnswer(TextNode.valueOf(raw), raw, format,
                    "not valid " + format.label().toUpperCase() + ": " + message);
        }
    }

    /** JSON when it is wrapped like an object or array, CSV when every line has the same number of fields. */
    static AnswerFormat detect(String text) {
        if ((text.startsWith("{") && text.endsWith("}")) || (text.startsWith("[") && text.endsWith("]"))) {
            return AnswerFormat.JSON;
        }
        return looksLikeCsv(text) ? AnswerFormat.CSV : AnswerFormat.TEXT;
    }

    private static boolean looksLikeCsv(String text) {
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        if (lines.size() < 2) {
            return false;
        }
        int fields = fieldCount(lines.get(0));
        return fields >= 2 && lines.stream().allMatch(line -> fieldCount(line) == fields);
    }

    private static int fieldCount(String line) {
        int count = 1;
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                count++;
            }
        }
        return count;
    }

    /** CSV with a header row becomes an array of objects; numbers become JSON numbers. */
    private static ArrayNode parseCsv(String text) throws IOException {
        ArrayNode rows = JsonNodeFactory.instance.arrayNode();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> iterator = CSV.readerForMapOf(String.class).with(schema).readValues(text)) {
            while (iterator.hasNext()) {
                ObjectNode row = rows.addObject();
                iterator.next().forEach((column, value) -> row.set(column, typed(value)));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows under the header");
        }
        return rows;
    }

    private static JsonNode typed(String value) {
        if (value == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        try {
            BigDecimal number = new BigDecimal(value);
            return number.scale() <= 0 && number.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0
                    ? JsonNodeFactory.instance.numberNode(number.longValueExact())
                    : JsonNodeFactory.instance.numberNode(number.doubleValue());
        } catch (NumberFormatException | ArithmeticException notANumber) {
            return TextNode.valueOf(value);
        }
    }
}
