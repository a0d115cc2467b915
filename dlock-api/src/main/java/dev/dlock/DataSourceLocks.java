package dev.dlock;

import java.sql.Connection;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Callable;

/**
 * Locks over a {@link javax.sql.DataSource} (a pool), made by {@link Locks#forDataSource(javax.sql.DataSource)}.
 * Held locks share a few of the pool's connections: up to {@link Locks#DEFAULT_LOCKS_PER_SESSION} locks on one
 * (or as {@link Locks#forDataSource(javax.sql.DataSource, int)} says; 1 gives each held lock a connection of its
 * own). A request that does not wait ({@code tryAcquire()}) runs on a shared connection whose turn is free (one
 * statement at a time runs on a shared connection); when every turn is taken it waits for the first to come free
 * while one more connection is borrowed for it, whichever comes first, so bursts from many threads spread over
 * the pool without ever waiting on an exhausted pool. A request that waits borrows a connection of its own for the wait (a blocked statement would stall every lock
 * sharing its connection), and once granted that connection is shared too. So a service may hold thousands of
 * locks on a handful of connections, but needs one connection per request waiting at the same time.
 *
 * <p>The pooled-connection trap this avoids: a session lock taken on a borrowed connection that goes back to
 * the pool stays held by whoever borrows it next. Here a connection goes back to the pool only when no lock may be
 * held on it: after the confirmed release of its last lock, or a request that ended holding nothing. When a
 * release cannot be confirmed (the database errored), the connection is aborted with
 * {@link java.sql.Connection#abort(java.util.concurrent.Executor)} instead, so the server ends the session: every
 * lock on that connection is lost with it (each one's {@code release()} throws {@link LockLostException}, each
 * watch tells), and no other lock is disturbed.
 *
 * <p>Keys are a {@code String}, or a {@link LockKey} for numbers, bytes and options, as everywhere in dlock.
 * Only {@link LockScope#SESSION} locks: a transaction lock belongs inside the caller's own transaction, on the
 * caller's connection ({@link Locks#forConnection}). Thread-safe; each lock object is for one thread at a time,
 * like any {@link DistributedLock}. Two lock objects of one key are two holders, as across processes: one is
 * refused or waits while the other holds it (or both hold it, in a shared mode).
 */
public interface DataSourceLocks {

    /**
     * @param key the lock name
     * @return an exclusive lock, not yet acquired
     * @throws IllegalArgumentException if the key is empty or the dialect cannot take it
     */
    default DistributedLock lock(String key) {
        return lock(LockKey.of(key), LockOptions.DEFAULT);
    }

    /**
     * @param key     the lock name
     * @param options mode (scope must be {@link LockScope#SESSION})
     * @return a lock, not yet acquired
     * @throws IllegalArgumentException        for {@link LockScope#TRANSACTION}, or a key that is empty or the
     *                                         dialect cannot take
     * @throws UnsupportedLockOptionException if the dialect lacks the mode
     */
    default DistributedLock lock(String key, LockOptions options) {
        return lock(LockKey.of(key), options);
    }

    /**
     * @param key the key
     * @return an exclusive lock, not yet acquired
     * @throws IllegalArgumentException if the dialect cannot take the key
     */
    default DistributedLock lock(LockKey key) {
        return lock(key, LockOptions.DEFAULT);
    }

    /**
     * @param key     the key
     * @param options mode (scope must be {@link LockScope#SESSION})
     * @return a lock, not yet acquired
     * @throws IllegalArgumentException        for {@link LockScope#TRANSACTION}, or a key the dialect cannot take
     * @throws UnsupportedLockOptionException if the dialect lacks the mode
     */
    DistributedLock lock(LockKey key, LockOptions options);

    /**
     * One lock over several keys, all held or none, as {@link Locks#forConnection(Connection, Collection,
     * LockOptions)} describes (one global order, one timeout, nothing kept on failure); each key holds on a pooled
     * connection as a lock of its own would.
     *
     * @param keys each a {@code String} (a lock name) or a {@link LockKey}
     * @return an exclusive lock over them, not yet acquired
     * @throws IllegalArgumentException if {@code keys} is empty, holds another type, a key the dialect cannot take,
     *                                  or two keys that are one database lock
     */
    default DistributedLock lock(Collection<?> keys) {
        return lock(keys, LockOptions.DEFAULT);
    }

    /**
     * {@link #lock(Collection)} with options.
     *
     * @param keys    each a {@code String} (a lock name) or a {@link LockKey}
     * @param options mode of every key (scope must be {@link LockScope#SESSION})
     * @return a lock over them, not yet acquired
     * @throws IllegalArgumentException        as {@link #lock(Collection)}, or for {@link LockScope#TRANSACTION}
     * @throws UnsupportedLockOptionException if the dialect lacks the mode
     */
    DistributedLock lock(Collection<?> keys, LockOptions options);

    /**
     * Runs {@code action} while holding the lock, and releases it afterwards. An exception from
     * {@code action} is passed through as it is; a release that fails after it is added to it as suppressed.
     *
     * @param key     the lock name
     * @param timeout how long to wait for the lock
     * @param action  what to run while holding it
     * @param <T>     what the action returns
     * @return what the action returned
     * @throws LockTimeoutException if the lock was not had within {@code timeout}; the action did not run
     * @throws Exception            whatever {@code action} threw
     */
    default <T> T withLock(String key, Duration timeout, Callable<T> action) throws Exception {
        return withLock(LockKey.of(key), timeout, action);
    }

    /**
     * {@link #withLock(String, Duration, Callable)} for any key.
     *
     * @param key     the key
     * @param timeout how long to wait for the lock
     * @param action  what to run while holding it
     * @param <T>     what the action returns
     * @return what the action returned
     * @throws LockTimeoutException if the lock was not had within {@code timeout}; the action did not run
     * @throws Exception            whatever {@code action} threw
     */
    <T> T withLock(LockKey key, Duration timeout, Callable<T> action) throws Exception;

    /**
     * {@link #withLock(String, Duration, Callable)} holding several keys at once, all or none
     * ({@link #lock(Collection)}): the timeout covers the whole set.
     *
     * @param keys    each a {@code String} (a lock name) or a {@link LockKey}
     * @param timeout how long to wait for all of them
     * @param action  what to run while holding them
     * @param <T>     what the action returns
     * @return what the action returned
     * @throws LockTimeoutException if the keys were not all had within {@code timeout}; none is held, the action
     *                              did not run
     * @throws Exception            whatever {@code action} threw
     */
    <T> T withLock(Collection<?> keys, Duration timeout, Callable<T> action) throws Exception;

    /**
     * The scheduled-job case: runs {@code action} only if nobody holds the lock now (one attempt, no wait),
     * and releases it afterwards.
     *
     * @param key    the lock name
     * @param action what to run
     * @return whether the action ran
     */
    default boolean runIfFree(String key, Runnable action) {
        return runIfFree(LockKey.of(key), action);
    }

    /**
     * {@link #runIfFree(String, Runnable)} for any key.
     *
     * @param key    the key
     * @param action what to run
     * @return whether the action ran
     */
    boolean runIfFree(LockKey key, Runnable action);

    /**
     * The lock and the writes in one transaction: borrows a connection, starts a transaction, takes the lock for
     * that transaction (waiting up to {@code timeout}), runs {@code work} with the connection, commits, and gives
     * the connection back. If anything throws, the transaction is rolled back and the exception passed on as it
     * is; the connection goes back to the pool unless its state is uncertain (then it is aborted).
     *
     * <p>The lock is transaction-scoped where the dialect has that scope (PostgreSQL
     * {@code pg_advisory_xact_lock}, SQL Server {@code @LockOwner = 'Transaction'}, Oracle
     * {@code release_on_commit => TRUE}): it ends with the commit or rollback, on the server, whatever happens to
     * this JVM. MySQL and MariaDB have no such scope: there it is a session lock released right after the
     * commit or rollback.
     *
     * <p>This is the strongest safety pattern dlock offers: the lock and the writes live and die together. If
     * the session dies while the work runs, the lock is freed and the writes roll back with it, so a second
     * holder can never see half of them. It is also the form that works through a transaction-pooling proxy
     * (PgBouncer in transaction mode, Supavisor): the whole transaction stays on one server session, where a
     * session lock would be stranded.
     *
     * @param key     the lock name
     * @param timeout how long to wait for the lock
     * @param work    what to do inside the transaction, with its connection (do not commit, roll back or close it)
     * @param <T>     what the work returns
     * @return what the work returned, after the commit
     * @throws LockTimeoutException if the lock was not had within {@code timeout}; the work did not run
     * @throws Exception            whatever {@code work} threw, after the rollback
     */
    default <T> T inTransaction(String key, Duration timeout, TransactionWork<T> work) throws Exception {
        return inTransaction(LockKey.of(key), timeout, work);
    }

    /**
     * {@link #inTransaction(String, Duration, TransactionWork)} for any key.
     *
     * @param key     the key
     * @param timeout how long to wait for the lock
     * @param work    what to do inside the transaction, with its connection
     * @param <T>     what the work returns
     * @return what the work returned, after the commit
     * @throws LockTimeoutException if the lock was not had within {@code timeout}; the work did not run
     * @throws Exception            whatever {@code work} threw, after the rollback
     */
    <T> T inTransaction(LockKey key, Duration timeout, TransactionWork<T> work) throws Exception;

    /** @return the dialect of the data source's database */
    String dialect();

    /**
     * Work done inside {@link #inTransaction}'s transaction, with its connection.
     *
     * @param <T> what it returns
     */
    @FunctionalInterface
    interface TransactionWork<T> {
        /**
         * @param connection the connection whose transaction holds the lock; dlock commits or rolls back
         * @return the result
         * @throws Exception anything; the transaction is rolled back
         */
        T run(Connection connection) throws Exception;
    }
}
