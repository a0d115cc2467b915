package dev.dlock.spi;

import dev.dlock.LockKey;
import java.nio.charset.StandardCharsets;

/**
 * The key derivation that makes dlock's database keys the same as sqlalchemy-dlock's: BLAKE2b with an
 * 8-byte digest (the digest-length parameter set to 8, not a truncated BLAKE2b-512) over the key's UTF-8
 * bytes, read as a little-endian 64-bit integer.
 */
public final class KeyDigest {
    private KeyDigest() {
    }

    /**
     * @param bytes the input
     * @return BLAKE2b-64 of {@code bytes}, read as a little-endian signed {@code long}
     */
    public static long blake2b64(byte[] bytes) {
        return Blake2b.digest64(bytes);
    }

    /**
     * The 64-bit value a key stands for: a numeric key as it is, a string's UTF-8 bytes or a byte key hashed
     * with {@link #blake2b64(byte[])}. PostgreSQL uses it as the advisory key.
     *
     * @param key the key
     * @return the signed 64-bit value
     */
    public static long toLong(LockKey key) {
        if (key instanceof LockKey.Numeric numeric) {
            return numeric.value();
        }
        if (key instanceof LockKey.Text text) {
            return blake2b64(text.value().getBytes(StandardCharsets.UTF_8));
        }
        return blake2b64(((LockKey.Bytes) key).value());
    }
}
