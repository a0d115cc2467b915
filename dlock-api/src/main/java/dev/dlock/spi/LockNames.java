package dev.dlock.spi;

import dev.dlock.LockKey;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The name a key gives a lock on databases whose locks are named (MySQL, MariaDB, SQL Server), as
 * sqlalchemy-dlock derives it: a string as it is, a {@code long} as its decimal digits, a byte key decoded as
 * strict UTF-8.
 */
public final class LockNames {
    private LockNames() {
    }

    /**
     * @param key the key
     * @return the lock name
     * @throws IllegalArgumentException if a byte key is not UTF-8 text
     */
    public static String of(LockKey key) {
        if (key instanceof LockKey.Text text) {
            return text.value();
        }
        if (key instanceof LockKey.Numeric numeric) {
            return Long.toString(numeric.value());
        }
        try {
            // strict, as Python's bytes.decode(): bytes that are not UTF-8 name no lock
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(((LockKey.Bytes) key).value()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a byte key names a lock by its UTF-8 text, and " + key
                    + " is not UTF-8", e);
        }
    }
}
