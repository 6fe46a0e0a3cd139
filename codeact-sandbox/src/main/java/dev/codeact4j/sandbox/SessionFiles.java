package dev.codeact4j.sandbox;

import java.io.InputStream;
import java.util.List;

/**
 * The files of a session's working directory, reached from the host ({@link Session#files()}), as E2B's files API
 * reaches a sandbox's: list, read, write and delete them by their paths relative to the working directory, while
 * the code runs or between executions.
 * <p>
 * A path is names separated by {@code /}, such as {@code data/prices.csv}. An absolute path, an empty name,
 * {@code .} and {@code ..} are refused, and so is a symbolic link anywhere on the way or at the end: links are the
 * code's to make, and following one would lead the host (which may be root) out of the working directory. Every
 * step is taken relative to the directory before it, without following links, so a link swapped in meanwhile is
 * refused too. A failure is a {@link SessionFileException} saying which path and why.
 * <p>
 * Files and directories written here belong to the user the code runs as, so that the code can change and delete
 * them. A write is bounded as the code's are: by the policy's file size limit ({@code maxFileSizeMb}) and by the
 * session's disk ({@code diskMb}, when it has a disk of its own).
 */
public interface SessionFiles {
    /** How deep {@link #list} and {@link #delete} go into directories. */
    int MAX_DEPTH = 64;

    /**
     * The regular files under the working directory, depth first with each directory's names in order, at most
     * {@code max} of them (ask for one more than you show to know whether there are more). Symbolic links and
     * special files are left out, and so are directories deeper than {@value #MAX_DEPTH} levels.
     */
    List<FileInfo> list(int max);

    /** The content of a regular file; the caller closes the stream. */
    InputStream read(String path);

    /**
     * Writes {@code content} to the file at {@code path}, replacing it if it exists and making the directories on
     * the way; the file appears whole or not at all (it is written aside, then renamed into place).
     */
    FileInfo write(String path, InputStream content);

    /** Deletes a file, a symbolic link (not what it points at), or a directory with everything in it. */
    void delete(String path);
}
