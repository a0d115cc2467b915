package dev.dlock;

/**
 * Thrown by {@link DistributedLock#release()} when this lock object does not hold its lock: it was never
 * acquired, or it was already released. Nothing is sent to the database.
 */
public class LockNotHeldException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened */
    public LockNotHeldException(String message) {
        super(message);
    }

    /**
     * @param message what happened
     * @param cause   the underlying error
     */
    public LockNotHeldException(String message, Throwable cause) {
        super(message, cause);
    }
}
