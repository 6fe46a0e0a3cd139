package dev.codeact4j.store;

import dev.codeact4j.agent.AgentEvent;
import dev.codeact4j.agent.AgentListener;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Records an agent's runs in a {@link RunStore} as they go: a run when it starts (as running), each step when
 * it is complete, and how the run ended, with an answer or without, or by a failure of the model (its error kept). Give it to the agent as a listener:
 * {@code CodeActAgent.builder().listener(store.recorder())}.
 *
 * <p>Recording never breaks a run: a write that fails is reported once, to the {@code onFailure} given to
 * {@link RunStore#recorder(Consumer)} and by {@link #failure()}; the run goes on, and so do later writes (a busy
 * store may well take the next one).
 */
public final class RunRecorder implements AgentListener {
    private final RunStore store;
    private final Consumer<StoreException> onFailure;
    private final AtomicReference<StoreException> firstFailure = new AtomicReference<>();

    RunRecorder(RunStore store, Consumer<StoreException> onFailure) {
        this.store = store;
        this.onFailure = onFailure;
    }

    @Override
    public void onEvent(AgentEvent event) {
        try {
            switch (event) {
                case AgentEvent.RunStarted started ->
                        store.runStarted(started.runId(), started.task(), started.mode(), started.model(),
                                started.language(), Instant.now());
                case AgentEvent.StepFinished finished -> store.stepFinished(finished.runId(), finished.step());
                case AgentEvent.RunFinished finished -> store.runFinished(finished.result(), Instant.now());
                case AgentEvent.RunFailed failed -> store.runFailed(failed, Instant.now());
                default -> { /* the rest is in the steps */ }
            }
        } catch (StoreException e) {
            if (firstFailure.compareAndSet(null, e)) {
                onFailure.accept(e);
            }
        }
    }

    /** The first write that failed, if one did. */
    public Optional<StoreException> failure() {
        return Optional.ofNullable(firstFailure.get());
    }
}
