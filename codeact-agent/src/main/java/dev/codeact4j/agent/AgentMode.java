package dev.codeact4j.agent;

import java.util.Locale;

/** How a task is worked on. */
public enum AgentMode {
    /** One generation, one execution: the code's result is the answer. */
    SIMPLE,
    /** The CodeAct loop: code, observation, code... until {@code final_answer} or the step limit. */
    MULTI_STEP;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static AgentMode parse(String label) {
        for (AgentMode mode : values()) {
            if (mode.label().equalsIgnoreCase(label.strip())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + label + "'; use simple or multi-step");
    }
}
