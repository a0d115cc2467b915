package dev.dlock.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration as a shell user writes one: a number with a unit ({@code 500ms}, {@code 30s}, {@code 1.5m},
 * {@code 2h}), a bare number of seconds as {@code flock -w} takes it ({@code 30}, {@code 0.5}), or ISO-8601
 * ({@code PT30S}). Negative durations are refused here, with the value in the message.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("([-+]?\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    @Override
    public Duration convert(String value) {
        Duration duration = parse(value.strip());
        if (duration.isNegative()) {
            throw new TypeConversionException("cannot be negative: " + value);
        }
        return duration;
    }

    /**
     * @param duration a duration as this converter reads them
     * @return it as a user would write it: {@code 30s}, {@code 1.5s}, {@code 500ms}, {@code 2m}
     */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0 || millis > 10_000) {
            return (millis / 1000) + (millis % 1000 == 0 ? "" : String.format(".%03d", millis % 1000)) + "s";
        }
        return millis + "ms";
    }

    private static Duration parse(String value) {
        Matcher matcher = NUMBER_AND_UNIT.matcher(value);
        if (matcher.matches()) {
            double number = Double.parseDouble(matcher.group(1));
            String unit = matcher.group(2) == null ? "s" : matcher.group(2);
            double nanosPerUnit;
            switch (unit) {
                case "ms":
                    nanosPerUnit = 1e6;
                    break;
                case "s":
                    nanosPerUnit = 1e9;
                    break;
                case "m":
                    nanosPerUnit = 60e9;
                    break;
                case "h":
                    nanosPerUnit = 3600e9;
                    break;
                default:
                    nanosPerUnit = 86400e9;
                    break;
            }
            double nanos = number * nanosPerUnit;
            if (Math.abs(nanos) >= Long.MAX_VALUE) {
                throw new TypeConversionException("too long: " + value);
            }
            return Duration.ofNanos(Math.round(nanos));
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("not a duration: '" + value
                    + "' (write it as 500ms, 30s, 1.5m, 2h, 1d, a number of seconds, or ISO-8601 such as PT30S)");
        }
    }
}
