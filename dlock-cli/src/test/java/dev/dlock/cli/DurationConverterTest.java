package dev.dlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
    private final DurationConverter converter = new DurationConverter();

    @ParameterizedTest
    @CsvSource({"30s, PT30S", "30, PT30S", "0.5, PT0.5S", "500ms, PT0.5S", "1.5m, PT1M30S", "2h, PT2H", "1d, PT24H",
            "0, PT0S", "PT30S, PT30S", "' 10s ', PT10S", "+3s, PT3S"})
    void readsWhatAShellUserWrites(String written, String expected) {
        assertThat(converter.convert(written)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1s", "-0.5", "PT-1S", "-1ms"})
    void refusesNegativeDurationsNamingTheValue(String written) {
        assertThatThrownBy(() -> converter.convert(written)).isInstanceOf(TypeConversionException.class)
                .hasMessage("cannot be negative: " + written);
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "1x", "s", "", "1 2s", "1e3s"})
    void refusesWhatIsNoDuration(String written) {
        assertThatThrownBy(() -> converter.convert(written)).isInstanceOf(TypeConversionException.class)
                .hasMessageStartingWith("not a duration: '" + written.strip() + "'");
    }

    @Test
    void refusesDurationsTooLongToCount() {
        assertThatThrownBy(() -> converter.convert("999999999999d")).isInstanceOf(TypeConversionException.class)
                .hasMessage("too long: 999999999999d");
    }

    @ParameterizedTest
    @CsvSource({"PT30S, 30s", "PT1S, 1s", "PT0.5S, 500ms", "PT2M, 2m", "PT1M30S, 90s", "PT0S, 0s",
            "PT12.25S, 12.250s"})
    void formatsAsItReads(String duration, String formatted) {
        assertThat(DurationConverter.format(Duration.parse(duration))).isEqualTo(formatted);
    }
}
