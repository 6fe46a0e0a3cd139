package dev.codeact4j.memory;

import dev.codeact4j.agent.RunMemory.RunSetup;
import dev.codeact4j.model.ModelParameters;
import dev.codeact4j.result.AnswerFormat;
import dev.codeact4j.result.AnswerSchema;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.StartupFile;
import dev.codeact4j.tools.Tools;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a cached program or answer is filed under: a SHA-256 of everything that decides what the code does and
 * what counts as its answer. Two runs with the same key may share a program.
 *
 * <ul>
 * <li>the task, normalised: Unicode NFC, surrounding white space stripped, inner runs of white space made one
 *     space; not lower-cased, since the case of a string in a task can change its answer;</li>
 * <li>the model, where it is called (another endpoint may serve another model under the same name) and how it
 *     samples (temperature, the most tokens, ...: {@link ModelParameters}), the language, the mode, the answer
 *     format and schema;</li>
 * <li>the tools, by their Python signatures and docstrings;</li>
 * <li>what the policy lets the code see and do: its imports, network, working directory, environment,
 *     preloaded modules, data (each mount's name and host path), startup code, and the Python tool and setup files
 *     its sessions start with (not its time and memory limits, which decide whether code finishes, not what it
 *     answers).</li>
 * </ul>
 *
 * @param value 64 hex digits
 */
record CacheKey(String value) {

    static CacheKey of(RunSetup setup) {
        return of(setup.task(), setup.model(), setup.modelParameters(), setup.language(), setup.mode(), setup.format(),
                setup.schema(), setup.tools(), setup.policy());
    }

    /** The key of a task for a model at its provider's own endpoint, with the default sampling. */
    static CacheKey of(String task, String model, String language, String mode, AnswerFormat format,
                     AnswerSchema schema, Tools tools, SandboxPolicy policy) {
        return of(task, model, ModelParameters.DEFAULTS, language, mode, format, schema, tools, policy);
    }

    static CacheKey of(String task, String model, ModelParameters parameters, String language, String mode,
                     AnswerFormat format, AnswerSchema schema, Tools tools, SandboxPolicy policy) {
        String canonical = String.join("\n",
                "task=" + normalise(task),
                "model=" + model,
                "language=" + language,
                "mode=" + mode,
                "format=" + (format == null ? "" : format.label()),
                "schema=" + (schema == null ? "" : schema.toString()),
                "tools=" + (tools.isEmpty() ? "" : tools.pythonStubs()),
                "imports=" + new TreeSet<>(policy.allowedImports()),
                "network=" + policy.network(),
                "workdir=" + (policy.workdir() == null ? "" : policy.workdir()),
                "environment=" + new TreeMap<>(policy.environment()),
                "preload=" + policy.preload());
        if (!parameters.isDefault()) {
            // Likewise only when they differ from what every earlier key was made with.
            canonical += "\nmodelParameters=" + parameters.canonical();
        }
        if (!policy.allowHosts().isEmpty()) {
            // Only when set, so that the keys of earlier runs, which could not have allowed hosts, stay the same.
            canonical += "\nallowHosts=" + new TreeSet<>(policy.allowHosts());
        }
        if (!policy.data().isEmpty()) {
            // Only when set, as above. Where the data is, not what it holds: a cached program runs again on it.
            canonical += "\ndata=" + policy.data().stream().map(mount -> mount.name() + "=" + mount.source()).sorted().toList();
        }
        if (!policy.startupCode().isEmpty()) {
            canonical += "\nstartupCode=" + String.join("\n\u0000\n", policy.startupCode());
        }
        // Likewise: the code the sessions start with decides what the program finds there (whole, not only the
        // signatures: a tool's body decides its answers).
        if (!policy.pythonTools().isEmpty()) {
            canonical += "\npythonTools=" + files(policy.pythonTools());
        }
        if (!policy.setup().isEmpty()) {
            canonical += "\nsetup=" + files(policy.setup());
        }
        return new CacheKey(sha256(canonical));
    }

    private static String files(List<StartupFile> files) {
        return files.stream().map(file -> file.name() + "\n" + file.code()).collect(Collectors.joining("\n\u0000\n"));
    }

    /** The key of a program's answer: this key and the program's code. */
    CacheKey withCode(List<String> code) {
        return new CacheKey(sha256(value + "\n" + String.join("\n\u0000\n", code)));
    }

    static String normalise(String task) {
        return Normalizer.normalize(task, Normalizer.Form.NFC).strip().replaceAll("\\s+", " ");
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
