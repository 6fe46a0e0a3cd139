package dev.codeact4j.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A file or directory of the host that a session's code may read, at {@value #DIRECTORY}/{@code name}: mounted
 * read-only, never copied. Only what the sandbox's user may read can be read inside; a session whose data it cannot
 * read does not start, and says what to grant.
 *
 * @param name   where it is under {@value #DIRECTORY}: a relative path such as {@code sales.csv} or
 *               {@code hf/OWNER/NAME/default/train} (no {@code .}, {@code ..} or empty parts)
 * @param source the file or directory on the host
 */
public record DataMount(String name, Path source) {
    /** Where the data is inside a session; the code reads {@code /work/data/NAME}. */
    public static final String DIRECTORY = "/work/data";

    public DataMount {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/") || name.contains("\0")) {
            throw new IllegalArgumentException("the data name '" + name + "' must be a relative path such as "
                    + "sales.csv or reports/2024");
        }
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("the data name '" + name + "' must not have empty, . or .. parts");
            }
        }
        source = source.toAbsolutePath().normalize();
    }

    /** The file or directory under its own name: {@code /data/sales.csv} is {@code /work/data/sales.csv}. */
    public static DataMount of(Path source) {
        Path absolute = source.toAbsolutePath().normalize();
        if (absolute.getFileName() == null) {
            throw new IllegalArgumentException("the data path " + source + " has no name to mount it under; name a "
                    + "file or a directory below /");
        }
        return new DataMount(absolute.getFileName().toString(), absolute);
    }

    /** Where the code finds it: {@code /work/data/NAME}. */
    public String sessionPath() {
        return DIRECTORY + "/" + name;
    }

    /**
     * Throws when two mounts would be at the same place, or one inside another (each is its own read-only mount:
     * a directory cannot hold another's mount).
     */
    static void checkDistinct(List<DataMount> mounts) {
        for (int i = 0; i < mounts.size(); i++) {
            for (int j = i + 1; j < mounts.size(); j++) {
                DataMount a = mounts.get(i);
                DataMount b = mounts.get(j);
                if (a.name.equals(b.name)) {
                    throw new IllegalArgumentException("two data paths would both be " + a.sessionPath() + ": "
                            + a.source + " and " + b.source + "; rename one, or put both in one directory and give that");
                }
                if (b.name.startsWith(a.name + "/") || a.name.startsWith(b.name + "/")) {
                    DataMount outer = b.name.startsWith(a.name + "/") ? a : b;
                    DataMount inner = outer == a ? b : a;
                    throw new IllegalArgumentException("the data path " + inner.source + " would be inside another, "
                            + outer.source + " (" + outer.sessionPath() + "); give them names apart");
                }
            }
        }
    }
}
