package dev.codeact4j.egress;

import dev.codeact4j.sandbox.network.HostAllowlist;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Whether a session may reach {@code host:port}, and at which addresses. First the allowlist; then the proxy
 * resolves the name itself and refuses it if any address is internal (loopback, private, link-local, ...),
 * unless the entry that matched names the host exactly. A wildcard must not become a way into the host's own
 * network: whoever runs a domain's DNS decides what its subdomains resolve to. The proxy connects to the
 * addresses checked here and to no others, so a second lookup (DNS rebinding) cannot move the connection.
 */
final class DestinationCheck {
    private static final int MAX_LISTED_ENTRIES = 12;

    /** A destination that passed: connect to these addresses, and to no others. */
    record Allowed(String host, int port, List<InetSocketAddress> addresses) {
    }

    /** A refusal. {@link #reason()} is one line for the record; {@link #getMessage()} the whole 403 text. */
    static final class RefusedException extends IOException {
        private final String reason;

        RefusedException(String message, String reason) {
            super(message);
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }

    private DestinationCheck() {
    }

    /** The allowlist alone, without DNS: the proxy answers with it before anything else. */
    static HostAllowlist.Match allowlisted(HostAllowlist allowlist, String host, int port) throws RefusedException {
        if (HostAllowlist.canonicalHost(host) == null) {
            String reason = "\"" + host + "\" is not a valid host name or address";
            throw new RefusedException("codeact: the sandbox may not reach " + hostPort(host, port) + ": " + reason + ".",
                    reason);
        }
        return allowlist.match(host, port).orElseThrow(() -> refused(host, port, notListed(allowlist)));
    }

    /**
     * The whole check: the allowlist, the proxy's own lookup, the address rule.
     *
     * @throws UnknownHostException when the name does not resolve (an upstream failure, not a refusal)
     */
    static Allowed check(HostAllowlist allowlist, String host, int port) throws RefusedException, UnknownHostException {
        HostAllowlist.Match match = allowlisted(allowlist, host, port);
        String name = displayHost(host);
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (InetAddress address : InetAddress.getAllByName(name)) {
            String kind = internalKind(address);
            if (kind != null && !match.exact()) {
                throw refused(host, port, name + " resolves to " + address.getHostAddress() + ", " + kind
                        + ", which is reached only when the host is named exactly (it matched " + match.entry() + ")");
            }
            addresses.add(new InetSocketAddress(address, port));
        }
        return new Allowed(name, port, List.copyOf(addresses));
    }

    /** What kind of internal address this is, as a phrase ("a loopback address"), or null for a public one. */
    static String internalKind(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 127) {
                return "a loopback address";
            }
            if (first == 10 || first == 172 && (second & 0xf0) == 16 || first == 192 && second == 168) {
                return "a private address";
            }
            if (first == 169 && second == 254) {
                return "a link-local address";
            }
            if (first == 100 && (second & 0xc0) == 64) {
                return "a carrier-grade NAT address";
            }
            if (first == 0) {
                return "an unspecified address";
            }
            if (first >= 224 && first <= 239) {
                return "a multicast address";
            }
            return address.getHostAddress().equals("255.255.255.255") ? "a broadcast address" : null;
        }
        if (address.isAnyLocalAddress()) {
            return "an unspecified address";
        }
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if ((first & 0xfe) == 0xfc || first == 0xfe && (second & 0xc0) == 0xc0) {
            return "a private address"; // unique local fc00::/7, and the deprecated site-local fec0::/10
        }
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return "a link-local address";
        }
        if (first == 0xff) {
            return "a multicast address";
        }
        return embeddedIpv4Kind((Inet6Address) address);
    }

    /** {@code ::ffff:a.b.c.d} (mapped) and {@code ::a.b.c.d} (compatible) reach a.b.c.d on many systems. */
    private static String embeddedIpv4Kind(Inet6Address address) {
        byte[] b = address.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return null;
            }
        }
        boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
        boolean compatible = b[10] == 0 && b[11] == 0;
        if (!mapped && !compatible) {
            return null;
        }
        try {
            InetAddress v4 = InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
            String kind = internalKind(v4);
            return kind == null ? null : "an IPv4-" + (mapped ? "mapped" : "compatible") + " form of "
                    + v4.getHostAddress() + ", " + kind;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    /** The host as the code named it: lower case, without brackets or a trailing dot. */
    static String displayHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            return h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** {@code host:port}, with an IPv6 address in brackets. */
    static String hostPort(String host, int port) {
        String h = displayHost(host);
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    private static String notListed(HostAllowlist allowlist) {
        if (allowlist.isEmpty()) {
            return "it is not in the allowlist, which is empty";
        }
        List<String> entries = allowlist.entries();
        String listed = String.join(", ", entries.subList(0, Math.min(entries.size(), MAX_LISTED_ENTRIES)))
                + (entries.size() > MAX_LISTED_ENTRIES ? " and " + (entries.size() - MAX_LISTED_ENTRIES) + " more" : "");
        String ports = allowlist.hasEntryWithoutPort() ? "; a host without a port means ports 80 and 443" : "";
        return "it is not in the allowlist (allowed: " + listed + ports + ")";
    }

    private static RefusedException refused(String host, int port, String reason) {
        String destination = hostPort(host, port);
        return new RefusedException("codeact: the sandbox may not reach " + destination + ": " + reason + "."
                + " To allow it: --allow-host " + destination + " (codeact), SandboxPolicy.builder().allowHosts(\""
                + destination + "\") (Java), or \"allowHosts\" in config.json.", reason);
    }
}
