package dev.dlock.tck;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.Blake2bDigest;

/**
 * The keys README's "Keys" section derives, computed here with Bouncy Castle's BLAKE2b instead of dlock's own, so
 * that a dialect's test checks dlock's derivation against an independent one.
 */
public final class ExpectedKeys {
    private ExpectedKeys() {
    }

    /**
     * @param key a string key
     * @return its UTF-8 bytes hashed with BLAKE2b to an 8-byte digest, read as a little-endian signed long (the
     *         PostgreSQL advisory key; Oracle's lock id is this, unsigned, modulo 2^30)
     */
    public static long blake2b64(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        Blake2bDigest digest = new Blake2bDigest(64);
        digest.update(bytes, 0, bytes.length);
        byte[] out = new byte[8];
        digest.doFinal(out, 0);
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
