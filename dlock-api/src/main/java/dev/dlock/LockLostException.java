package dev.dlock;

/**
 * Thrown when the database says a lock that dlock believed held is not held: the session was killed,
 * the connection was reset, or the lock was released behind the program's back. dlock marks the lock as not
 * held before throwing.
 */
public class LockLostException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened */
    public LockLostException(String message) {
        super(message);
    }

    /**
     * @param message what happened
     * @param cause   the underlying error
     */
    public LockLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
