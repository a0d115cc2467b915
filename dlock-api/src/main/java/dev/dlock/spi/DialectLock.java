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
     * Asks the database for the lock once, waiting at most {@link LockRequest#timeout} (zero: not at all). A
     * statement that may block runs through {@link LockRequest#cancellable} or
     * {@link LockRequest#cancellableUntilDeadline}. The API asks again while the caller's time lasts; a
     * dialect never loops itself.
     *
     * <p>Answers: {@code true} when granted; {@code false} when the database answered "not granted" (the key is
     * busy, or its timeout passed); an {@link SQLException} for anything else, including a wait the database
     * ended without an answer (a cancel, a kill, a {@code NULL}). After an exception, or after a cancel of
     * dlock's, the API asks {@link #isHeld} whether the lock was granted anyway, so a dialect need not. A
     * failed wait must leave the caller's transaction as it was: where a failed statement aborts the
     * transaction (PostgreSQL), the dialect guards the wait with a savepoint.
     *
     * @param connection the connection
     * @param request    how long to wait, and how to run a statement that may block
     * @return {@code true} if the lock was granted, {@code false} if the database answered "not granted"
     * @throws SQLException as the driver threw it, or for an answer that is neither
     */
    boolean request(Connection connection, LockRequest request) throws SQLException;

    /**
     * Gives the lock back.
     *
     * @param connection the connection that holds it
     * @return {@code true} if released, {@code false} if the database says it was not held
     * @throws SQLException as the driver threw it
     */
    boolean unlock(Connection connection) throws SQLException;

    /**
     * Asks the database whether this connection's session (or transaction) holds the lock now. Must not take
     * anything another session could notice, and must leave nothing held that was not.
     *
     * @param connection the connection that should hold it
     * @return whether the server shows the lock held by this connection
     * @throws SQLException as the driver threw it
     */
    boolean isHeld(Connection connection) throws SQLException;

    /**
     * The server session the last statement of this lock ran on (PostgreSQL's {@code pg_backend_pid()}, MySQL's
     * {@code CONNECTION_ID()}), for a dialect that reads it in the statements it sends anyway. With it the API
     * tells when a connection no longer reaches the session its lock was taken on: a transaction-pooling proxy
     * (PgBouncer in transaction mode, and the like) hands server sessions to other clients between
     * transactions, and a session lock stays behind on the session that took it. Such a dialect also sends its
     * {@link #unlock} only to the session it was granted on, so that a release through the proxy can never free
     * another client's lock. The default, {@code null}, means the dialect does not know.
     *
     * @return the session's id as the server names it, or {@code null}
     */
    default Object session() {
        return null;
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
