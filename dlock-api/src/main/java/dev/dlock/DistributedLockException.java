package dev.dlock;

/**
 * The root of every exception dlock throws. Unchecked: a lock that cannot be taken or given back is a
 * programming or infrastructure problem, not a routine branch (not getting a lock from a {@code try}
 * method is an answer, {@code false}, not an exception).
 *
 * <p>When the database reported the problem, the {@link java.sql.SQLException} is the {@linkplain #getCause()
 * cause}, with its SQLState intact.
 */
public class DistributedLockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, naming the key, the dialect and, where they apply, the timeout and the time waited
     */
    public DistributedLockException(String message) {
        super(message);
    }

    /**
     * @param message what happened
     * @param cause   the underlying error, usually a {@link java.sql.SQLException}
     */
    public DistributedLockException(String message, Throwable cause) {
        super(message, cause);
    }
}
