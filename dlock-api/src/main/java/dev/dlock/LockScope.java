package dev.dlock;

/**
 * Who owns a lock on the server, and so when the server lets it go on its own.
 */
public enum LockScope {
    /**
     * Owned by the database session (the connection): held until released, or until the connection closes.
     * Survives commits and rollbacks. The default, and the only scope every dialect has.
     */
    SESSION,
    /**
     * Owned by the current transaction: released by the server at commit or rollback. Acquiring one on a
     * connection in auto-commit mode is an {@link IllegalStateException}, since it would end the moment it began.
     */
    TRANSACTION
}
