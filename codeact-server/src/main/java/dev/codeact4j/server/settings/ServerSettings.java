package dev.codeact4j.server.settings;

import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.tools.Tools;

import java.io.PrintWriter;
import java.util.List;

/**
 * What the features of one server share.
 *
 * @param sandbox      where sessions are made
 * @param policy       the default policy of sessions and runs (a session's request may change its own)
 * @param agents       makes each run's agent
 * @param store        the run store (history, report, runs read back), or null when runs are not recorded
 * @param tools        the host tools, defined in the sessions too
 * @param defaultModel the model of a run that names none, or null
 * @param models       the models offered on the page (the default first), possibly empty
 * @param limits       how much the server takes on at once
 * @param log          where the server notes what a client does not see (failures, refused requests)
 */
public record ServerSettings(Sandbox sandbox, SandboxPolicy policy, RunAgents agents, RunStore store, Tools tools,
                             String defaultModel, List<String> models, ServerLimits limits,
                             PrintWriter log) {
}
