package dev.dlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LockKeyAndOptionsTest {

    @Test
    void byteKeysAreCopiedInAndOut() {
        byte[] bytes = {1, 2, 3};
        LockKey key = LockKey.of(bytes);
        bytes[0] = 9;
        byte[] out = ((LockKey.Bytes) key).value();
        assertThat(out).containsExactly(1, 2, 3);
        out[1] = 9;
        assertThat(((LockKey.Bytes) key).value()).containsExactly(1, 2, 3);
        assertThat(key).isEqualTo(LockKey.of(new byte[] {1, 2, 3})).hasSameHashCodeAs(LockKey.of(new byte[] {1, 2, 3}));
        assertThat(key).hasToString("0x010203");
        assertThat(key).isNotEqualTo(LockKey.of(new byte[] {1, 2, 4})).isNotEqualTo(LockKey.of("0x010203"));
    }

    @Test
    void badKeysAreRefused() {
        assertThatThrownBy(() -> LockKey.of((String) null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> LockKey.of((byte[]) null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> LockKey.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LockKey.of(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysPrintAsTheyAreWritten() {
        assertThat(LockKey.of("job")).hasToString("\"job\"");
        assertThat(LockKey.of(-5)).hasToString("-5");
    }

    @Test
    void optionsDefaultToExclusiveSession() {
        LockOptions built = LockOptions.builder().build();
        assertThat(built).isEqualTo(LockOptions.DEFAULT);
        assertThat(built.mode()).isEqualTo(LockMode.EXCLUSIVE);
        assertThat(built.scope()).isEqualTo(LockScope.SESSION);
        LockOptions other = LockOptions.builder().mode(LockMode.SHARED).scope(LockScope.TRANSACTION).build();
        assertThat(other).isNotEqualTo(built).hasToString("SHARED/TRANSACTION");
        assertThatThrownBy(() -> LockOptions.builder().mode(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> LockOptions.builder().scope(null)).isInstanceOf(NullPointerException.class);
    }
}
