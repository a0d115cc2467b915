package dev.dlock.internal;

import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockOptions;
import dev.dlock.LockKey;
import dev.dlock.LockScope;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import javax.sql.DataSource;

/** {@link DataSourceLocks}: locks that own a pooled connection while they hold. */
public final class PooledLocks implements DataSourceLocks {
    private final DataSource dataSource;
    private final LockProvider provider;

    private PooledLocks(DataSource dataSource, LockProvider provider) {
        this.dataSource = dataSource;
        this.provider = provider;
    }

    /**
     * @param dataSource the pool
     * @return the factory, its dialect found on one borrowed connection
     */
    public static PooledLocks of(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            return new PooledLocks(dataSource, ConnectionState.of(connection).provider());
        } catch (SQLException e) {
            throw new DistributedLockException("cannot borrow a connection to find the dialect: " + e.getMessage(), e);
        }
    }

    @Override
    public DistributedLock lock(LockKey key, LockOptions options) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(options, "options");
        if (options.scope() != LockScope.SESSION) {
            throw new IllegalArgumentException("a DataSource lock owns its connection, so it can only be"
                    + " session-scoped; take a transaction lock with Locks.forConnection on your own connection");
        }
        // checked now, before any connection is borrowed
        Object databaseKey = LockFactory.dialectLock(provider, key, options).databaseKey();
        return new PooledLock(dataSource, key, databaseKey, provider.dialect(), options);
    }

    @Override
    public <T> T withLock(LockKey key, Duration timeout, Callable<T> action) throws Exception {
        Objects.requireNonNull(action, "action");
        DistributedLock lock = lock(key).acquire(timeout);
        return runHolding(lock, action);
    }

    @Override
    public boolean runIfFree(LockKey key, Runnable action) {
        Objects.requireNonNull(action, "action");
        DistributedLock lock = lock(key);
        if (!lock.tryAcquire()) {
            return false;
        }
        try {
            runHolding(lock, () -> {
                action.run();
                return null;
            });
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception impossible) {
            throw new IllegalStateException(impossible);
        }
        return true;
    }

    private static <T> T runHolding(DistributedLock lock, Callable<T> action) throws Exception {
        T result;
        try {
            result = action.call();
        } catch (Exception | Error failure) {
            try {
                lock.release();
            } catch (RuntimeException releaseFailure) {
                failure.addSuppressed(releaseFailure);
            }
            throw failure;
        }
        lock.release();
        return result;
    }

    @Override
    public String dialect() {
        return provider.dialect();
    }

    @Override
    public String toString() {
        return "DataSourceLocks(" + provider.dialect() + ")";
    }
}
