package dev.codeact4j.agent;

import dev.langchain4j.model.input.PromptTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The texts the agent says to the model, with {@code {{variables}}}. The defaults are resources
 * ({@code dev/codeact4j/agent/prompts/*.txt}); any of them can be replaced, from code or from a directory
 * holding files of the same names.
 *
 * @param system        the system prompt of the multi-step loop
 * @param simple        the system prompt of simple mode
 * @param noCode        the observation for a reply without code
 * @param maxSteps      the last request when the step limit is reached
 * @param invalidAnswer the observation for an answer that fails its checks
 * @param multiStep     the task of one step of {@link CodeActAgent#executeMultiStep}
 * @param retry         the task of a new attempt of {@link CodeActAgent#executeWithRetry}
 */
public record PromptTemplates(String system, String simple, String noCode, String maxSteps, String invalidAnswer,
                              String multiStep, String retry) {
    private static final String[] NAMES = {"system", "simple", "no-code", "max-steps", "invalid-answer", "multi-step", "retry"};

    public static PromptTemplates defaults() {
        String[] texts = new String[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            texts[i] = resource(NAMES[i]);
        }
        return of(texts);
    }

    /** These templates, with each one that has a file {@code NAME.txt} in {@code directory} replaced by it. */
    public PromptTemplates overriddenBy(Path directory) {
        String[] texts = {system, simple, noCode, maxSteps, invalidAnswer, multiStep, retry};
        for (int i = 0; i < NAMES.length; i++) {
            Path file = directory.resolve(NAMES[i] + ".txt");
            if (Files.isRegularFile(file)) {
                try {
                    texts[i] = Files.readString(file);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the prompt template " + file + ": " + e.getMessage(), e);
                }
            }
        }
        return of(texts);
    }

    public PromptTemplates withSystem(String system) {
        return new PromptTemplates(system, simple, noCode, maxSteps, invalidAnswer, multiStep, retry);
    }

    private static PromptTemplates of(String[] t) {
        return new PromptTemplates(t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
    }

    static String render(String template, Map<String, Object> variables) {
        return PromptTemplate.from(template).apply(variables).text().strip();
    }

    private static String resource(String name) {
        try (InputStream in = PromptTemplates.class.getResourceAsStream("prompts/" + name + ".txt")) {
            if (in == null) {
                throw new IllegalStateException("the prompt template " + name + ".txt is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
