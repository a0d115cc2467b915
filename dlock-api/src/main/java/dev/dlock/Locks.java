package dev.dlock;

import dev.dlock.internal.LockFactory;
import java.sql.Connection;

/**
 * Where locks come from. Finds the dialect for a connection (through the {@link dev.dlock.spi.LockProvider}s on the
 * class path, discovered once per class loader and remembered per physical connection), checks the key and the
 * options against it, and returns a lock object. Nothing is sent to the database until the lock is acquired.
 *
 * <pre>{@code
 * try (DistributedLock lock = Locks.forConnection(connection, "billing:user:42")
 *                                  .acquire(Duration.ofSeconds(5))) {
 *     runBilling();
 * }
 * }</pre>
 *
 * <p>Every factory method throws:
 * <ul>
 *   <li>{@link NullPointerException} for a null connection, key or options;</li>
 *   <li>{@link IllegalArgumentException} for an empty key, or one the dialect cannot take (too long, out of range);</li>
 *   <li>{@link IllegalStateException} for a closed connection;</li>
 *   <li>{@link DialectNotFoundException} when no dialect on the class path handles the database;</li>
 *   <li>{@link UnsupportedLockOptionException} for a mode or scope the dialect does not have.</li>
 * </ul>
 */
public final class Locks {
    private Locks() {
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the lock name
     * @return an exclusive, session-scoped lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, String key) {
        return forConnection(connection, LockKey.of(key), LockOptions.DEFAULT);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the lock name
     * @param options    mode and scope
     * @return a lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, String key, LockOptions options) {
        return forConnection(connection, LockKey.of(key), options);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the lock number
     * @return an exclusive, session-scoped lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, long key) {
        return forConnection(connection, LockKey.of(key), LockOptions.DEFAULT);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the lock number
     * @param options    mode and scope
     * @return a lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, long key, LockOptions options) {
        return forConnection(connection, LockKey.of(key), options);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the key bytes (copied)
     * @return an exclusive, session-scoped lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, byte[] key) {
        return forConnection(connection, LockKey.of(key), LockOptions.DEFAULT);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the key bytes (copied)
     * @param options    mode and scope
     * @return a lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, byte[] key, LockOptions options) {
        return forConnection(connection, LockKey.of(key), options);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the key
     * @param options    mode and scope
     * @return a lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, LockKey key, LockOptions options) {
        return LockFactory.create(connection, key, options);
    }
}
