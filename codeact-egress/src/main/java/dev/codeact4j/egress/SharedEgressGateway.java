package dev.codeact4j.egress;

import dev.codeact4j.sandbox.network.EgressGateway;
import dev.codeact4j.sandbox.network.EgressRoute;
import dev.codeact4j.sandbox.network.HostAllowlist;

import java.nio.file.Path;

/**
 * What the sandbox's {@link java.util.ServiceLoader} finds: every gateway it makes hands out routes of the one proxy
 * the JVM shares, whose server starts with the first route.
 */
public final class SharedEgressGateway implements EgressGateway {

    /** For the service loader. */
    public SharedEgressGateway() {
    }

    @Override
    public EgressRoute open(Path unixSocket, HostAllowlist allowlist) {
        return EgressProxy.shared().open(unixSocket, allowlist);
    }
}
