package dev.codeact4j.agent;

import dev.codeact4j.result.ProcessedAnswer;

import java.util.Optional;

/**
 * A check a final answer must pass before the run accepts it. An answer with a problem goes back to the model,
 * told what the problem is ({@code prompts/invalid-answer.txt}), and the run goes on within its step limit.
 * Give checks to {@link CodeActAgent.Builder#answerCheck}; an answer schema ({@link CodeActAgent.Builder#answerSchema})
 * is one built in, checked before them.
 *
 * <pre>{@code
 * .answerCheck(answer -> answer.text().contains("€") ? Optional.empty() : Optional.of("give the amount in euros"))
 * }</pre>
 *
 * The multi-step loop checks every final answer, and a cached program's answer is checked before it is used;
 * simple mode has a single reply and takes its answer as it is.
 */
@FunctionalInterface
public interface AnswerCheck {

    /** What is wrong with the answer, as the model is told it; empty when the answer passes. */
    Optional<String> problem(ProcessedAnswer answer);

    /** The problem in one line for whoever watches the run (an {@link AgentEvent.Error}). */
    default String summary(String problem) {
        return "the answer was not accepted: " + problem;
    }
}
