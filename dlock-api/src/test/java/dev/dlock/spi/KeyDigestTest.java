package dev.dlock.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.LockKey;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KeyDigestTest {

    @Test
    void blake2b512MatchesTheRfc7693Vector() {
        assertThat(HexFormat.of().formatHex(Blake2b.digest("abc".getBytes(StandardCharsets.US_ASCII), 64)))
                .isEqualTo("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                        + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    }

    @Test
    void designTableKeys() {
        assertThat(KeyDigest.toLong(LockKey.of("my-resource-key"))).isEqualTo(-8735762693110921056L);
        assertThat(KeyDigest.toLong(LockKey.of("a"))).isEqualTo(3405396810240292928L);
        assertThat(KeyDigest.blake2b64(new byte[0])).isEqualTo(-5426141060434712860L);
    }

    @Test
    void myResourceKeyIsClassidAndObjidOfPgLocks() {
        long key = KeyDigest.toLong(LockKey.of("my-resource-key"));
        assertThat(key >>> 32).isEqualTo(2261014045L);
        assertThat(key & 0xffffffffL).isEqualTo(1526958240L);
    }

    @Test
    void numericKeysAreUsedAsTheyAre() {
        assertThat(KeyDigest.toLong(LockKey.of(42L))).isEqualTo(42L);
        assertThat(KeyDigest.toLong(LockKey.of(Long.MIN_VALUE))).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void byteKeysAreHashedAsTheyAre() {
        byte[] bytes = "billing:user:42".getBytes(StandardCharsets.UTF_8);
        assertThat(KeyDigest.toLong(LockKey.of(bytes))).isEqualTo(KeyDigest.toLong(LockKey.of("billing:user:42")));
    }

    static List<KeyVectors> vectors() {
        return KeyVectors.load();
    }

    @Test
    void everyVectorIsThere() {
        assertThat(vectors()).hasSize(200);
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void postgresKeyMatchesSqlalchemyDlock(KeyVectors row) {
        long digest = KeyDigest.blake2b64(row.key().getBytes(StandardCharsets.UTF_8));
        assertThat(digest).isEqualTo(row.postgresKey());
        if (!row.key().isEmpty()) {
            assertThat(KeyDigest.toLong(LockKey.of(row.key()))).isEqualTo(row.postgresKey());
        }
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void oracleIdIsTheUnsignedDigestModulo2To30(KeyVectors row) {
        long digest = KeyDigest.blake2b64(row.key().getBytes(StandardCharsets.UTF_8));
        assertThat(Long.remainderUnsigned(digest, 1L << 30)).isEqualTo(row.oracleId());
    }

    @Property(tries = 2000)
    void agreesWithBouncyCastle(@ForAll @Size(max = 600) byte[] input) {
        assertThat(Blake2b.digest64(input)).isEqualTo(bouncyCastle64(input));
    }

    @Property(tries = 200)
    void everyDigestLengthAgreesWithBouncyCastle(@ForAll @Size(max = 300) byte[] input) {
        for (int bytes : new int[] {1, 8, 20, 32, 48, 64}) {
            Blake2bDigest digest = new Blake2bDigest(bytes * 8);
            digest.update(input, 0, input.length);
            byte[] expected = new byte[bytes];
            digest.doFinal(expected, 0);
            assertThat(Blake2b.digest(input, bytes)).isEqualTo(expected);
        }
    }

    @Test
    void blockBoundariesAgreeWithBouncyCastle() {
        for (int length : new int[] {0, 1, 127, 128, 129, 255, 256, 257, 1024}) {
            byte[] input = new byte[length];
            for (int i = 0; i < length; i++) {
                input[i] = (byte) (i * 31 + 7);
            }
            assertThat(Blake2b.digest64(input)).as("length %d", length).isEqualTo(bouncyCastle64(input));
        }
    }

    private static long bouncyCastle64(byte[] input) {
        Blake2bDigest digest = new Blake2bDigest(64);
        digest.update(input, 0, input.length);
        byte[] out = new byte[8];
        digest.doFinal(out, 0);
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (out[i] & 0xff);
        }
        return value;
    }
}
