package dev.codeact4j.memory;

import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.ToolSearch;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Tool search by meaning, for {@code CodeActAgent.builder().toolSearch(new ToolEmbeddings())}: each tool's
 * {@link ToolSearch#text} and the query are embedded by all-MiniLM-L6-v2 in-process (the model past solutions are
 * found with), and the tools ranked by cosine, so "exchange euros for dollars" finds {@code convert_currency},
 * which shares no word with it. A tool the query names ({@code read_file}, or {@code get-sum} as {@code get_sum})
 * comes first. On requests worded as tasks are, among the tools of three reference MCP servers (BENCHMARKS.md,
 * "Tool listing"), this finds the right tool first more often than the keywords (BM25), which find nothing for a
 * request that shares no word with the tool; fusing the two rankings (reciprocal rank fusion) did worse than meaning
 * alone, the keywords' wrong matches (a word of a server's name, say) pulling the right tool down.
 *
 * <p>The model is loaded on the first search (about a second), once per process. Each tool's vector is computed once
 * per instance: give the same instance to every agent that has the same tools ({@code codeact serve} builds an agent
 * per run). Where ONNX Runtime cannot run, the keywords rank the tools.
 */
public final class ToolEmbeddings implements ToolSearch {
    /** By the text of the tool: the same tool of another agent is not embedded again. */
    private final Map<String, float[]> vectors = new ConcurrentHashMap<>();

    @Override
    public Index index(List<Tool> tools) {
        List<float[]> toolVectors;
        try {
            toolVectors = tools.stream().map(tool -> vectors.computeIfAbsent(ToolSearch.text(tool), TaskEmbeddings::embed)).toList();
        } catch (RuntimeException | LinkageError e) {
            return ToolSearch.keywords().index(tools); // no embedding model here: the keywords are still an answer
        }
        List<Pattern> names = tools.stream()
                .map(tool -> Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(tool.name().replace('-', '_').toLowerCase(Locale.ROOT))
                        + "(?![A-Za-z0-9_])"))
                .toList();
        return (query, limit) -> {
            float[] asked = TaskEmbeddings.embed(query);
            String words = query.replace('-', '_').toLowerCase(Locale.ROOT);
            double[] scores = new double[tools.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = TaskEmbeddings.cosine(asked, toolVectors.get(i)) + (names.get(i).matcher(words).find() ? 2 : 0);
            }
            return IntStream.range(0, tools.size()).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]))
                    .limit(limit)
                    .map(tools::get)
                    .toList();
        };
    }
}
