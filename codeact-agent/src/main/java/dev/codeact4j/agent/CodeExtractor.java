package dev.codeact4j.agent;

import dev.codeact4j.sandbox.Language;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the code out of a model's reply, as real models write replies: Python, or JavaScript in a JavaScript run
 * (the run's language decides which fences count). In order:
 * <ol>
 * <li>Reasoning is never run: {@code <think>}, {@code <thinking>} and {@code <reasoning>} blocks are set aside,
 *     so is everything before a closing tag whose opening the chat template sent, and everything after an
 *     opening tag that is never closed.</li>
 * <li>The reply ends where the model starts writing an observation itself ({@link #actedOn}): what follows
 *     would be invented.</li>
 * <li>End markers are read as fence closes: {@code ```<end_code>} (smolagents), a leaked template token
 *     ({@code <|im_end|>}), a fence closed at the end of a code line ({@code final_answer(x)```}); a fence
 *     opened at the end of a line of prose starts on its own line.</li>
 * <li>Only the run's language runs: fenced blocks tagged python (py, python3, ipython), or javascript (js, node,
 *     mjs) in a JavaScript run, or untagged. Shell blocks (bash, sh, console, ...) are kept apart so the model can
 *     be told; other languages, and an untagged block that is plainly output (after "it will output:", or with
 *     no line of code in it), are not run. Blocks indented inside a list item are dedented.</li>
 * <li>Several blocks are one program, in order; when more than one calls {@code final_answer}, only the
 *     last of those is run (with the blocks that do not call it), so a reply that drafts a naive attempt and
 *     then a better one answers with the better one.</li>
 * <li>Without fences: {@code <code>...</code>} (a broken close tolerated), code before a bare
 *     {@code <end_code>}, or a reply the interpreter compiles as a whole. A reply with a sentence in it is never
 *     run as Python: it has no code, and the model is told how to write it.</li>
 * </ol>
 */
final class CodeExtractor {
    private static final Pattern REASONING_BLOCK = Pattern.compile(
            "(?is)<(think|thinking|reasoning)>.*?</\\1\\s*>");
    private static final Pattern REASONING_CLOSE = Pattern.compile("(?i)</(think|thinking|reasoning)\\s*>");
    private static final Pattern REASONING_OPEN = Pattern.compile("(?i)<(think|thinking|reasoning)>");
    /** A line where the model writes an observation (or the tool's output) it has not been shown. */
    private static final Pattern INVENTED_OBSERVATION = Pattern.compile(
            "(?m)^[ \\t]*(?:\\*\\*|#+[ \\t]*)?Observation(?:\\*\\*)?[ \\t]*:");
    private static final Pattern TEMPLATE_TOKEN = Pattern.compile("<\\|[A-Za-z0-9_]+\\|>");
    private static final Pattern FENCE_THEN_END_CODE = Pattern.compile("(```|~~~)[ \\t]*\\n?[ \\t]*<end_code>");
    private static final Pattern END_CODE = Pattern.compile("[ \\t]*<end_code>");
    /** A fence at the end of a line: closed after code ({@code final_answer(x)```}), opened after prose ({@code Here: ```python}). */
    private static final Pattern FENCE_AT_LINE_END = Pattern.compile("(?m)^(?![ \\t]*[`~])(.*\\S)[ \\t]*(```[\\w+#.-]*)[ \\t]*$");
    private static final Pattern FENCE = Pattern.compile(
            "(?m)^[ \\t]*(```+|~~~+)[ \\t]*([\\w+#.-]*)[^\\n]*\\n(.*?)(?:^[ \\t]*\\1[ \\t]*$|\\z)", Pattern.DOTALL);
    private static final Pattern CODE_TAG = Pattern.compile("(?s)<code>\\s*(.*?)\\s*(?:</code\\s*>?|\\z)");
    private static final Pattern CODE_LABEL = Pattern.compile("(?im)^[ \\t]*(?:\\*\\*)?code(?:\\*\\*)?[ \\t]*:[ \\t]*$");
    /** The lead-in of an example of output: "it will output:", "This prints:", "Expected result:". */
    private static final Pattern OUTPUT_LEAD_IN = Pattern.compile(
            "(?i)\\b(output|outputs|prints?|printed|result|results|returns?|displays?|shows?|gives?|expected|see)\\b[^\\n]*:\\s*$");
    /** A sentence: four words or more of letters, and none of the characters code needs. */
    private static final Pattern PROSE_LINE = Pattern.compile("^\\s*[A-Za-z][\\w'’,-]*(\\s+[\\w'’,;:!?.-]+){3,}\\s*$");
    /**
     * What tells one language's code apart.
     *
     * @param tags            the fence tags of its blocks (untagged included)
     * @param codeLine        a line of code: a call, an assignment, a keyword that starts a statement, a comment
     * @param finalAnswerCall a line that calls final_answer (not in a comment)
     */
    private record Syntax(Set<String> tags, Pattern codeLine, Pattern finalAnswerCall) {
        static final Syntax PYTHON = new Syntax(Set.of("", "python", "py", "python3", "py3", "ipython", "ipython3"),
                Pattern.compile("^\\s*(#|@|(import|from|def|class|for|while|if|elif|else|try|except|finally|with|return"
                        + "|yield|raise|assert|del|pass|break|continue|global|nonlocal|lambda|async|await|print|final_answer)"
                        + "\\b|[\\w.\\[\\]'\", ]+\\s*([-+*/%&|^]|//|\\*\\*|<<|>>)?=[^=]|.*\\w\\s*\\(.*\\)\\s*$|[\\])}]+\\s*$)"),
                Pattern.compile("(?m)^[^#\\n]*\\bfinal_answer\\s*\\("));
        static final Syntax JAVASCRIPT = new Syntax(Set.of("", "javascript", "js", "node", "nodejs", "mjs", "cjs"),
                Pattern.compile("^\\s*(//|/\\*|(import|export|const|let|var|function|class|for|while|if|else|try|catch"
                        + "|finally|return|throw|switch|case|break|continue|await|async|new|console|final_answer|finalAnswer"
                        + "|display)\\b|[\\w.$\\[\\]'\"]+\\s*([-+*/%&|^]|\\*\\*|<<|>>|\\?\\?|\\|\\||&&)?=[^=>]"
                        + "|.*[\\w)]\\s*\\(.*\\)\\s*;?\\s*$|[\\])}]+\\s*[;),]*\\s*$)"),
                Pattern.compile("(?m)^(?![ \\t]*//)[^\\n]*\\b(?:final_answer|finalAnswer)\\s*\\("));

        static Syntax of(Language language) {
            return switch (language) {
                case PYTHON -> PYTHON;
                case JAVASCRIPT -> JAVASCRIPT;
            };
        }
    }
    private static final Set<String> SHELL_TAGS = Set.of("bash", "sh", "shell", "console", "zsh", "shell-session",
            "shellsession", "terminal", "cmd", "powershell", "ps1", "bat");

    /**
     * What a reply holds.
     *
     * @param code          the code to run, or null
     * @param thought       the prose around it
     * @param shellCommands shell blocks, which are not run
     */
    record Extracted(String code, String thought, List<String> shellCommands) {
        Extracted {
            shellCommands = List.copyOf(shellCommands);
        }

        boolean hasCode() {
            return code != null && !code.isBlank();
        }

        /** Shell commands but no code: the model thinks it has a terminal. */
        boolean onlyShell() {
            return !hasCode() && !shellCommands.isEmpty();
        }
    }

    private CodeExtractor() {
    }

    /**
     * The reply as far as it is acted on: cut at a line where the model starts writing its own observation.
     * The conversation keeps this, so the model never reads an invented observation as if it had been real.
     */
    static String actedOn(String reply) {
        if (reply == null) {
            return "";
        }
        // an observation written inside the reasoning is the model thinking aloud: only one after it counts
        int afterReasoning = 0;
        Matcher close = REASONING_CLOSE.matcher(reply);
        while (close.find()) {
            afterReasoning = close.end();
        }
        Matcher invented = INVENTED_OBSERVATION.matcher(reply);
        return invented.find(afterReasoning) ? reply.substring(0, invented.start()).stripTrailing() : reply;
    }

    /** The reply as it is read: cut at an invented observation, its reasoning set aside. */
    static String visible(String reply) {
        return withoutReasoning(actedOn(reply)).strip();
    }

    /** Like {@link #extract(String, Predicate)}, judging by the look of the lines whether unfenced text is Python. */
    static Extracted extract(String reply) {
        return extract(reply, CodeExtractor::looksLikePython);
    }

    /** The Python of a reply: {@link #extract(String, Language, Predicate)} for Python. */
    static Extracted extract(String reply, Predicate<String> isPython) {
        return extract(reply, Language.PYTHON, isPython);
    }

    /** Like {@link #extract(String, Language, Predicate)}, judging by the look of the lines whether unfenced text is code. */
    static Extracted extract(String reply, Language language) {
        return extract(reply, language, text -> looksLikeCode(text, Syntax.of(language)));
    }

    /**
     * The code and the prose of a reply.
     *
     * @param language the run's language: only its fences (and untagged ones) run
     * @param isCode   whether text found without a tag of the language is code of it (the agent asks the
     *                 interpreter to compile it): it decides for a reply without fences, and for an untagged block
     *                 with no line that looks like code, whether they run
     */
    static Extracted extract(String reply, Language language, Predicate<String> isCode) {
        Syntax syntax = Syntax.of(language);
        if (reply == null || reply.isBlank()) {
            return new Extracted(null, "", List.of());
        }
        String text = normaliseEnds(visible(reply));
        List<String> blocks = new ArrayList<>();
        List<String> shell = new ArrayList<>();
        StringBuilder thought = new StringBuilder();
        Matcher fence = FENCE.matcher(text);
        int last = 0;
        while (fence.find()) {
            String before = text.substring(last, fence.start());
            thought.append(before);
            last = fence.end();
            String tag = fence.group(2).toLowerCase(Locale.ROOT);
            String block = dedent(fence.group(3));
            if (block.isBlank()) {
                continue;
            }
            if (SHELL_TAGS.contains(tag)) {
                shell.add(block);
            } else if (tag.isEmpty() && isOutputExample(before, block, syntax, isCode)) {
                thought.append(fence.group());
            } else if (syntax.tags().contains(tag)) {
                blocks.add(block);
            } // any other language (json, text, output, sql, another language than the run's) is not run
        }
        if (!blocks.isEmpty()) {
            thought.append(text.substring(last));
            return new Extracted(program(blocks, syntax), thought.toString().strip(), shell);
        }
        if (last > 0) { // fences, none of them of the run's language
            thought.append(text.substring(last));
            return new Extracted(null, thought.toString().strip(), shell);
        }
        Matcher tag = CODE_TAG.matcher(text);
        List<String> tagged = new ArrayList<>();
        while (tag.find()) {
            tagged.add(dedent(tag.group(1)));
        }
        if (!tagged.isEmpty() && tagged.stream().anyMatch(code -> !code.isBlank())) {
            return new Extracted(program(tagged, syntax), CODE_TAG.matcher(text).replaceAll("").strip(), List.of());
        }
        int endCode = text.indexOf("<end_code>");
        if (endCode >= 0) {
            return beforeEndCode(text.substring(0, endCode), syntax, isCode);
        }
        String bare = text.strip();
        if (startsAsCode(bare, syntax) && isCode.test(bare)) {
            return new Extracted(dedent(bare), "", List.of());
        }
        return new Extracted(null, bare, List.of());
    }

    /**
     * The reply without its reasoning: closed blocks removed, everything up to an orphan closing tag (the chat
     * template opened the block, so the content starts inside it), everything after an opening tag never closed.
     */
    private static String withoutReasoning(String reply) {
        String text = REASONING_BLOCK.matcher(reply).replaceAll("");
        int afterClose = -1;
        Matcher close = REASONING_CLOSE.matcher(text);
        while (close.find()) {
            afterClose = close.end();
        }
        if (afterClose >= 0) {
            text = text.substring(afterClose);
        }
        Matcher open = REASONING_OPEN.matcher(text);
        if (open.find()) {
            text = text.substring(0, open.start());
        }
        return text;
    }

    /** End markers models write in place of (or after) a closing fence, made plain closing fences. */
    private static String normaliseEnds(String text) {
        String normal = TEMPLATE_TOKEN.matcher(text).replaceAll("\n");
        normal = FENCE_THEN_END_CODE.matcher(normal).replaceAll("$1");
        if (normal.contains("```")) { // a bare <end_code> closes the fence it ends
            normal = END_CODE.matcher(normal).replaceAll("\n```");
        }
        return FENCE_AT_LINE_END.matcher(normal).replaceAll("$1\n$2");
    }

    /** The blocks as one program; of several that call final_answer, only the last (see the class comment). */
    private static String program(List<String> blocks, Syntax syntax) {
        int lastAnswering = -1;
        for (int i = 0; i < blocks.size(); i++) {
            if (syntax.finalAnswerCall().matcher(blocks.get(i)).find()) {
                lastAnswering = i;
            }
        }
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (i == lastAnswering || !syntax.finalAnswerCall().matcher(blocks.get(i)).find()) {
                kept.add(blocks.get(i));
            }
        }
        return String.join("\n\n", kept);
    }

    /** An untagged block that shows output rather than code: introduced as output, or with no line of code. */
    private static boolean isOutputExample(String before, String block, Syntax syntax, Predicate<String> isCode) {
        String leadIn = before.strip();
        int lineStart = leadIn.lastIndexOf('\n');
        if (OUTPUT_LEAD_IN.matcher(leadIn.substring(lineStart + 1)).find()) {
            return true;
        }
        // a block that looks like code runs even if it does not compile: the model learns from the SyntaxError
        boolean hasCodeLine = block.lines().filter(line -> !line.isBlank())
                .anyMatch(line -> syntax.codeLine().matcher(line).find());
        return !hasCodeLine && !isCode.test(block);
    }

    /** smolagents' format without a fence: {@code Code:} (optional), the code, {@code <end_code>}. */
    private static Extracted beforeEndCode(String text, Syntax syntax, Predicate<String> isCode) {
        Matcher label = CODE_LABEL.matcher(text);
        int start = -1;
        while (label.find()) {
            start = label.end();
        }
        if (start >= 0) {
            return new Extracted(dedent(text.substring(start)), text.substring(0, start).strip(), List.of());
        }
        // no label: the code is the last run of lines that are not prose
        List<String> lines = text.strip().lines().toList();
        int first = lines.size();
        while (first > 0 && !PROSE_LINE.matcher(lines.get(first - 1)).matches()) {
            first--;
        }
        String code = String.join("\n", lines.subList(first, lines.size()));
        String thought = String.join("\n", lines.subList(0, first));
        return startsAsCode(code, syntax) && isCode.test(code) ? new Extracted(dedent(code), thought.strip(), List.of())
                : new Extracted(null, text.strip(), List.of());
    }

    /** Whether unfenced text begins with a line of code (a reply that begins with a sentence is prose). */
    private static boolean startsAsCode(String text, Syntax syntax) {
        return text.lines().filter(line -> !line.isBlank()).findFirst()
                .map(line -> syntax.codeLine().matcher(line).find()).orElse(false);
    }

    /** Without an interpreter to ask: lines of Python, and no sentence among them. */
    static boolean looksLikePython(String text) {
        return looksLikeCode(text, Syntax.PYTHON);
    }

    private static boolean looksLikeCode(String text, Syntax syntax) {
        Pattern code = syntax.codeLine();
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        return lines.stream().anyMatch(line -> code.matcher(line).find())
                && lines.stream().noneMatch(line -> PROSE_LINE.matcher(line).matches() && !code.matcher(line).find());
    }

    /** Removes the indentation a block shares (a fence inside a list item keeps the item's indentation). */
    private static String dedent(String block) {
        // String.stripIndent counts a blank last line as having no indentation: strip the trailing blank first
        return block.stripTrailing().stripIndent().replaceFirst("^\\n+", "");
    }
}
