package dev.codeact4j.model;

import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What decides a model's replies besides its name, for what a run memory files its caches under: the endpoint it is called at (the same
 * model name at another server may be another model) and how it samples (temperature, top-p, the most tokens...).
 *
 * @param endpoint the base URL it is called at; null for the provider's own endpoint, or when it is not known
 * @param sampling the request parameters that change replies, by name, as their values read; only those set
 */
public record ModelParameters(String endpoint, SortedMap<String, String> sampling) {

    /** A model at its provider's own endpoint, with the sampling of {@link ModelSettings#defaults()}. */
    public static final ModelParameters DEFAULTS = new ModelParameters(null, defaultSampling());

    public ModelParameters {
        sampling = Collections.unmodifiableSortedMap(new TreeMap<>(sampling));
    }

    /**
     * The parameters of a model: {@code spec} and {@code endpoint} as {@code ChatModels} has them (either may be
     * null for a model built elsewhere), {@code parameters} as the model reports them (its default request
     * parameters; null when it reports none).
     */
    public static ModelParameters of(ModelSpec spec, String endpoint, ChatRequestParameters parameters) {
        boolean providersOwn = endpoint == null || spec != null && endpoint.equals(spec.provider().defaultBaseUrl());
        SortedMap<String, String> sampling = new TreeMap<>();
        if (parameters != null) {
            // The model's name is in the key already; tools are the agent's own (it offers none to the model).
            put(sampling, "temperature", parameters.temperature());
            put(sampling, "topP", parameters.topP());
            put(sampling, "topK", parameters.topK());
            put(sampling, "frequencyPenalty", parameters.frequencyPenalty());
            put(sampling, "presencePenalty", parameters.presencePenalty());
            put(sampling, "maxOutputTokens", parameters.maxOutputTokens());
            put(sampling, "stopSequences", parameters.stopSequences());
            put(sampling, "responseFormat", parameters.responseFormat());
        }
        return new ModelParameters(providersOwn ? null : endpoint, sampling);
    }

    /** Whether these are {@link #DEFAULTS}: then the key leaves them out, as keys did before they were in it. */
    public boolean isDefault() {
        return equals(DEFAULTS);
    }

    /** One line for a cache key's text. */
    public String canonical() {
        return "endpoint=" + (endpoint == null ? "" : endpoint) + " sampling=" + sampling;
    }

    private static void put(Map<String, String> sampling, String name, Object value) {
        if (value != null && !(value instanceof List<?> list && list.isEmpty())) {
            sampling.put(name, value.toString());
        }
    }

    private static SortedMap<String, String> defaultSampling() {
        ModelSettings defaults = ModelSettings.defaults();
        SortedMap<String, String> sampling = new TreeMap<>();
        put(sampling, "temperature", defaults.temperature());
        put(sampling, "maxOutputTokens", defaults.maxOutputTokens());
        return sampling;
    }
}
