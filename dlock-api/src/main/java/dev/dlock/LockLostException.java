package dev.dlock;

import java.util.Objects;

/**
 * Thrown when a lock that dlock believed held is not, or can no longer be shown to be: the session was killed
 * or reset, the lock was released behind the program's back, the connection now reaches another server
 * session, or the server did not confirm the lock in time. {@link #reason()} says which. dlock marks the lock
 * as not held before throwing.
 */
public class LockLostException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** Why a lock is lost. */
    public enum Reason {
        /** The server answered that this session does not hold the lock. */
        NOT_HELD,
        /** The connection is closed or broken: the server ended the session, or the driver gave up on it. */
        SESSION_ENDED,
        /**
         * The connection now reaches another server session than the one the lock was taken on (a
         * transaction-pooling proxy); the lock stays on the session that took it until that session ends.
         */
        SESSION_MOVED,
        /**
         * The server did not confirm the lock within the bound (no answer, or an error instead of one). dlock
         * aborted the connection, so that the session cannot go on holding the lock once the network is back.
         */
        UNCONFIRMED
    }

    private final Reason reason;

    /**
     * @param reason  why the lock is lost
     * @param message what happened
     */
    public LockLostException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * @param reason  why the lock is lost
     * @param message what happened
     * @param cause   the underlying error
     */
    public LockLostException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return why the lock is lost */
    public Reason reason() {
        return reason;
    }
}
