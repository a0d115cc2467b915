package dev.dlock;

import dev.dlock.internal.LockFactory;
import dev.dlock.internal.MultiKeyLock;
import dev.dlock.internal.PooledLocks;
import java.sql.Connection;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import javax.sql.DataSource;

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
 * <p>A key is a {@code String}, or a {@link LockKey} for numbers, bytes and options. Every lock has an
 * {@linkplain DistributedLock#async() async view} and a {@linkplain DistributedLock#asLock() Lock view}.
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
    /**
     * How many held locks {@link #forDataSource(DataSource)} puts on one pooled connection. A session's statements
     * get slower as the locks it holds grow: measured on PostgreSQL, every statement's cost doubles between 1,000
     * and 2,000 held locks; on MariaDB, the lock statements' between 5,000 and 10,000. At 1,000 neither has
     * doubled, and 10,000 held locks take 10 connections.
     */
    public static final int DEFAULT_LOCKS_PER_SESSION = 1_000;

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
     * @param key        the key: {@link LockKey#of(String)}, {@link LockKey#of(long)} or {@link LockKey#of(byte[])}
     * @return an exclusive, session-scoped lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, LockKey key) {
        return forConnection(connection, key, LockOptions.DEFAULT);
    }

    /**
     * @param connection the connection whose session will hold the lock
     * @param key        the key: {@link LockKey#of(String)}, {@link LockKey#of(long)} or {@link LockKey#of(byte[])}
     * @param options    mode and scope
     * @return a lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, LockKey key, LockOptions options) {
        return LockFactory.forConnection(connection, key, options);
    }

    /**
     * One lock over several keys on one connection, all held or none (exclusive, session-scoped).
     *
     * @param connection the connection whose session will hold the keys
     * @param keys       each a {@code String} (a lock name) or a {@link LockKey}
     * @return the lock, not yet acquired
     * @see #forConnection(Connection, Collection, LockOptions)
     */
    public static DistributedLock forConnection(Connection connection, Collection<?> keys) {
        return forConnection(connection, keys, LockOptions.DEFAULT);
    }

    /**
     * One lock over several keys on one connection, all held or none. The keys are taken one after the other in
     * one global order, that of their database keys ({@link DistributedLock#databaseKey()}: numbers by value,
     * names by their text), so two processes asking for overlapping sets cannot deadlock each other; one timeout
     * covers the whole set; on a timeout, an interrupt, a cancel or an error, whatever was taken is released
     * before the request returns. {@code release()} releases every key, in reverse order, each whatever happens to
     * the others; {@link DistributedLock#keys()} lists them in the order taken, {@code databaseKey()} is the list
     * of their database keys, and a watch tells of the first key lost.
     *
     * @param connection the connection whose session will hold the keys
     * @param keys       each a {@code String} (a lock name) or a {@link LockKey}
     * @param options    mode and scope of every key
     * @return the lock, not yet acquired
     * @throws NullPointerException           if an argument or a key is null
     * @throws IllegalArgumentException       if {@code keys} is empty, holds another type, a key the dialect cannot
     *                                        take, or two keys that are one database lock
     * @throws UnsupportedLockOptionException if the dialect lacks the mode or scope
     */
    public static DistributedLock forConnection(Connection connection, Collection<?> keys, LockOptions options) {
        Objects.requireNonNull(connection, "connection");
        return MultiKeyLock.of(keys, options, key -> forConnection(connection, key, options));
    }

    /**
     * A {@link ReadWriteLock} over one key on one connection: the read lock is the key in
     * {@link LockMode#SHARED} mode, the write lock in {@link LockMode#EXCLUSIVE} mode (session scope).
     *
     * <p>What it guarantees: any number of connections may hold the read lock at once; the write lock
     * excludes every other holder, read or write, on any connection. Waiting is in the database's own queue
     * (PostgreSQL makes a new reader wait behind a queued writer). What it does not do: it is not re-entrant,
     * and one connection cannot hold both at once (the second is a {@link LockAlreadyHeldException}), so
     * there is no upgrade or downgrade. Each lock follows {@link DistributedLock#asLock()}.
     *
     * @param connection the connection whose session will hold the locks
     * @param key        the lock name
     * @return the pair
     * @throws UnsupportedLockOptionException if the dialect has no shared mode
     */
    public static ReadWriteLock readWriteLock(Connection connection, String key) {
        return readWriteLock(connection, LockKey.of(key));
    }

    /**
     * {@link #readWriteLock(Connection, String)} for any key.
     *
     * @param connection the connection whose session will hold the locks
     * @param key        the key
     * @return the pair
     * @throws UnsupportedLockOptionException if the dialect has no shared mode
     */
    public static ReadWriteLock readWriteLock(Connection connection, LockKey key) {
        Lock read = forConnection(connection, key, LockOptions.builder().mode(LockMode.SHARED).build()).asLock();
        Lock write = forConnection(connection, key).asLock();
        return new ReadWriteLock() {
            @Override
            public Lock readLock() {
                return read;
            }

            @Override
            public Lock writeLock() {
                return write;
            }
        };
    }

    /**
     * Locks over the pool {@code dataSource}, many held locks sharing a few of its connections, up to
     * {@value #DEFAULT_LOCKS_PER_SESSION} on each (see {@link DataSourceLocks}). Borrows one connection now, to find
     * the dialect, and gives it back.
     *
     * @param dataSource the pool
     * @return the factory
     * @throws DialectNotFoundException if no dialect handles the database
     * @throws DistributedLockException if no connection could be had
     */
    public static DataSourceLocks forDataSource(DataSource dataSource) {
        return forDataSource(dataSource, DEFAULT_LOCKS_PER_SESSION);
    }

    /**
     * Locks over the pool {@code dataSource}, as {@link #forDataSource(DataSource)}, with at most
     * {@code locksPerSession} held locks on one connection; 1 gives every held lock a connection of its own.
     *
     * @param dataSource      the pool
     * @param locksPerSession the most held locks one pooled connection carries, at least 1
     * @return the factory
     * @throws IllegalArgumentException if {@code locksPerSession} is below 1
     * @throws DialectNotFoundException if no dialect handles the database
     * @throws DistributedLockException if no connection could be had
     */
    public static DataSourceLocks forDataSource(DataSource dataSource, int locksPerSession) {
        return PooledLocks.of(Objects.requireNonNull(dataSource, "dataSource"), locksPerSession);
    }
}
