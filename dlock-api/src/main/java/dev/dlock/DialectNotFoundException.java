package dev.dlock;

/**
 * Thrown by {@link Locks#forConnection} when no dialect on the class path handles the connection's database.
 * The message names the product and version the driver reported, the providers that were found, and the
 * artifact to add. dlock never falls back to a lock that does not lock.
 */
public class DialectNotFoundException extends DistributedLockException {
    private static final long serialVersionUID = 1L;

    /** @param message what was seen and what to add */
    public DialectNotFoundException(String message) {
        super(message);
    }
}
