package dev.releasepilot.cli;

import dev.releasepilot.rules.DurationParser;
import dev.releasepilot.rules.SyntaxError;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Flags take durations as the rule file does: {@code 500ms}, {@code 2s}, {@code 1m}. */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return DurationParser.parse(value);
        } catch (SyntaxError e) {
            throw new TypeConversionException("'" + value + "' is not a duration (e.g. 500ms, 2s, 1m): " + e.getMessage());
        }
    }
}
