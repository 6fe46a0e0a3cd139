package dev.codeact4j.server.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.network.HostAllowlist;
import dev.codeact4j.server.http.ApiException;
import dev.codeact4j.server.http.Json;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /api/sessions} as a policy: the server's default policy with what the request changes
 * (language, time limit, memory, imports, network). Each field that is wrong is a 400 naming it.
 */
final class SessionRequest {
    /** The fields of the body; another one is a 400, so that a misspelt limit is not silently the default. */
    static final Set<String> FIELDS = Set.of("language", "timeoutSeconds", "memoryMb", "allowImports", "network",
            "allowHosts");
    /** The longest time limit an execution may be given (a day): beyond it a number is a mistake. */
    static final double MAX_TIMEOUT_SECONDS = 86_400;

    private SessionRequest() {
    }

    /**
     * The policy of a session asked for with {@code body}, on the server's {@code defaults}. A session made through
     * the API always has a private working directory, whatever the defaults name: its files are its own.
     */
    static SandboxPolicy policy(ObjectNode body, SandboxPolicy defaults) {
        refuseUnknownFields(body, FIELDS);
        SandboxPolicy.Builder policy = defaults.toBuilder().workdir(null);
        String language = Json.text(body, "language");
        if (language != null) {
            try {
                policy.language(Language.parse(language));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("language", e.getMessage() + ".");
            }
        }
        Double timeout = Json.positiveNumber(body, "timeoutSeconds");
        if (timeout != null) {
            policy.timeout(seconds("timeoutSeconds", timeout));
        }
        Integer memory = Json.wholeNumber(body, "memoryMb", 64);
        if (memory != null) {
            policy.memoryMb(memory);
        }
        List<String> imports = strings(body, "allowImports");
        if (imports != null) {
            policy.allowImports(imports.toArray(String[]::new));
        }
        JsonNode network = body.get("network");
        if (network != null && !network.isNull()) {
            if (!network.isBoolean()) {
                throw ApiException.badRequest("network", "network must be true or false, not " + network + ".");
            }
            policy.network(network.asBoolean());
        }
        List<String> hosts = strings(body, "allowHosts");
        if (hosts != null) {
            try {
                HostAllowlist.parse(hosts);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("allowHosts", e.getMessage() + ".");
            }
            policy.allowHosts(hosts);
        }
        try {
            return policy.build();
        } catch (IllegalArgumentException e) {
            // The one rule across fields: the whole network and named hosts exclude each other.
            throw ApiException.badRequest(hosts != null && !hosts.isEmpty() ? "allowHosts" : "network",
                    e.getMessage() + ".");
        }
    }

    /** A time in seconds as a duration, 400 beyond a day. */
    static Duration seconds(String field, double seconds) {
        if (seconds > MAX_TIMEOUT_SECONDS) {
            throw ApiException.badRequest(field, field + " must be at most " + (long) MAX_TIMEOUT_SECONDS
                    + " seconds (a day), not " + seconds + ".");
        }
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    }

    /** Refuses a field the route does not take, naming the ones it does. */
    static void refuseUnknownFields(ObjectNode body, Set<String> known) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiException.badRequest(name, "Unknown field '" + name + "'; this route takes "
                        + String.join(", ", known.stream().sorted().toList()) + ".");
            }
        }
    }

    /** An optional list of non-blank strings: null when absent, 400 otherwise when it is not one. */
    private static List<String> strings(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        List<String> strings = new ArrayList<>();
        if (value.isArray()) {
            for (JsonNode item : value) {
                if (!item.isTextual() || item.asText().isBlank()) {
                    strings = null;
                    break;
                }
                strings.add(item.asText().strip());
            }
        }
        if (!value.isArray() || strings == null) {
            throw ApiException.badRequest(field, field + " must be a list of names, such as [\"requests\"], not "
                    + value + ".");
        }
        return strings;
    }
}
