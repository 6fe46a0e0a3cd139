package dev.codeact4j.data;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A dataset of the Hugging Face Hub as the user names it: {@code hf:OWNER/NAME[:CONFIG[:SPLIT]]}. Without a config,
 * the dataset's {@code default} one (or its only one); without a split, every split of the config.
 *
 * @param owner  the user or organisation
 * @param name   the dataset's name
 * @param config its configuration (subset), or null
 * @param split  its split ({@code train}, {@code test}, ...), or null
 */
public record DatasetSpec(String owner, String name, String config, String split) {
    /** The Hub's rule for the parts of a repository's id. */
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern CONFIG_OR_SPLIT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    static final String FORM = "hf:OWNER/NAME[:CONFIG[:SPLIT]], e.g. hf:stanfordnlp/imdb or hf:stanfordnlp/imdb:plain_text:test";

    public DatasetSpec {
        check(owner, PART, "owner");
        check(name, PART, "name");
        if (config != null) {
            check(config, CONFIG_OR_SPLIT, "config");
        }
        if (split != null) {
            check(split, CONFIG_OR_SPLIT, "split");
        }
    }

    /** Reads {@code hf:OWNER/NAME[:CONFIG[:SPLIT]]}; throws with the form to use. */
    public static DatasetSpec parse(String text) {
        Objects.requireNonNull(text, "text");
        String spec = text.strip();
        if (!spec.startsWith("hf:")) {
            throw new IllegalArgumentException("'" + text + "' is not a dataset: give one of the Hugging Face Hub as " + FORM);
        }
        String[] parts = spec.substring(3).split(":", -1);
        String[] id = parts[0].split("/", -1);
        if (parts.length > 3 || id.length != 2 || id[0].isEmpty() || id[1].isEmpty()
                || (parts.length > 1 && parts[1].isEmpty()) || (parts.length > 2 && parts[2].isEmpty())) {
            throw new IllegalArgumentException("'" + text + "' is not a dataset: give it as " + FORM);
        }
        try {
            return new DatasetSpec(id[0], id[1], parts.length > 1 ? parts[1] : null, parts.length > 2 ? parts[2] : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a dataset: " + e.getMessage() + " (" + FORM + ")");
        }
    }

    /** The repository's id, {@code OWNER/NAME}. */
    public String repo() {
        return owner + "/" + name;
    }

    @Override
    public String toString() {
        return "hf:" + repo() + (config == null ? "" : ":" + config + (split == null ? "" : ":" + split));
    }

    private static void check(String value, Pattern pattern, String what) {
        if (value == null || !pattern.matcher(value).matches() || value.contains("..") || value.contains("--")) {
            throw new IllegalArgumentException("its " + what + " '" + value + "' is not a valid name (letters, digits, "
                    + "'.', '_' and '-')");
        }
    }
}
