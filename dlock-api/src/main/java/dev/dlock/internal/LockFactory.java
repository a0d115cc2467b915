package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.LockOptions;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.util.Objects;

/** Makes lock objects: the checks of {@link dev.dlock.Locks#forConnection}, in order, before any SQL. */
public final class LockFactory {
    private LockFactory() {
    }

    /**
     * @param connection the connection
     * @param key        the key
     * @param options    the options
     * @return a lock, not yet acquired
     */
    public static DistributedLock forConnection(Connection connection, LockKey key, LockOptions options) {
        return create(connection, key, options);
    }

    static JdbcDistributedLock create(Connection connection, LockKey key, LockOptions options) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(options, "options");
        JdbcDistributedLock.checkOpen(connection);
        ConnectionState state = ConnectionState.of(connection);
        LockProvider provider = state.provider();
        DialectLock dialectLock = dialectLock(provider, key, options);
        return new JdbcDistributedLock(connection, state, provider.dialect(), key, options, dialectLock);
    }

    /** The options checked against the dialect, then the dialect's lock for the key (which checks the key). */
    static DialectLock dialectLock(LockProvider provider, LockKey key, LockOptions options) {
        if (!provider.supportedModes().contains(options.mode())
                || !provider.supportedScopes().contains(options.scope())) {
            throw new UnsupportedLockOptionException(provider.dialect() + " cannot lock in mode " + options.mode()
                    + " with scope " + options.scope() + "; it supports modes " + provider.supportedModes()
                    + " and scopes " + provider.supportedScopes());
        }
        return provider.lockFor(key, options);
    }
}
