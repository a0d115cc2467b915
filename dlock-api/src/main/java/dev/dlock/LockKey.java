package dev.dlock;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What the program names a lock by: a string, a {@code long} or a byte array. Each dialect derives its own
 * database key from it (see {@link DistributedLock#databaseKey()}): PostgreSQL hashes strings and bytes to a
 * 64-bit advisory key, MySQL and SQL Server use the string as the lock name, Oracle derives a lock id.
 *
 * <p>Null keys are a {@link NullPointerException}; empty strings and empty byte arrays an
 * {@link IllegalArgumentException}. Limits that depend on the database (MySQL's 64 characters, say) are
 * checked by the dialect when the lock object is made.
 */
public sealed interface LockKey permits LockKey.Text, LockKey.Numeric, LockKey.Bytes {

    /**
     * @param key the lock name
     * @return a text key
     * @throws NullPointerException     if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty
     */
    static LockKey of(String key) {
        return new Text(key);
    }

    /**
     * @param key the lock number
     * @return a numeric key
     */
    static LockKey of(long key) {
        return new Numeric(key);
    }

    /**
     * @param key the key bytes; copied
     * @return a byte key
     * @throws NullPointerException     if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty
     */
    static LockKey of(byte[] key) {
        return new Bytes(key);
    }

    /**
     * A string key.
     *
     * @param value the lock name, never empty
     */
    record Text(String value) implements LockKey {
        /** Checks the name. */
        public Text {
            Objects.requireNonNull(value, "key");
            if (value.isEmpty()) {
                throw new IllegalArgumentException("key cannot be empty");
            }
        }

        @Override
        public String toString() {
            return '"' + value + '"';
        }
    }

    /**
     * A numeric key.
     *
     * @param value the lock number
     */
    record Numeric(long value) implements LockKey {
        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /**
     * A byte-array key. Holds its own copy; {@link #value()} returns another.
     *
     * @param value the key bytes, never empty
     */
    record Bytes(byte[] value) implements LockKey {
        /** Checks and copies the bytes. */
        public Bytes {
            Objects.requireNonNull(value, "key");
            if (value.length == 0) {
                throw new IllegalArgumentException("key cannot be empty");
            }
            value = value.clone();
        }

        /** @return a copy of the key bytes */
        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(value, other.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "0x" + HexFormat.of().formatHex(value);
        }
    }
}
