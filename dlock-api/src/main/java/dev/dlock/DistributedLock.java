package dev.dlock;

import java.time.Duration;
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
     * @throws LockLostException        if the database says the lock was no longer held, or if the connection now
     *                                  reaches another server session than the one the lock was taken on (a
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
     * the lock released (the server freed it with the session). A transaction-scoped lock that ends only
     * with its transaction is marked released without a statement.
     *
     * @throws LockLostException        as for {@link #release()}
     * @throws DistributedLockException as for {@link #release()}
     */
    @Override
    void close();

    /**
     * What this object knows, without asking the database: {@code true} from a successful acquire until
     * {@link #release()} or {@link #close()}. A transaction-scoped lock on PostgreSQL ends at commit or rollback,
     * which dlock does not see: it reads {@code true} until closed.
     *
     * @return whether this object holds its lock
     */
    boolean isLocked();

    /** @return the key this lock was made for */
    LockKey key();

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
     *
     * @return {@code true} if the server shows the lock held by this connection; {@code false} if not, or if
     *         the connection is closed or broken
     * @throws LockLostException        if the connection now reaches another server session than the one the
     *                                  lock was taken on (a transaction-pooling proxy); this object no longer holds it
     * @throws DistributedLockException if the question failed on a live connection
     */
    boolean isHeldOnServer();

    /**
     * Watches this lock: every {@code cadence}, while this object holds the lock, asks the server
     * ({@link #isHeldOnServer()}) and, the first time the answer is no, calls {@code onLost} and completes
     * {@link LockWatch#lost()}. The check runs on a shared daemon thread, on this lock's own connection,
     * between the caller's statements (it skips a round while another call on this object is under way). The
     * watch ends by itself when the lock is released, and on {@link LockWatch#close()}.
     *
     * @param cadence how often to ask; at least one millisecond
     * @param onLost  called once, on the watch thread, when the lock is found lost
     * @return the watch
     * @throws IllegalArgumentException if {@code cadence} is shorter than a millisecond
     * @throws IllegalStateException    if this object does not hold its lock
     */
    LockWatch watch(Duration cadence, Consumer<? super DistributedLock> onLost);

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
