package dev.dlock.spi;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.UnsupportedLockOptionException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

/**
 * A dialect: the locks of one database family. Found with {@link java.util.ServiceLoader} once per class
 * loader and chosen per connection by {@link #handles(String, String)}; among several that handle a
 * connection the highest {@link #priority()} wins.
 *
 * <p>A provider must not touch driver classes (or unwrap the connection to one) before it has said it handles
 * the connection: other databases' connections pass through {@link #handles} too. Implementations are
 * stateless and thread-safe.
 */
public interface LockProvider {

    /** @return the dialect's name as messages show it, such as {@code "PostgreSQL"} */
    String dialect();

    /**
     * Breaks ties when several providers handle one product (MariaDB outranks MySQL). Default 0.
     *
     * @return the priority; higher wins
     */
    default int priority() {
        return 0;
    }

    /**
     * Whether this dialect runs on the database the driver reports. Called with the values of
     * {@link java.sql.DatabaseMetaData#getDatabaseProductName()} and {@code getDatabaseProductVersion()}.
     *
     * @param productName    the product name, never null
     * @param productVersion the product version, never null (empty when the driver gave none)
     * @return whether this provider handles it
     */
    boolean handles(String productName, String productVersion);

    /**
     * Why this provider does not handle a product of its own family (a server version too old, say), for the
     * {@link dev.dlock.DialectNotFoundException} message; {@code null} (the default) when it has nothing to say.
     * Called only when no provider handles the connection.
     *
     * @param productName    the product name
     * @param productVersion the product version
     * @return the reason, or {@code null}
     */
    default String declines(String productName, String productVersion) {
        return null;
    }

    /**
     * Why the server behind {@code connection} cannot give locks that exclude other sessions, although this
     * provider handles its product: a PostgreSQL hot standby (its advisory locks exclude nobody on the
     * primary), a server that speaks a database's protocol but whose lock functions do nothing (CockroachDB's
     * {@code pg_advisory_lock}), a read-only replica. Called once per physical connection, at its first lock
     * request; the answer is remembered. The default has nothing to say.
     *
     * @param connection a connection this provider handles, in whatever transaction state its caller left it
     * @return why locks on this server would exclude nobody, for a {@link dev.dlock.DialectNotFoundException};
     *         {@code null} when they work
     * @throws SQLException if the question fails
     */
    default String refuses(Connection connection) throws SQLException {
        return null;
    }

    /**
     * Sets the session behind {@code connection} so that the server ends it, and frees its locks, between
     * {@code lease − 1 s} and {@code lease} after the client has fallen silent (no byte from it, nothing
     * closed), counted from the last thing the server received; for {@link dev.dlock.WatchOptions#lease()}.
     * Called on a connection with a held lock, in auto-commit mode on a dialect whose settings a rollback
     * would undo. The default refuses, before any SQL: the dialect has no such setting per session.
     *
     * @param connection the lock's connection
     * @param lease      at least 2 seconds
     * @return what puts the session's settings back as they were, run at release
     * @throws UnsupportedLockOptionException if the dialect, or this connection, cannot keep a lease; nothing
     *                                        changed
     * @throws SQLException                   if a statement failed
     */
    default Restore lease(Connection connection, Duration lease) throws SQLException {
        throw new UnsupportedLockOptionException(dialect() + " has no per-session setting with which the server"
                + " would end a silent session, so a lease cannot be kept; the operating system's TCP keepalive"
                + " is the only server-side bound there (see the README's \"Choosing the cadence and the"
                + " lease\")");
    }

    /** Puts back what {@link #lease} changed on a session. */
    @FunctionalInterface
    interface Restore {
        /**
         * @param connection the connection the lease was set on
         * @throws SQLException if the statement failed
         */
        void restore(Connection connection) throws SQLException;
    }

    /** @return the modes this dialect can lock in; always contains {@link LockMode#EXCLUSIVE} */
    Set<LockMode> supportedModes();

    /** @return the scopes this dialect can lock in; always contains {@link LockScope#SESSION} */
    Set<LockScope> supportedScopes();

    /**
     * Makes the dialect's lock for a key. Called only with options from {@link #supportedModes()} and
     * {@link #supportedScopes()}, before any SQL is sent; it must not use the database.
     *
     * @param key     the key
     * @param options supported mode and scope
     * @return the dialect's statements for this key
     * @throws IllegalArgumentException if the dialect cannot take this key (too long, out of range)
     */
    DialectLock lockFor(LockKey key, LockOptions options);
}
