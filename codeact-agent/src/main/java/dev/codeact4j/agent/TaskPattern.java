package dev.codeact4j.agent;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The kind of a task (the seed's generateOptimizedCode): each kind has its own advice in the system prompt, the
 * template {@code pattern-LABEL.txt} of {@link PromptTemplates}, shown as {@code {{pattern}}}.
 *
 * <p>A task is classified by a small keyword scorer, not a model: each kind has a list of word patterns, a task
 * scores one point per pattern it matches, and the kind with the most points wins; ties go to the kind listed
 * first (machine learning, then web scraping, then data analysis: the more specific advice), and a task that
 * matches none is {@link #GENERAL}. It costs microseconds and is wrong gracefully: a misclassified task only gets
 * less fitting advice.
 */
public enum TaskPattern {
    MACHINE_LEARNING(
            "\\btrain(s|ed|ing)?\\b", "\\bclassif(y|ier|iers|ication)\\b", "\\bmachine learning\\b",
            "\\bneural\\b", "\\bsklearn\\b|\\bscikit", "\\bclusters?\\b|\\bclustering\\b|\\bk-?means\\b",
            "\\bpredict(s|ion|ions|ive)?\\b", "\\b(cross-)?validation\\b", "\\baccuracy\\b|\\bprecision\\b|\\brecall\\b",
            "\\blogistic\\b|\\brandom forest\\b|\\bdecision tree\\b|\\bsvm\\b", "\\bfeatures?\\b", "\\bfit (a|the)\\b"),
    WEB_SCRAPING(
            "\\bscrap(e|es|ed|ing|er)\\b", "\\bcrawl", "\\bweb ?(page|site)s?\\b", "\\bhtml\\b", "https?://",
            "\\burls?\\b", "\\bbeautifulsoup\\b|\\bbs4\\b", "\\blinks\\b", "\\bdownload"),
    DATA_ANALYSIS(
            "\\banaly(s|z)(e|es|is|ing)\\b", "\\bstocks?\\b", "\\bprices?\\b", "\\bmean\\b|\\baverages?\\b|\\bmedian\\b",
            "\\bstatistic", "\\bcorrelat", "\\bdata ?(set|frame)?s?\\b", "\\bcsv\\b", "\\bpandas\\b|\\bnumpy\\b",
            "\\btrends?\\b", "\\bplot\\b|\\bcharts?\\b|\\bhistogram\\b|\\bvisuali[sz]", "\\bphysics\\b",
            "\\bsimulat", "\\bprojectile\\b|\\bvelocity\\b|\\btrajector", "\\bvolatility\\b|\\breturns\\b"),
    GENERAL();

    private final List<Pattern> words;

    TaskPattern(String... words) {
        this.words = java.util.Arrays.stream(words).map(Pattern::compile).toList();
    }

    /** data_analysis, web_scraping, machine_learning or general: the name of its prompt template. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind of this task (see the class comment for how). */
    public static TaskPattern classify(String task) {
        String text = task.toLowerCase(Locale.ROOT);
        TaskPattern best = GENERAL;
        int bestScore = 0;
        for (TaskPattern pattern : values()) {
            int score = pattern.score(text);
            if (score > bestScore) {
                best = pattern;
                bestScore = score;
            }
        }
        return best;
    }

    private int score(String text) {
        int score = 0;
        for (Pattern word : words) {
            if (word.matcher(text).find()) {
                score++;
            }
        }
        return score;
    }
}
