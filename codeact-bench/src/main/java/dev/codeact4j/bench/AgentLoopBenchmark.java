package dev.codeact4j.bench;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.sandbox.ExecutionResult;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The agent loop's own cost per step. A model that answers instantly drives {@value #STEPS}-step runs in one
 * warm session: each step asks the model, extracts the code, runs it, builds the observation and the next
 * request. {@code loopStep} is the time per step of such a run; {@code executeOnly} runs the same snippet
 * directly through the session, so {@code loopStep - executeOnly} is what the loop adds on top of running code
 * (prompt building, extraction, observation, events, bookkeeping, the run's start and end spread over its steps).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class AgentLoopBenchmark {
    static final int STEPS = 10;
    private static final String STEP_CODE = "counter = globals().get('counter', 0) + 1";

    private Session session;
    private CodeActAgent agent;

    @Setup
    public void open() {
        session = Sandbox.create().open(SandboxPolicy.defaults());
        agent = CodeActAgent.builder().model(new InstantModel()).modelName("instant").maxSteps(STEPS + 1).build();
        check(agent.run("count", session, null));
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public AgentResult loopStep() {
        return agent.run("count", session, null);
    }

    @Benchmark
    public ExecutionResult executeOnly() {
        return session.execute(STEP_CODE);
    }

    @TearDown
    public void close() {
        check(agent.run("count", session, null));
        session.close();
    }

    private static void check(AgentResult result) {
        if (!result.success() || result.steps().size() != STEPS) {
            throw new IllegalStateException("the benchmark run did not go as scripted: " + result);
        }
    }

    /** Replies at once: the step's code, and on the last step the final answer. */
    static final class InstantModel implements ChatModel {
        @Override
        public ChatResponse doChat(ChatRequest request) {
            int step = (request.messages().size() - 2) / 2; // system and task, then a reply and an observation per step
            String code = step < STEPS - 1 ? STEP_CODE : "final_answer(counter)";
            return ChatResponse.builder()
                    .aiMessage(AiMessage.from("Next step.\n```python\n" + code + "\n```"))
                    .tokenUsage(new TokenUsage(100, 10))
                    .build();
        }
    }
}
