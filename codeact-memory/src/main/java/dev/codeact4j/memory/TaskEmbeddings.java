package dev.codeact4j.memory;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Tasks as vectors: all-MiniLM-L6-v2 (384 dimensions) run in-process by ONNX Runtime, from LangChain4j's module
 * that carries the model in its jar, so it works offline. The model is loaded once per process, on first use
 * (about a second), and shared.
 */
final class TaskEmbeddings {

    private TaskEmbeddings() {
    }

    // The holder idiom: loaded when first touched, once, by whichever thread gets there first.
    private static final class Model {
        static final EmbeddingModel INSTANCE = load();
    }

    private static volatile boolean loaded;

    /** Whether the model is loaded in this process, so that using it costs no more than the embedding itself. */
    static boolean loaded() {
        return loaded;
    }

    /**
     * Loads the model. ONNX Runtime unpacks its native libraries into a new {@code onnxruntime-java*} directory
     * and asks for it to be deleted at exit before its files are, so the directory always stays behind; the
     * libraries are loaded by then (Linux keeps them mapped), so this removes what it made at once.
     */
    private static EmbeddingModel load() {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = onnxRuntimeDirectories(temp);
        EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
        for (Path made : onnxRuntimeDirectories(temp)) {
            if (!before.contains(made)) {
                deleteRecursively(made);
            }
        }
        loaded = true;
        return model;
    }

    private static Set<Path> onnxRuntimeDirectories(Path temp) {
        Set<Path> found = new HashSet<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(temp, "onnxruntime-java*")) {
            dirs.forEach(found::add);
        } catch (IOException e) {
            // nothing to find
        }
        return found;
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            // another process's, or gone: left to the system's temporary-file cleaner
        }
    }

    static float[] embed(String task) {
        return Model.INSTANCE.embed(CacheKey.normalise(task)).content().vector();
    }

    /** From -1 to 1; 1 for vectors pointing the same way. */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            return -1; // made by another model: not comparable
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }
        return normA == 0 || normB == 0 ? 0 : dot / Math.sqrt(normA * normB);
    }
}
