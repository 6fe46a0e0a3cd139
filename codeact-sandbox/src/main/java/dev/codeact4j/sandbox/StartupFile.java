package dev.codeact4j.sandbox;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Code every session of a policy runs when it starts, and again in a fresh interpreter after a restart: a Python
 * tool file ({@link SandboxPolicy#pythonTools()}) or a setup file ({@link SandboxPolicy#setup()}). Its text is read
 * once, when the policy is made, so that every session of the policy runs the same code.
 *
 * @param name what tracebacks and messages call it: the path as the user gave it
 * @param code its text
 */
public record StartupFile(String name, String code) {
    public StartupFile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a startup file needs a name, which its tracebacks give");
        }
        Objects.requireNonNull(code, "code");
    }

    /** The file's text (UTF-8), named by the path as given; a file that cannot be read is an IllegalArgumentException saying why. */
    public static StartupFile read(Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a directory; name a file of code");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        try {
            return new StartupFile(file.toString(), Files.readString(file));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not UTF-8 text; save it as UTF-8");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
