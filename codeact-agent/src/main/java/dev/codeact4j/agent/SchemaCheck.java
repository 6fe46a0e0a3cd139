package dev.codeact4j.agent;

import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.result.ProcessedAnswer;

import java.util.List;
import java.util.Optional;

/** The built-in check of an answer against the JSON Schema the builder was given. */
record SchemaCheck(AnswerSchema schema) implements AnswerCheck {

    @Override
    public Optional<String> problem(ProcessedAnswer answer) {
        List<String> violations = schema.violations(answer.value());
        return violations.isEmpty() ? Optional.empty() : Optional.of(lead() + String.join("; ", violations));
    }

    @Override
    public String summary(String problem) {
        return "the answer does not match the schema: " + problem.substring(lead().length());
    }

    private String lead() {
        return "it does not match the required JSON schema " + schema + ": ";
    }
}
