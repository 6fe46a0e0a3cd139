package dev.codeact4j.result;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A final answer after processing.
 *
 * @param value      the answer as a JSON value: as given when it was one, else parsed from the text
 * @param text       the answer as text: the raw string given, or the compact JSON of a value
 * @param format     what the answer is (detected, or the format that was asked for)
 * @param parseError why the text could not be parsed as the format, or null; the raw text is kept in value
 */
public record ProcessedAnswer(JsonNode value, String text, AnswerFormat format, String parseError) {
}
