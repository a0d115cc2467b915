package dev.dlock.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.LockKey;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The names that databases with named locks (MySQL, SQL Server) are given for each kind of key. */
class LockNamesTest {

    @Test
    void aTextKeyIsItsText() {
        assertThat(LockNames.of(LockKey.of("report \u00e9"))).isEqualTo("report \u00e9");
    }

    @Test
    void aNumericKeyIsItsDecimalDigits() {
        assertThat(LockNames.of(LockKey.of(-42L))).isEqualTo("-42");
        assertThat(LockNames.of(LockKey.of(Long.MAX_VALUE))).isEqualTo("9223372036854775807");
    }

    @Test
    void aByteKeyIsItsUtf8Text() {
        assertThat(LockNames.of(LockKey.of("日本語".getBytes(StandardCharsets.UTF_8)))).isEqualTo("日本語");
    }

    @Test
    void aByteKeyThatIsNotUtf8NamesNoLock() {
        assertThatThrownBy(() -> LockNames.of(LockKey.of(new byte[] {(byte) 0xc3, 0x28})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0xc328")
                .hasMessageContaining("not UTF-8");
    }
}
