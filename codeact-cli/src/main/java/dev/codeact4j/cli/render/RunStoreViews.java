package dev.codeact4j.cli.render;

import dev.codeact4j.store.RunStatus;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How {@code history}, {@code show} and {@code report} show recorded runs: ids, times, statuses, columns. */
public final class RunStoreViews {
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private static final int ID_PREFIX = 8;

    private RunStoreViews() {
    }

    /** As much of a run id as the history shows: enough to tell runs apart, short enough to type. */
    public static String shortId(String id) {
        return id.length() <= ID_PREFIX ? id : id.substring(0, ID_PREFIX);
    }

    public static String noRunsYet(Path file) {
        return "No runs recorded yet in " + file + ": 'codeact run' and 'codeact demo' record theirs.";
    }

    /** Local time, to the minute, as in the history. */
    public static String minute(Instant instant) {
        return MINUTE.format(instant);
    }

    /** Local time, to the second, as in a run shown whole. */
    static String second(Instant instant) {
        return SECOND.format(instant);
    }

    public static String status(RunStatus status, Colors colors) {
        return switch (status) {
            case SUCCEEDED -> colors.green(status.label());
            case FAILED -> colors.red(status.label());
            case INCOMPLETE, CANCELLED -> colors.yellow(status.label());
            case RUNNING -> colors.cyan(status.label());
        };
    }

    /** The first line of {@code text}, cut to {@code width} characters with an ellipsis. */
    static String abbreviated(String text, int width) {
        String line = text.strip().replaceAll("\\s*\\n\\s*", " ⏎ ");
        return line.length() <= width ? line : line.substring(0, width - 1) + "…";
    }

    /** Pads {@code text} to {@code width} columns, whatever colour codes it holds. */
    static String padded(String text, String shown, int width, boolean right) {
        String padding = " ".repeat(Math.max(0, width - text.length()));
        return right ? padding + shown : shown + padding;
    }
}
