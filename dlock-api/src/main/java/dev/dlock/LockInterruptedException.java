package dev.dlock;

/**
 * Thrown when the thread waiting for a lock was interrupted. dlock cancels the server-side wait, gives
 * back a lock that was granted as the interrupt landed, and restores the thread's interrupt flag before
 * throwing. Nothing is held afterwards and the connection stays usable.
 */
public class LockInterruptedException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened */
    public LockInterruptedException(String message) {
        super(message);
    }

    /**
     * @param message what happened
     * @param cause   the underlying error
     */
    public LockInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
