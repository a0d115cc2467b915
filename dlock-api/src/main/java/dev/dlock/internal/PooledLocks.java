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
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.Callable;
import javax.sql.DataSource;

/** {@link DataSourceLocks}: locks that hold on pooled connections they share ({@link SharedSessions}). */
public final class PooledLocks implements DataSourceLocks {
    private static final LockOptions TRANSACTION_LOCK = LockOptions.builder().scope(LockScope.TRANSACTION).build();

    private final DataSource dataSource;
    private final LockProvider provider;
    private final SharedSessions sessions;
    private final int locksPerSession;

    private PooledLocks(DataSource dataSource, LockProvider provider, int locksPerSession) {
        this.dataSource = dataSource;
        this.provider = provider;
        this.locksPerSession = locksPerSession;
        this.sessions = new SharedSessions(dataSource, locksPerSession);
    }

    /**
     * @param dataSource      the pool
     * @param locksPerSession the most locks one pooled session carries; 1 for a connection per lock
     * @return the factory, its dialect found on one borrowed connection
     * @throws IllegalArgumentException if {@code locksPerSession} is below 1
     */
    public static PooledLocks of(DataSource dataSource, int locksPerSession) {
        if (locksPerSession < 1) {
            throw new IllegalArgumentException("locksPerSession must be at least 1 (1: a connection per lock), not "
                    + locksPerSession);
        }
        try (Connection connection = dataSource.getConnection()) {
            return new PooledLocks(dataSource, ConnectionState.of(connection).provider(), locksPerSession);
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
        return new PooledLock(sessions, key, databaseKey, provider.dialect(), options);
    }

    @Override
    public DistributedLock lock(Collection<?> keys, LockOptions options) {
        return MultiKeyLock.of(keys, options, key -> lock(key, options));
    }

    @Override
    public <T> T withLock(LockKey key, Duration timeout, Callable<T> action) throws Exception {
        Objects.requireNonNull(action, "action");
        DistributedLock lock = lock(key).acquire(timeout);
        return runHolding(lock, action);
    }

    @Override
    public <T> T withLock(Collection<?> keys, Duration timeout, Callable<T> action) throws Exception {
        Objects.requireNonNull(keys, "keys");
        PendingRequest.checkedNanos(timeout); // a null or negative timeout before the keys are looked at
        Objects.requireNonNull(action, "action");
        DistributedLock lock = lock(keys).acquire(timeout);
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
    public <T> T inTransaction(LockKey key, Duration timeout, TransactionWork<T> work) throws Exception {
        Objects.requireNonNull(key, "key");
        PendingRequest.checkedNanos(timeout);
        Objects.requireNonNull(work, "work");
        LockOptions options = provider.supportedScopes().contains(LockScope.TRANSACTION) ? TRANSACTION_LOCK
                : LockOptions.DEFAULT;
        LockFactory.dialectLock(provider, key, options); // the key is checked before a connection is borrowed
        Connection connection = borrow(key);
        boolean clean = false;
        try {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            JdbcDistributedLock lock = LockFactory.create(connection, key, options);
            T result;
            try {
                lock.acquire(timeout);
                result = work.run(connection);
                connection.commit();
            } catch (Exception | Error failure) {
                clean = rollBack(connection, failure) & endLock(lock, failure)
                        & restoreAutoCommit(connection, autoCommit, failure);
                throw failure;
            }
            endLock(lock, null);
            connection.setAutoCommit(autoCommit);
            clean = true;
            return result;
        } finally {
            if (clean) {
                SharedSessions.returnToPool(connection);
            } else {
                SharedSessions.abort(connection, null); // a lock or a transaction may be left on it: end the session
            }
        }
    }

    /** @return whether auto-commit is back as it was; if not, the failure is added to {@code failure} */
    private static boolean restoreAutoCommit(Connection connection, boolean autoCommit, Throwable failure) {
        try {
            connection.setAutoCommit(autoCommit);
            return true;
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
            return false;
        }
    }

    /** @return whether the rollback went through; if not, its failure is added to {@code failure} */
    private static boolean rollBack(Connection connection, Throwable failure) {
        try {
            connection.rollback();
            return true;
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
            return false;
        }
    }

    /**
     * Ends the lock of {@link #inTransaction} after its commit or rollback: a transaction lock ended with the
     * transaction; a session lock (MySQL, MariaDB) is released now.
     *
     * @param failure what is already on its way out, to add a failed release to; {@code null} to throw it
     * @return whether the lock is known to be gone
     */
    private static boolean endLock(JdbcDistributedLock lock, Throwable failure) {
        if (!lock.isLocked()) {
            return true;
        }
        if (lock.options().scope() == LockScope.TRANSACTION) {
            lock.endedWithTransaction();
            return true;
        }
        try {
            lock.release();
            return true;
        } catch (RuntimeException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
            return false;
        }
    }

    private Connection borrow(LockKey key) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DistributedLockException("cannot borrow a connection for " + provider.dialect() + " lock " + key
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String dialect() {
        return provider.dialect();
    }

    @Override
    public String toString() {
        return "DataSourceLocks(" + provider.dialect() + ", up to " + locksPerSession + " locks per session)";
    }
}
