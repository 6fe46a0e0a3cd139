package dev.codeact4j.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the code out of a model's reply, tolerant of the usual ways models write it: fenced blocks with or
 * without a language tag (several are joined in order), an unterminated last fence, {@code <code>} tags,
 * or a bare reply that is plainly code. Returns the code and the prose around it (the thought).
 */
final class CodeExtractor {
    private static final Pattern FENCE = Pattern.compile(
            "(?m)^[ \\t]*(```+|~~~+)[ \\t]*([\\w+#.-]*)[^\\n]*\\n(.*?)(?:^[ \\t]*\\1[ \\t]*$|\\z)", Pattern.DOTALL);
    private static final Pattern CODE_TAG = Pattern.compile("<code>\\s*(.*?)\\s*</code>", Pattern.DOTALL);
    private static final Pattern PYTHONISH = Pattern.compile(
            "(?m)^(import \\w|from [\\w.]+ import |print\\(|final_answer\\(|def \\w+\\(|for \\w+ in |\\w+ = )");
    private static final List<String> NOT_CODE_LANGUAGES = List.of("json", "text", "txt", "output", "csv", "markdown", "md", "console");

    record Extracted(String code, String thought) {
        boolean hasCode() {
            return code != null && !code.isBlank();
        }
    }

    private CodeExtractor() {
    }

    static Extracted extract(String reply) {
        if (reply == null || reply.isBlank()) {
            return new Extracted(null, "");
        }
        List<String> blocks = new ArrayList<>();
        StringBuilder thought = new StringBuilder();
        Matcher fence = FENCE.matcher(reply);
        int last = 0;
        while (fence.find()) {
            String language = fence.group(2).toLowerCase();
            thought.append(reply, last, fence.start());
            last = fence.end();
            if (NOT_CODE_LANGUAGES.contains(language)) {
                continue; // an example of output, not something to run
            }
            String block = fence.group(3).stripTrailing();
            if (!block.isBlank()) {
                blocks.add(block);
            }
        }
        if (!blocks.isEmpty()) {
            thought.append(reply.substring(last));
            return new Extracted(String.join("\n\n", blocks), thought.toString().strip());
        }
        Matcher tag = CODE_TAG.matcher(reply);
        List<String> tagged = new ArrayList<>();
        while (tag.find()) {
            tagged.add(tag.group(1));
        }
        if (!tagged.isEmpty()) {
            return new Extracted(String.join("\n\n", tagged), CODE_TAG.matcher(reply).replaceAll("").strip());
        }
        String bare = reply.strip();
        if (PYTHONISH.matcher(bare).find() && !bare.contains("```")) {
            return new Extracted(bare, "");
        }
        return new Extracted(null, reply.strip());
    }
}
