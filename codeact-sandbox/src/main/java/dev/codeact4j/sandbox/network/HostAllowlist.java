package dev.codeact4j.sandbox.network;

import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The hosts a session may reach through the egress proxy. An entry is one of
 * <ul>
 *   <li>{@code HOST}: that host on ports 80 and 443;</li>
 *   <li>{@code HOST:PORT}: that host on that port only;</li>
 *   <li>{@code *.example.com} or {@code *.example.com:PORT}: any subdomain of example.com at any depth, but not
 *       example.com itself;</li>
 *   <li>an IPv4 address, or an IPv6 address in brackets ({@code [2001:db8::1]:8080}), with or without a port.</li>
 * </ul>
 * Matching ignores case and a trailing dot. International names are kept in their ASCII (punycode) form, which
 * is what clients send.
 */
public final class HostAllowlist {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");
    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*");

    /**
     * The entry that allowed a destination.
     *
     * @param entry the entry as {@link #entries()} shows it
     * @param exact the entry names the host itself (a name or an address), not a wildcard
     */
    public record Match(String entry, boolean exact) {
    }

    /** A parsed entry: {@code host} is canonical (for a wildcard, the domain under it); port 0 means 80 and 443. */
    private record Entry(String text, String host, boolean wildcard, int port) {
        boolean matches(String canonicalHost, int requestPort) {
            boolean portAllowed = port == 0 ? requestPort == 80 || requestPort == 443 : requestPort == port;
            return portAllowed && (wildcard ? canonicalHost.endsWith("." + host) : canonicalHost.equals(host));
        }
    }

    private final List<Entry> entries;

    private HostAllowlist(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses entries as a user wrote them.
     *
     * @throws IllegalArgumentException for the first entry that is not a host: what is wrong, and a right example
     */
    public static HostAllowlist parse(Collection<String> entries) {
        Map<String, Entry> parsed = new LinkedHashMap<>();
        for (String raw : entries) {
            Entry entry = parseEntry(raw);
            parsed.putIfAbsent(entry.text(), entry);
        }
        return new HostAllowlist(List.copyOf(parsed.values()));
    }

    /**
     * The entry that allows {@code host:port}, if any; an exact entry wins over a wildcard, since an exact entry
     * also lifts the address rule ({@link DestinationCheck}). A host that is not a valid name or address (as a
     * client might send it) matches nothing.
     */
    public Optional<Match> match(String host, int port) {
        String canonical = canonicalHost(host);
        if (canonical == null) {
            return Optional.empty();
        }
        Entry best = null;
        for (Entry entry : entries) {
            if (entry.matches(canonical, port) && (best == null || best.wildcard() && !entry.wildcard())) {
                best = entry;
            }
        }
        return Optional.ofNullable(best).map(entry -> new Match(entry.text(), !entry.wildcard()));
    }

    /** The entries in a canonical spelling, in the order given, for display. */
    public List<String> entries() {
        return entries.stream().map(Entry::text).toList();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether an entry names no port, and so means ports 80 and 443: worth saying when a port is refused. */
    public boolean hasEntryWithoutPort() {
        return entries.stream().anyMatch(entry -> entry.port() == 0);
    }

    @Override
    public String toString() {
        return String.join(", ", entries());
    }

    /**
     * A host as a client named it, in the form entries are kept: lower case, no trailing dot, an IPv6 address
     * without brackets and in the JDK's full form, an IPv4-mapped IPv6 address as IPv4. Null if it is not a host.
     */
    public static String canonicalHost(String host) {
        if (host == null) {
            return null;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            return canonicalIpv6(h.substring(1, h.length() - 1));
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.contains(":")) {
            return canonicalIpv6(h);
        }
        if (DIGITS_AND_DOTS.matcher(h).matches()) {
            return isIpv4(h) ? h : null;
        }
        return isHostName(h) ? h : null;
    }

    private static Entry parseEntry(String raw) {
        if (raw == null) {
            throw bad("null", "it is missing; write a host such as api.github.com");
        }
        String s = raw.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
            throw bad(raw, "it is empty; write a host such as api.github.com");
        }
        if (s.contains("/") || s.contains("@") || s.contains("?") || s.contains("#")) {
            throw bad(raw, "it is a URL, not a host: write the host alone, without a scheme, user or path, e.g. "
                    + hostOfUrl(s).orElse("api.github.com"));
        }
        if (s.chars().anyMatch(Character::isWhitespace) || s.contains(",")) {
            throw bad(raw, "it holds more than a host: write one host per entry, e.g. api.github.com");
        }
        if (s.startsWith("[")) {
            return parseBracketed(raw, s);
        }
        int colon = s.indexOf(':');
        if (colon != s.lastIndexOf(':')) {
            throw bad(raw, "an IPv6 address must be in brackets, e.g. [" + s + "] or [" + s + "]:443");
        }
        String host = colon < 0 ? s : s.substring(0, colon);
        int port = colon < 0 ? 0 : parsePort(raw, s.substring(colon + 1));
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw bad(raw, "the host is missing, e.g. api.github.com:443");
        }
        if (host.startsWith("*.")) {
            String domain = toAscii(raw, host.substring(2));
            if (domain.contains("*") || !isHostName(domain)) {
                throw bad(raw, "\"" + domain + "\" is not a domain name; a wildcard is *. and a domain, e.g. *.example.com");
            }
            if (!domain.contains(".")) {
                throw bad(raw, "it would match every host under ." + domain
                        + "; name a domain under it, e.g. *.example." + domain);
            }
            return new Entry(withPort("*." + domain, port), domain, true, port);
        }
        if (host.contains("*")) {
            throw bad(raw, "a wildcard may only open the entry, e.g. *.example.com"
                    + " (any subdomain of example.com, at any depth, but not example.com itself)");
        }
        if (DIGITS_AND_DOTS.matcher(host).matches()) {
            if (!isIpv4(host)) {
                throw bad(raw, "\"" + host + "\" is not an IPv4 address: four numbers from 0 to 255 without"
                        + " leading zeros, e.g. 192.0.2.10");
            }
            return new Entry(withPort(host, port), host, false, port);
        }
        host = toAscii(raw, host);
        if (!isHostName(host)) {
            throw bad(raw, "\"" + host + "\" is not a host name: letters, digits and hyphens in dot-separated"
                    + " labels, not ending in a number, e.g. api.github.com");
        }
        return new Entry(withPort(host, port), host, false, port);
    }

    private static Entry parseBracketed(String raw, String s) {
        int close = s.indexOf(']');
        if (close < 0) {
            throw bad(raw, "the IPv6 address has no closing bracket, e.g. [2001:db8::1] or [2001:db8::1]:8080");
        }
        String literal = s.substring(1, close);
        String rest = s.substring(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(":")) {
            throw bad(raw, "only :PORT may follow the bracketed address, e.g. [2001:db8::1]:8080");
        }
        int port = rest.isEmpty() ? 0 : parsePort(raw, rest.substring(1));
        String address = canonicalIpv6(literal);
        if (address == null) {
            throw bad(raw, "\"" + literal + "\" is not an IPv6 address, e.g. [2001:db8::1]:8080");
        }
        return new Entry(withPort("[" + literal + "]", port), address, false, port);
    }

    private static int parsePort(String raw, String text) {
        int port = text.matches("[0-9]{1,5}") ? Integer.parseInt(text) : -1;
        if (port < 1 || port > 65535) {
            throw bad(raw, "\"" + text + "\" is not a port: a number from 1 to 65535, e.g. api.github.com:443");
        }
        return port;
    }

    private static String withPort(String host, int port) {
        return port == 0 ? host : host + ":" + port;
    }

    private static String toAscii(String raw, String host) {
        try {
            return IDN.toASCII(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw bad(raw, "\"" + host + "\" is not a host name (" + e.getMessage() + "), e.g. api.github.com");
        }
    }

    private static Optional<String> hostOfUrl(String text) {
        try {
            URI uri = new URI(text.contains("://") ? text : "http://" + text);
            return Optional.ofNullable(uri.getHost()).map(host -> withPort(host, Math.max(uri.getPort(), 0)));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        // a name whose last label is a number would be read as an address by some resolvers
        return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
    }

    private static boolean isIpv4(String host) {
        if (!IPV4.matcher(host).matches()) {
            return false;
        }
        for (String part : host.split("\\.")) {
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static String canonicalIpv6(String literal) {
        if (!IPV6.matcher(literal).matches()) {
            return null;
        }
        try {
            // brackets make the JDK parse a literal and never fall back to a DNS lookup
            return InetAddress.getByName("[" + literal + "]").getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static IllegalArgumentException bad(String raw, String problem) {
        return new IllegalArgumentException("allowed host \"" + raw + "\": " + problem);
    }
}
