package dev.dlock;

/**
 * Thrown when a lock object tries to acquire a key that another lock object already holds on the same
 * physical connection. Every supported database would grant such a request silently (their locks are
 * re-entrant per session), and the first release would then free, or fail to free, the other object's lock.
 * dlock refuses it instead, before any SQL is sent.
 */
public class LockAlreadyHeldException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened */
    public LockAlreadyHeldException(String message) {
        super(message);
    }

    /**
     * @param message what happened
     * @param cause   the underlying error
     */
    public LockAlreadyHeldException(String message, Throwable cause) {
        super(message, cause);
    }
}
