package dev.codeact4j.agent;

import dev.codeact4j.sandbox.Language;
import dev.langchain4j.model.input.PromptTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The texts the agent says to the model, with {@code {{variables}}}. The defaults are resources
 * ({@code dev/codeact4j/agent/prompts/*.txt}, and for JavaScript those of {@code prompts/javascript/} over them);
 * any of them can be replaced, from code or from a directory holding files of the same names.
 *
 * @param system        the system prompt of the multi-step loop
 * @param simple        the system prompt of simple mode
 * @param noCode        the observation for a reply without code ({@code {{found}}} says what it had instead)
 * @param cutOff        the observation for a reply cut off at the output token limit, which is not run
 * @param maxSteps      the last request when the step limit is reached
 * @param invalidAnswer the observation for an answer that fails its checks
 * @param multiStep     the task of one step of {@link CodeActAgent#executeMultiStep}
 * @param retry         the task of a new attempt of {@link CodeActAgent#executeWithRetry}
 * @param reuse         added to the task when a similar one was solved before (see {@code AgentMemory})
 * @param tools         the system prompts' {@code {{tools}}} when the host tools are listed in full: {@code {{stubs}}}
 *                      are their signatures and docstrings
 * @param toolSearch    the system prompts' {@code {{tools}}} when the code finds the tools with search_tools and help
 *                      ({@code ToolListing.SEARCH}, file {@code tools-search.txt}): {@code {{count}}} says how many there
 *                      are, {@code {{catalog}}} lists their groups, with their names unless they are too many
 * @param patterns      the advice for each kind of task, by {@link TaskPattern#label()} (files
 *                      {@code pattern-data_analysis.txt}, ...): the system prompts' {@code {{pattern}}}
 */
public record PromptTemplates(String system, String simple, String noCode, String cutOff, String maxSteps, String invalidAnswer,
                              String multiStep, String retry, String reuse, String tools, String toolSearch,
                              Map<String, String> patterns) {
    private static final String[] NAMES = {"system", "simple", "no-code", "cut-off", "max-steps", "invalid-answer", "multi-step",
            "retry", "reuse", "tools", "tools-search"};

    public PromptTemplates {
        patterns = Map.copyOf(patterns);
    }

    /** The templates for Python. */
    public static PromptTemplates defaults() {
        String[] texts = new String[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            texts[i] = resource(NAMES[i]);
        }
        Map<String, String> patterns = new LinkedHashMap<>();
        for (TaskPattern pattern : TaskPattern.values()) {
            patterns.put(pattern.label(), resource("pattern-" + pattern.label()));
        }
        return of(texts, patterns);
    }

    /**
     * The templates for code in this language: Python's, with those a language words otherwise (its rules, its
     * packages) replaced by its own.
     */
    public static PromptTemplates defaults(Language language) {
        return language == Language.PYTHON ? defaults()
                : defaults().overridden(name -> optionalResource(language.id() + "/" + name));
    }

    /** The advice for tasks of this kind. */
    public String pattern(TaskPattern pattern) {
        return patterns.getOrDefault(pattern.label(), "");
    }

    /** These templates, with each one that has a file {@code NAME.txt} in {@code directory} replaced by it. */
    public PromptTemplates overriddenBy(Path directory) {
        return overridden(name -> file(directory.resolve(name + ".txt")));
    }

    /** These templates, with each one {@code replacement} has a text for (by its file's name, without .txt) replaced. */
    private PromptTemplates overridden(Function<String, String> replacement) {
        String[] texts = {system, simple, noCode, cutOff, maxSteps, invalidAnswer, multiStep, retry, reuse, tools, toolSearch};
        for (int i = 0; i < NAMES.length; i++) {
            texts[i] = Objects.requireNonNullElse(replacement.apply(NAMES[i]), texts[i]);
        }
        Map<String, String> overridden = new LinkedHashMap<>(patterns);
        for (TaskPattern pattern : TaskPattern.values()) {
            overridden.put(pattern.label(), Objects.requireNonNullElse(
                    replacement.apply("pattern-" + pattern.label()), pattern(pattern)));
        }
        return of(texts, overridden);
    }

    public PromptTemplates withSystem(String system) {
        return new PromptTemplates(system, simple, noCode, cutOff, maxSteps, invalidAnswer, multiStep, retry, reuse, tools,
                toolSearch, patterns);
    }

    /** These templates with the advice for one kind of task replaced. */
    public PromptTemplates withPattern(TaskPattern pattern, String advice) {
        Map<String, String> changed = new LinkedHashMap<>(patterns);
        changed.put(pattern.label(), Objects.requireNonNull(advice, "advice"));
        return new PromptTemplates(system, simple, noCode, cutOff, maxSteps, invalidAnswer, multiStep, retry, reuse, tools,
                toolSearch, changed);
    }

    private static PromptTemplates of(String[] t, Map<String, String> patterns) {
        return new PromptTemplates(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], patterns);
    }

    /** The file's text, or null when there is no such file. */
    private static String file(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the prompt template " + file + ": " + e.getMessage(), e);
        }
    }

    static String render(String template, Map<String, Object> variables) {
        return PromptTemplate.from(template).apply(variables).text().strip();
    }

    private static String resource(String name) {
        String text = optionalResource(name);
        if (text == null) {
            throw new IllegalStateException("the prompt template " + name + ".txt is missing from the jar");
        }
        return text;
    }

    /** The resource's text, or null when the jar has none of that name. */
    private static String optionalResource(String name) {
        try (InputStream in = PromptTemplates.class.getResourceAsStream("prompts/" + name + ".txt")) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
