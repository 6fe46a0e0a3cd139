package dev.codeact4j.agent;

/** Receives a run's events in order. A listener that throws does not break the run. */
@FunctionalInterface
public interface AgentListener {
    void onEvent(AgentEvent event);
}
