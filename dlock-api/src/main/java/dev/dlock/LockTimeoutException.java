package dev.dlock;

import java.time.Duration;

/**
 * Thrown by {@link DistributedLock#acquire(Duration)} when the lock was not granted within the timeout.
 * Nothing is held afterwards and the caller's transaction, if any, is left as it was.
 */
public class LockTimeoutException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;
    private final Duration waited;

    /**
     * @param message what happened
     * @param timeout the timeout the caller asked for
     * @param waited  how long the call waited before giving up
     */
    public LockTimeoutException(String message, Duration timeout, Duration waited) {
        super(message);
        this.timeout = timeout;
        this.waited = waited;
    }

    /** @return the timeout the caller asked for */
    public Duration timeout() {
        return timeout;
    }

    /** @return how long the call waited before giving up */
    public Duration waited() {
        return waited;
    }
}
