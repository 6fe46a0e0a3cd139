package dev.codeact4j.sandbox;

import java.util.Objects;

/**
 * A public function of a Python tool file ({@link SandboxPolicy#pythonTools()}) as a session defined it: the code
 * calls it under its own name, and it runs inside the sandbox like the code that calls it. Read by the session
 * itself, from the function ({@code inspect}), when the file ran.
 *
 * @param name      the function's name
 * @param signature its parameters and return type as Python writes them: {@code (city: str, day: int = 1) -> float}
 * @param docstring its docstring without the indentation; empty when it has none
 * @param file      the tool file's {@link StartupFile#name()}
 */
public record PythonTool(String name, String signature, String docstring, String file) {
    public PythonTool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(signature, "signature");
        docstring = docstring == null ? "" : docstring;
        Objects.requireNonNull(file, "file");
    }
}
