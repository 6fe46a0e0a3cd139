package dev.codeact4j.tools;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Okapi BM25 over each tool's {@link ToolSearch#text}, its name's words counted twice (a word of the name says more
 * than one of a parameter's description). Words are split at anything not a letter or digit and at camelCase,
 * lower-cased, and plurals made singular (S-stemming: entities, entity; files, file); a few function words are left
 * out. Written here rather than taken from Lucene: the formula is a few lines, the documents a few hundred short
 * texts held in memory, and Lucene's analyzers would not split identifiers anyway.
 */
final class KeywordToolSearch implements ToolSearch {
    static final KeywordToolSearch INSTANCE = new KeywordToolSearch();

    /** BM25's usual constants: how fast a word's repetitions stop counting, and how much a long text is discounted. */
    private static final double K1 = 1.2;
    private static final double B = 0.75;
    private static final Pattern CAMEL = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])");
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final Set<String> FUNCTION_WORDS = Set.of(
            "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "from", "is", "are", "be",
            "it", "its", "this", "that", "as", "at", "into", "all", "any", "my", "me", "i", "you", "your", "what",
            "which", "how", "do", "does", "can", "will", "should", "would", "tool", "function", "if", "given");

    private KeywordToolSearch() {
    }

    @Override
    public Index index(List<Tool> tools) {
        List<Map<String, Integer>> documents = new ArrayList<>();
        Map<String, Integer> documentFrequency = new HashMap<>();
        double totalLength = 0;
        for (Tool tool : tools) {
            List<String> terms = new ArrayList<>(terms(words(tool.name())));
            terms.addAll(terms(ToolSearch.text(tool))); // the name a second time: the text begins with it
            Map<String, Integer> counts = new HashMap<>();
            terms.forEach(term -> counts.merge(term, 1, Integer::sum));
            counts.keySet().forEach(term -> documentFrequency.merge(term, 1, Integer::sum));
            documents.add(counts);
            totalLength += terms.size();
        }
        double averageLength = tools.isEmpty() ? 1 : Math.max(1, totalLength / tools.size());
        int n = tools.size();
        return (query, limit) -> {
            List<String> queryTerms = terms(query).stream().distinct().toList();
            double[] scores = new double[n];
            for (int d = 0; d < n; d++) {
                Map<String, Integer> counts = documents.get(d);
                double length = counts.values().stream().mapToInt(Integer::intValue).sum();
                for (String term : queryTerms) {
                    Integer frequency = counts.get(term);
                    if (frequency != null) {
                        int containing = documentFrequency.get(term);
                        double idf = Math.log(1 + (n - containing + 0.5) / (containing + 0.5));
                        scores[d] += idf * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / averageLength));
                    }
                }
            }
            return IntStream.range(0, n).boxed()
                    .filter(d -> scores[d] > 0)
                    .sorted(Comparator.comparingDouble((Integer d) -> -scores[d])) // stable: ties keep the tools' order
                    .limit(limit)
                    .map(tools::get)
                    .toList();
        };
    }

    /** An identifier's words: {@code read_graph} and {@code readGraph} are "read graph". */
    static String words(String identifier) {
        return String.join(" ", NOT_WORD.split(CAMEL.matcher(identifier).replaceAll(" ").strip())).strip();
    }

    /** The terms BM25 counts: words, lower-cased and singular, without function words. */
    static List<String> terms(String text) {
        List<String> terms = new ArrayList<>();
        for (String word : NOT_WORD.split(CAMEL.matcher(text).replaceAll(" "))) {
            String term = singular(word.toLowerCase(Locale.ROOT));
            if (!term.isEmpty() && !FUNCTION_WORDS.contains(term)) {
                terms.add(term);
            }
        }
        return terms;
    }

    /**
     * Harman's S-stemmer (entities, entity; files, file; but not status or class), with the plurals in -es after a
     * hissing sound (indexes, index; processes, process; searches, search).
     */
    private static String singular(String word) {
        if (word.length() > 4 && word.endsWith("ies") && !word.endsWith("eies") && !word.endsWith("aies")) {
            return word.substring(0, word.length() - 3) + "y";
        }
        if (word.length() > 4 && (word.endsWith("sses") || word.endsWith("xes") || word.endsWith("ches")
                || word.endsWith("shes") || word.endsWith("zzes"))) {
            return word.substring(0, word.length() - 2);
        }
        if (word.length() > 3 && word.endsWith("es") && !word.endsWith("aes") && !word.endsWith("ees")
                && !word.endsWith("oes")) {
            return word.substring(0, word.length() - 1);
        }
        if (word.length() > 3 && word.endsWith("s") && !word.endsWith("us") && !word.endsWith("ss")) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }
}
