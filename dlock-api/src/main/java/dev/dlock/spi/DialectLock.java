package dev.dlock.spi;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The statements of one dialect for one key, mode and scope. The API calls it only on a connection it has
 * checked (open, in the right auto-commit state, not already holding the key through another lock object),
 * one call at a time.
 */
public interface DialectLock {

    /**
     * @return the value the database locks (see {@link dev.dlock.DistributedLock#databaseKey()})
     */
    Object databaseKey();

    /**
     * What makes two lock objects on one connection the same server lock, for the one-lock-object-per-key
     * rule. The default is {@link #databaseKey()}; a database that folds names (MySQL lower-cases them) returns
     * the folded name.
     *
     * @return a value whose {@code equals} says "the same lock on the server"
     */
    default Object identity() {
        return databaseKey();
    }

    /**
     * Asks the database for the lock, waiting as {@code wait} says: {@linkplain LockWait#isImmediate() not at
     * all}, {@linkplain LockWait#isForever() as long as it takes}, or up to {@link LockWait#remainingNanos()}.
     * A statement that may block must run inside {@link LockWait#cancellable(java.sql.Statement)}, so that an
     * interrupt or a cancel can stop it on the server.
     *
     * <p>A wait that ends unanswered (timeout, cancel) must leave the caller's transaction as it was and no
     * lock behind. If the lock is granted but {@link LockWait#abandoned()} is true, the dialect may return
     * {@code true}: the API gives the lock back with {@link #unlock}; a dialect whose lock cannot be given back
     * that way (PostgreSQL's transaction locks) must undo it itself and return {@code false}.
     *
     * @param connection the connection
     * @param wait       how long to wait, and the cancellation hook
     * @return {@code true} if the lock was granted, {@code false} if not (timeout, busy, or cancelled)
     * @throws SQLException as the driver threw it; a failure after the API's own cancel is reported as an
     *                      interrupt by the API
     */
    boolean lock(Connection connection, LockWait wait) throws SQLException;

    /**
     * Gives the lock back.
     *
     * @param connection the connection that holds it
     * @return {@code true} if released, {@code false} if the database says it was not held
     * @throws SQLException as the driver threw it
     */
    boolean unlock(Connection connection) throws SQLException;

    /**
     * Asks the database whether this connection's session (or transaction) holds the lock now. Must not
     * take or give back anything.
     *
     * @param connection the connection that should hold it
     * @return whether the server shows the lock held by this connection
     * @throws SQLException as the driver threw it
     * @throws UnsupportedOperationException if the dialect cannot tell (the default)
     */
    default boolean isHeld(Connection connection) throws SQLException {
        throw new UnsupportedOperationException(getClass().getName() + " cannot ask the server who holds a lock");
    }

    /**
     * Whether {@link #unlock} can end this lock before its transaction does. {@code false} for locks the
     * database only releases at commit or rollback (PostgreSQL's {@code pg_advisory_xact_lock}).
     *
     * @return whether {@link #unlock} applies
     */
    default boolean releasable() {
        return true;
    }
}
