package dev.dlock;

import java.sql.Connection;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;

/**
 * A lock on one key, held by one JDBC connection's database session (or transaction, for
 * {@link LockScope#TRANSACTION}). Get one from {@link Locks#forConnection}.
 *
 * <table>
 *   <caption>What each call waits for</caption>
 *   <tr><th>call</th><th>waits</th><th>when not acquired</th></tr>
 *   <tr><td>{@link #acquire()}</td><td>until held</td><td>—</td></tr>
 *   <tr><td>{@link #acquire(Duration)}</td><td>up to the timeout</td><td>throws {@link LockTimeoutException}</td></tr>
 *   <tr><td>{@link #tryAcquire()}</td><td>never: one attempt</td><td>returns {@code false}</td></tr>
 *   <tr><td>{@link #tryAcquire(Duration)}</td><td>up to the timeout</td><td>returns {@code false}</td></tr>
 * </table>
 *
 * <p>Timeouts are exact: the wait ends within a few milliseconds of the deadline, bounded by the database's
 * own wait, not by polling. A zero timeout is one attempt; a negative one is an
 * {@link IllegalArgumentException} and a null one a {@link NullPointerException}, both before any SQL.
 *
 * <p>A waiting thread that is interrupted gets its server-side wait cancelled, its interrupt flag restored
 * and a {@link LockInterruptedException}; nothing is held afterwards. A timeout, a cancel or an error never
 * commits, rolls back or aborts the caller's transaction, and never leaves a lock behind.
 *
 * <p>Closing the connection releases the lock on the server. Like the connection it uses, a lock object is
 * not for concurrent use by several threads; each waiting thread needs its own connection. A second lock
 * object for a key already held on the same physical connection is refused with
 * {@link LockAlreadyHeldException}.
 */
public interface DistributedLock extends AutoCloseable {

    /**
     * Waits until the lock is held, however long that takes (a {@code lock_timeout} or similar setting of the
     * session does not cut the wait short). Never returns without the lock.
     *
     * @return this lock, held, for use in try-with-resources
     * @throws IllegalStateException      if this object already holds its lock, the connection is closed, or a
     *                                    transaction-scoped lock is asked for in auto-commit mode
     * @throws DialectNotFoundException   at the first request on a connection whose server cannot lock for other
     *                                    sessions: a PostgreSQL hot standby, a MySQL or MariaDB read-only server,
     *                                    CockroachDB (its advisory locks lock nothing)
     * @throws LockAlreadyHeldException   if another lock object holds this key on the same connection
     * @throws LockInterruptedException   if the thread was interrupted before or while waiting
     * @throws DistributedLockException   if the database failed; the {@link java.sql.SQLException} is the cause
     */
    DistributedLock acquire();

    /**
     * Waits up to {@code timeout} for the lock.
     *
     * @param timeout how long to wait; zero means one attempt
     * @return this lock, held, for use in try-with-resources
     * @throws LockTimeoutException     if the lock was not granted in time; nothing is held
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    as for {@link #acquire()}
     * @throws LockAlreadyHeldException as for {@link #acquire()}
     * @throws LockInterruptedException as for {@link #acquire()}
     * @throws DistributedLockException as for {@link #acquire()}
     */
    DistributedLock acquire(Duration timeout);

    /**
     * Makes one attempt, without waiting.
     *
     * @return {@code true} if the lock is now held, {@code false} if someone else holds it
     * @throws IllegalStateException    as for {@link #acquire()}
     * @throws LockAlreadyHeldException as for {@link #acquire()}
     * @throws DistributedLockException as for {@link #acquire()}
     */
    boolean tryAcquire();

    /**
     * Waits up to {@code timeout} for the lock.
     *
     * @param timeout how long to wait; zero means one attempt
     * @return {@code true} if the lock is now held, {@code false} if the timeout passed first
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    as for {@link #acquire()}
     * @throws LockAlreadyHeldException as for {@link #acquire()}
     * @throws LockInterruptedException as for {@link #acquire()}
     * @throws DistributedLockException as for {@link #acquire()}
     */
    boolean tryAcquire(Duration timeout);

    /**
     * Gives the lock back.
     *
     * @throws LockNotHeldException     if this object does not hold the lock; nothing is sent
     * @throws LockLostException        if the lock was declared lost (by a {@linkplain #watch watch} or
     *                                  {@link #isHeldOnServer(Duration)}; the first loss is the cause), if the
     *                                  database says it was no longer held, or if the connection now reaches
     *                                  another server session than the one the lock was taken on (a
     *                                  transaction-pooling proxy: the lock is stranded there, and the message says
     *                                  so); this object no longer holds it either
     * @throws IllegalStateException    for a transaction-scoped lock on a database that only releases those at
     *                                  commit or rollback (PostgreSQL)
     * @throws DistributedLockException if the database failed; the lock stays marked held (for example inside
     *                                  an aborted PostgreSQL transaction, until the caller rolls back)
     */
    void release();

    /**
     * Releases the lock if this object holds it; does nothing otherwise. On a closed connection it only marks
     * the lock released (the server freed it with the session), unless the lock was declared lost first. A
     * transaction-scoped lock that ends only with its transaction is marked released without a statement.
     *
     * @throws LockLostException        as for {@link #release()}
     * @throws DistributedLockException as for {@link #release()}
     */
    @Override
    void close();

    /**
     * What this object knows, without asking the database: {@code true} from a successful acquire until
     * {@link #release()} or {@link #close()}, or until the lock is declared lost. A transaction-scoped lock on PostgreSQL ends at commit or rollback,
     * which dlock does not see: it reads {@code true} until closed.
     *
     * @return whether this object holds its lock
     */
    boolean isLocked();

    /** @return the key this lock was made for (of a lock over several keys: the first in the order taken) */
    LockKey key();

    /**
     * @return every key this lock holds together: the one {@link #key()}, or those of a lock over several keys
     *         ({@link Locks#forConnection(Connection, Collection)}) in the order they are taken
     */
    default List<LockKey> keys() {
        return List.of(key());
    }

    /**
     * The value the database locks, derived from {@link #key()} by the dialect: a {@link Long} advisory key on
     * PostgreSQL, the {@link String} lock name on MySQL, MariaDB and SQL Server, a {@link Long} lock id on Oracle.
     *
     * @return the database key
     */
    Object databaseKey();

    /** @return the mode and scope of this lock */
    LockOptions options();

    /** @return the name of the dialect that runs this lock, such as {@code "PostgreSQL"} */
    String dialect();

    /**
     * Asks the database whether this lock's connection holds the lock right now: PostgreSQL looks in
     * {@code pg_locks} for its own backend, MySQL compares {@code IS_USED_LOCK} with {@code CONNECTION_ID()},
     * SQL Server reads {@code APPLOCK_MODE}, Oracle asks {@code DBMS_LOCK}. One round trip; takes nothing.
     * Bounded like {@link #isHeldOnServer(Duration)}, by the connection's network timeout
     * ({@link java.sql.Connection#getNetworkTimeout()}) when it has one, else by 10 seconds.
     *
     * @return {@code true} if the server shows the lock held by this connection; {@code false} if not, or if
     *         the connection is closed or broken
     * @throws LockLostException        as for {@link #isHeldOnServer(Duration)}
     * @throws DistributedLockException as for {@link #isHeldOnServer(Duration)}
     */
    boolean isHeldOnServer();

    /**
     * {@link #isHeldOnServer()}, answered or thrown within {@code bound}, whatever the network does. When the
     * server has not answered by then (a silent link, or another call stuck on this lock's connection), dlock
     * aborts the connection ({@link java.sql.Connection#abort}), so that the session cannot go on holding a
     * lock nobody can confirm; a held lock is then declared lost.
     *
     * @param bound how long to wait for the answer; positive
     * @return as for {@link #isHeldOnServer()}
     * @throws LockLostException        if the lock was held and the server did not answer within the bound
     *                                  ({@link LockLostException.Reason#UNCONFIRMED}), or if the connection now
     *                                  reaches another server session than the one the lock was taken on (a
     *                                  transaction-pooling proxy, {@link LockLostException.Reason#SESSION_MOVED});
     *                                  this object no longer holds it
     * @throws DistributedLockException if the question failed on a live connection, or (the lock not held) was
     *                                  not answered within the bound
     * @throws NullPointerException     if {@code bound} is null
     * @throws IllegalArgumentException if {@code bound} is not positive
     */
    boolean isHeldOnServer(Duration bound);

    /**
     * {@link #watch(WatchOptions, Consumer)} with {@link WatchOptions#every(Duration) WatchOptions.every(cadence)}:
     * each check bounded by one cadence, no lease.
     *
     * @param cadence how often to ask; at least one millisecond
     * @param onLost  called once, on a pool thread, when the lock is declared lost
     * @return the watch
     * @throws IllegalArgumentException if {@code cadence} is shorter than a millisecond
     * @throws IllegalStateException    if this object does not hold its lock
     */
    LockWatch watch(Duration cadence, Consumer<? super DistributedLock> onLost);

    /**
     * Watches this lock: a check starts every {@link WatchOptions#cadence()} and asks the server on the lock's
     * own connection whether the lock is still held. The lock is declared lost, once, when a check finds it
     * not held, finds the session ended or moved, fails, or has not confirmed it within
     * {@link WatchOptions#bound()}; in the last two cases the connection is aborted. Then {@code onLost} runs
     * (on a pool thread of its own, so a slow listener delays no other watch), {@link LockWatch#lost()}
     * completes, {@link LockWatch#loss()} tells why, and {@link #release()} and {@link #close()} throw
     * {@link LockLostException}. The watch ends by itself when the lock is released, and on
     * {@link LockWatch#close()}.
     *
     * <p>The checks of all watches run on shared daemon threads, at most one check at a time per connection (a
     * connection runs one statement at a time anyway), so a thousand watches need a handful of threads, and a
     * check stuck on a silent connection delays no other connection's checks. A statement of the caller's that
     * runs on the lock's connection longer than the bound delays the check behind it, and the lock is declared
     * lost: watch a lock on a connection of its own (as {@link DataSourceLocks} does), or choose a longer bound.
     *
     * <p>With a {@linkplain WatchOptions#lease() lease}, dlock first sets the session so that the server ends
     * it between {@code lease − 1 s} and {@code lease} after the client falls silent, while a client that is
     * merely paused keeps it (PostgreSQL: the session's TCP keepalive and user timeout, which the client's
     * kernel answers even while the process is stopped); the settings are put back at release. One lease per
     * connection. MySQL, MariaDB, SQL Server and Oracle have no such setting per session and refuse a lease:
     * their server-side bound is the server's own TCP keepalive, set server-wide.
     *
     * @param options cadence, bound and lease
     * @param onLost  called once, on a pool thread, when the lock is declared lost
     * @return the watch
     * @throws IllegalStateException            if this object does not hold its lock; for a lease, also if
     *                                          another lock object keeps a lease on this connection, or (on
     *                                          PostgreSQL, where a rollback would undo the settings) the
     *                                          connection is not in auto-commit mode
     * @throws UnsupportedLockOptionException   for a lease on a dialect that cannot keep one, or on a connection
     *                                          where the server would ignore it (PostgreSQL over a Unix socket)
     * @throws DistributedLockException         if setting the lease failed
     */
    LockWatch watch(WatchOptions options, Consumer<? super DistributedLock> onLost);

    /**
     * The same lock with {@link java.util.concurrent.CompletableFuture} methods, run on a shared pool of daemon
     * threads.
     *
     * @return the async view; it shares this object's state
     */
    AsyncDistributedLock async();

    /**
     * The same lock with {@link java.util.concurrent.CompletableFuture} methods, run on {@code executor}. Each
     * waiting request occupies one of its threads until answered.
     *
     * @param executor where requests run
     * @return the async view; it shares this object's state
     */
    AsyncDistributedLock async(Executor executor);

    /**
     * This lock as a {@link Lock}: {@code lock()} waits uninterruptibly (an interrupt is remembered and
     * restored once held), {@code lockInterruptibly()} and {@code tryLock(long, TimeUnit)} cancel the
     * server-side wait on interrupt and throw {@link InterruptedException} (flag cleared, as
     * {@code java.util.concurrent} does), {@code tryLock()} makes one attempt, {@code unlock()} releases and
     * throws {@link IllegalMonitorStateException} when not held. Not re-entrant: locking it twice is an
     * {@link IllegalStateException}. {@code newCondition()} is unsupported.
     *
     * @return the adapter; it shares this object's state
     */
    Lock asLock();
}
