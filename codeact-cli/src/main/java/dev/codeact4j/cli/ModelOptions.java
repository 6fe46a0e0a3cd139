package dev.codeact4j.cli;

import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;

/**
 * The model to call and how, as options shared by {@code run} and {@code mcp} through {@code @Mixin}; each
 * falls back on the config file's key of the same name ({@code model}, {@code baseUrl}, {@code maxSteps}).
 */
final class ModelOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "The model, as PROVIDER:MODEL (see Models in 'codeact run --help'), for runs that name "
                    + "none; default: \"model\" in the config file.")
    String model;

    @Option(names = "--base-url", paramLabel = "URL", converter = BaseUrlConverter.class,
            description = "Another endpoint for the provider, e.g. http://localhost:8000/v1 for vLLM.")
    String baseUrl;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "The API key, instead of the provider's environment variable (which is safer: not in "
                    + "the process list).")
    String apiKey;

    @Option(names = "--max-steps", paramLabel = "N",
            description = "The most code-and-observation steps before the agent must answer, for runs that set "
                    + "none (default: \"maxSteps\" in the config file, else " + CliConfig.DEFAULT_MAX_STEPS + ").")
    Integer maxSteps;

    /** The model named by --model, else by the config file; null when neither names one. */
    ModelSpec spec(CliConfig config) {
        if (model == null) {
            return config.model() == null ? null : ModelSpec.parse(config.model()); // checked when the file was read
        }
        try {
            return ModelSpec.parse(model);
        } catch (IllegalArgumentException e) {
            throw usageError("Invalid value for option '--model': " + e.getMessage() + ".");
        }
    }

    /** As {@link #spec}, for a command that cannot go on without a model: none named is a usage error. */
    ModelSpec requiredSpec(CliConfig config, Path configFile) {
        ModelSpec spec = spec(config);
        if (spec == null) {
            throw usageError("No model named: pass --model PROVIDER:MODEL (e.g. --model openrouter:google/gemini-2.5-flash), "
                    + "or set \"model\" in " + configFile + ". To see an agent at work without a model or an API key: codeact demo");
        }
        return spec;
    }

    /** The step limit: --max-steps, else the config file's, else the default; below 1 is a usage error. */
    int maxSteps(CliConfig config) {
        int steps = config.maxStepsOr(maxSteps);
        if (steps < 1) {
            throw usageError("--max-steps must be at least 1, got " + steps + ".");
        }
        return steps;
    }

    /** The endpoint (--base-url, else the config file's) and key (--api-key) to call the model with. */
    ModelSettings settings(CliConfig config) {
        return ModelSettings.defaults().withBaseUrl(baseUrl != null ? baseUrl : config.baseUrl()).withApiKey(apiKey);
    }

    private ParameterException usageError(String message) {
        return new ParameterException(command.commandLine(), message);
    }

    /** An http:// or https:// URL with a host, checked as the model settings check it (see ModelSettings). */
    static final class BaseUrlConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException("the URL is empty; give the endpoint's base URL, such as "
                        + "http://localhost:8000/v1");
            }
            try {
                return ModelSettings.checkedBaseUrl(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
