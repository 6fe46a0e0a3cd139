package dev.codeact4j.store;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How far back a report goes, as people write it: {@code 7d} (days), {@code 12h} (hours) or {@code 30m} (minutes).
 * {@code codeact report --since} and the server's {@code /api/report?since=} both read it here.
 */
public final class Age {
    private static final Pattern AGE = Pattern.compile("(\\d{1,6})([dhm])");

    private Age() {
    }

    /** The age {@code text} says; an IllegalArgumentException saying how to write one otherwise. */
    public static Duration parse(String text) {
        Matcher age = AGE.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (!age.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an age; write a number and d, h or m, "
                    + "e.g. 7d (days), 12h (hours) or 30m (minutes)");
        }
        long amount = Long.parseLong(age.group(1));
        return switch (age.group(2)) {
            case "d" -> Duration.ofDays(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofMinutes(amount);
        };
    }
}
