package dev.dlock.spi;

import java.util.Arrays;

/**
 * BLAKE2b (RFC 7693) without a key. dlock needs the 8-byte digest, which is the first state word; other
 * lengths are there for the RFC's test vector. Written here to keep {@code dlock-api} free of dependencies; tested against the
 * RFC's vector and BouncyCastle.
 */
final class Blake2b {
    private static final int BLOCK = 128;
    private static final int DIGEST_LENGTH = 8;
    private static final long[] IV = {
        0x6a09e667f3bcc908L, 0xbb67ae8584caa73bL, 0x3c6ef372fe94f82bL, 0xa54ff53a5f1d36f1L,
        0x510e527fade682d1L, 0x9b05688c2b3e6c1fL, 0x1f83d9abfb41bd6bL, 0x5be0cd19137e2179L,
    };
    private static final byte[][] SIGMA = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
        {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
        {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
        {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
        {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
        {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
        {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
        {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
        {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
        {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    };

    private Blake2b() {
    }

    /**
     * @param input the message
     * @return BLAKE2b-64 of {@code input}, its 8 bytes read as a little-endian {@code long}
     */
    public static long digest64(byte[] input) {
        return state(input, DIGEST_LENGTH)[0];
    }

    /**
     * @param input        the message
     * @param digestLength 1 to 64 bytes
     * @return BLAKE2b of {@code input} with that digest length
     */
    public static byte[] digest(byte[] input, int digestLength) {
        if (digestLength < 1 || digestLength > 64) {
            throw new IllegalArgumentException("digest length must be 1 to 64 bytes: " + digestLength);
        }
        long[] h = state(input, digestLength);
        byte[] out = new byte[digestLength];
        for (int i = 0; i < digestLength; i++) {
            out[i] = (byte) (h[i >>> 3] >>> ((i & 7) << 3));
        }
        return out;
    }

    private static long[] state(byte[] input, int digestLength) {
        long[] h = IV.clone();
        h[0] ^= 0x01010000L ^ digestLength;
        long[] v = new long[16];
        long[] m = new long[16];
        int offset = 0;
        // every full block but the last is compressed as not final; the last (possibly empty) block is final
        while (input.length - offset > BLOCK) {
            load(m, input, offset, BLOCK);
            offset += BLOCK;
            compress(h, v, m, offset, false);
        }
        load(m, input, offset, input.length - offset);
        compress(h, v, m, input.length, true);
        return h;
    }

    private static void load(long[] m, byte[] input, int offset, int length) {
        Arrays.fill(m, 0);
        for (int i = 0; i < length; i++) {
            m[i >>> 3] |= (input[offset + i] & 0xffL) << ((i & 7) << 3);
        }
    }

    private static void compress(long[] h, long[] v, long[] m, long bytesSoFar, boolean last) {
        System.arraycopy(h, 0, v, 0, 8);
        System.arraycopy(IV, 0, v, 8, 8);
        v[12] ^= bytesSoFar;
        if (last) {
            v[14] = ~v[14];
        }
        for (int round = 0; round < 12; round++) {
            byte[] s = SIGMA[round % 10];
            mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for (int i = 0; i < 8; i++) {
            h[i] ^= v[i] ^ v[i + 8];
        }
    }

    private static void mix(long[] v, int a, int b, int c, int d, long x, long y) {
        v[a] += v[b] + x;
        v[d] = Long.rotateRight(v[d] ^ v[a], 32);
        v[c] += v[d];
        v[b] = Long.rotateRight(v[b] ^ v[c], 24);
        v[a] += v[b] + y;
        v[d] = Long.rotateRight(v[d] ^ v[a], 16);
        v[c] += v[d];
        v[b] = Long.rotateRight(v[b] ^ v[c], 63);
    }
}
