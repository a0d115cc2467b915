package dev.dlock;

/**
 * Thrown by {@link Locks#forConnection} when the chosen dialect cannot do the requested
 * {@link LockMode} or {@link LockScope}. The message names the dialect and what it does support. Nothing is
 * sent to the database.
 */
public class UnsupportedLockOptionException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened */
    public UnsupportedLockOptionException(String message) {
        super(message);
    }

    /**
     * @param message what happened
     * @param cause   the underlying error
     */
    public UnsupportedLockOptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
