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
    public static DistributedLock create(Connection connection, LockKey key, LockOptions options) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(options, "options");
        JdbcDistributedLock.checkOpen(connection);
        ConnectionState state = ConnectionState.of(connection);
        LockProvider provider = state.provider();
        if (!provider.supportedModes().contains(options.mode())
                || !provider.supportedScopes().contains(options.scope())) {
            throw new UnsupportedLockOptionException(provider.dialect() + " cannot lock in mode " + options.mode()
                    + " with scope " + options.scope() + "; it supports modes " + provider.supportedModes()
                    + " and scopes " + provider.supportedScopes());
        }
        DialectLock statements = provider.lockFor(key, options);
        return new JdbcDistributedLock(connection, state, provider.dialect(), key, options, statements);
    }
}
