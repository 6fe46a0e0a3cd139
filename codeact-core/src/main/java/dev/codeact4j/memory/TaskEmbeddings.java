package dev.codeact4j.memory;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

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
        static final EmbeddingModel INSTANCE = new AllMiniLmL6V2EmbeddingModel();
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
