package dev.codeact4j.agent;

import dev.codeact4j.model.ModelParameters;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.result.ProcessedAnswer;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.tools.Tools;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * What an agent remembers across runs: asked at the start of a run in a fresh session, told at its end. The agent
 * calls it; {@code dev.codeact4j.memory.AgentMemory} keeps it in a run store's file. Give one to
 * {@link CodeActAgent.Builder#memory(RunMemory)}.
 *
 * <p>A memory never breaks a run: one that cannot answer answers nothing.
 */
public interface RunMemory {

    /**
     * Everything that decides what a run's code does and what counts as its answer: what the memory files a
     * run's program and answer under.
     */
    record RunSetup(String task, String model, ModelParameters modelParameters, String language, String mode,
                    AnswerFormat format, AnswerSchema schema, Tools tools, SandboxPolicy policy) {
        public RunSetup {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(tools, "tools");
            Objects.requireNonNull(policy, "policy");
        }
    }

    /** A program cached from an earlier run: the code of its steps, in order. */
    record CachedProgram(String runId, List<String> code) {
        public CachedProgram {
            code = List.copyOf(code);
        }
    }

    /** A program the model can adapt, from an earlier run of a similar task. */
    record PastSolution(String runId, String task, List<String> code, double similarity) {
        public PastSolution {
            code = List.copyOf(code);
        }
    }

    /** The program cached for this setup: the agent runs it again without the model. */
    Optional<CachedProgram> cachedProgram(RunSetup setup);

    /**
     * The answer cached for this setup's program, when it may stand for running the program again: then there is
     * no model call and no code run.
     */
    Optional<ProcessedAnswer> cachedAnswer(RunSetup setup, List<String> code);

    /** The cached program no longer reaches an answer: dropped, so that the next run asks the model. */
    void forget(RunSetup setup);

    /**
     * The past solution in this language most similar to this task, when one is similar enough (a program in
     * another language would mislead); {@code loadingModel} hears, with the number of past solutions, when a model
     * to compare them with is about to be loaded.
     */
    Optional<PastSolution> similarSolution(String task, Language language, IntConsumer loadingModel);

    /** How a run ended: one that reached its answer may be kept for later runs. */
    void remember(RunSetup setup, AgentResult result);
}
