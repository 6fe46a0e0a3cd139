package dev.codeact4j.server.settings;

import dev.codeact4j.agent.CodeActAgent;

/**
 * Makes the agent of one run from what the client asked ({@code codeact serve} makes them as {@code codeact run}
 * does: the config file's models, tools, sandbox policy, run store). An embedding application gives its own.
 */
@FunctionalInterface
public interface RunAgents {
    /**
     * The agent for {@code request}. A request that cannot be served (an unknown model, a schema that is no JSON
     * Schema, a model without its API key) throws {@link InvalidRequestException} naming the field and why: the
     * client gets a 400 with that message.
     */
    CodeActAgent agent(RunRequest request);
}
