package dev.codeact4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.function.Function;

/**
 * An option's value read by a {@code parse} method that throws an IllegalArgumentException saying what it accepts
 * ({@code AgentMode.parse}, {@code Language.parse}, ...): picocli then prints that message as the usage error.
 */
abstract class ParsingConverter<T> implements ITypeConverter<T> {
    private final Function<String, T> parse;

    ParsingConverter(Function<String, T> parse) {
        this.parse = parse;
    }

    @Override
    public T convert(String value) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
