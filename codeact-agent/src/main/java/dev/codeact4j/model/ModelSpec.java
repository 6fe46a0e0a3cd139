package dev.codeact4j.model;

/**
 * Which model to use: {@code PROVIDER:MODEL}, for example {@code openrouter:google/gemini-2.5-flash},
 * {@code anthropic:claude-sonnet-4-5}, {@code hf:Qwen/Qwen2.5-Coder-32B-Instruct} or {@code ollama:qwen2.5-coder}.
 */
public record ModelSpec(Provider provider, String model) {

    public ModelSpec {
        if (provider == null) {
            throw new IllegalArgumentException("a model spec needs a provider");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a model spec needs a model name after '" + provider.prefix() + ":'");
        }
    }

    /** Parses {@code PROVIDER:MODEL}; the message of the exception says what a valid spec looks like. */
    public static ModelSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("no model given; name one as PROVIDER:MODEL (providers: "
                    + Provider.prefixes() + "), for example openrouter:google/gemini-2.5-flash");
        }
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + spec + "' is not a model spec; write PROVIDER:MODEL (providers: "
                    + Provider.prefixes() + "), for example openrouter:" + spec.strip());
        }
        return new ModelSpec(Provider.fromPrefix(spec.substring(0, colon).strip()), spec.substring(colon + 1).strip());
    }

    @Override
    public String toString() {
        return provider.prefix() + ":" + model;
    }
}
