package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * A lock that borrows a connection for each request and keeps it exactly while it holds. The rule it keeps:
 * a connection goes back to the pool only when the lock is known not to be held on it; otherwise it is
 * aborted, which ends the session and every lock of it on the server.
 */
final class PooledLock extends AbstractDistributedLock {
    private static final Executor ABORT_EXECUTOR = AsyncLock.DEFAULT_EXECUTOR;

    private final DataSource dataSource;
    private final LockKey key;
    private final Object databaseKey;
    private final String dialect;
    private final LockOptions options;
    private volatile JdbcDistributedLock current;
    private volatile Connection borrowed;

    PooledLock(DataSource dataSource, LockKey key, Object databaseKey, String dialect, LockOptions options) {
        this.dataSource = dataSource;
        this.key = key;
        this.databaseKey = databaseKey;
        this.dialect = dialect;
        this.options = options;
    }

    @Override
    boolean attempt(PendingRequest request) {
        if (isLocked()) {
            throw new IllegalStateException(describe() + " is already held by this lock object");
        }
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new DistributedLockException("cannot borrow a connection for " + describe() + ": "
                    + e.getMessage(), e);
        }
        boolean acquired = false;
        try {
            JdbcDistributedLock lock = LockFactory.create(connection, key, options);
            acquired = lock.attempt(request);
            if (acquired) {
                current = lock;
                borrowed = connection;
            }
            return acquired;
        } catch (LockInterruptedException e) {
            // a clean answer: nothing is held, unless giving back an interrupted grant failed
            if (e.getSuppressed().length > 0) {
                abort(connection, e);
                connection = null;
            }
            throw e;
        } catch (RuntimeException e) {
            abort(connection, e);
            connection = null;
            throw e;
        } finally {
            if (!acquired && connection != null) {
                returnToPool(connection);
            }
        }
    }

    @Override
    public void release() {
        JdbcDistributedLock lock = current;
        if (lock == null) {
            throw new LockNotHeldException(describe() + " is not held by this lock object");
        }
        Connection connection = borrowed;
        current = null;
        borrowed = null;
        try {
            lock.release();
        } catch (LockLostException e) {
            if (e.reason() == LockLostException.Reason.UNCONFIRMED) {
                // aborted for a silent link: a pool's close may wait on a read still stuck there
                ABORT_EXECUTOR.execute(() -> returnToPool(connection));
            } else {
                returnToPool(connection); // not held: safe to reuse, or already closed
            }
            throw e;
        } catch (RuntimeException e) {
            abort(connection, e); // release not confirmed: the session must end
            throw e;
        }
        returnToPool(connection);
    }

    @Override
    public void close() {
        if (isLocked()) {
            release();
        }
    }

    static void returnToPool(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the pool will find out on its own; nothing is held on it
        }
    }

    /**
     * Ends the connection's session (and every lock of it on the server) instead of giving it back as it is.
     *
     * @param reason what is on its way out, to add a failed abort to; {@code null} if nothing is
     */
    static void abort(Connection connection, Throwable reason) {
        try {
            connection.abort(ABORT_EXECUTOR);
        } catch (SQLException | RuntimeException e) {
            if (reason != null) {
                reason.addSuppressed(e);
            }
        }
        returnToPool(connection);
    }

    @Override
    public boolean isLocked() {
        JdbcDistributedLock lock = current;
        return lock != null && lock.isLocked();
    }

    @Override
    public boolean isHeldOnServer() {
        JdbcDistributedLock lock = current;
        return lock != null && lock.isHeldOnServer();
    }

    @Override
    public boolean isHeldOnServer(Duration bound) {
        PendingRequest.positiveNanos(bound, "bound"); // bad input is refused whatever the state
        JdbcDistributedLock lock = current;
        return lock != null && lock.isHeldOnServer(bound);
    }

    @Override
    public LockWatch watch(WatchOptions options, Consumer<? super DistributedLock> onLost) {
        // arguments first, as JdbcDistributedLock checks them: a null is a NullPointerException whatever the state
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(onLost, "onLost");
        JdbcDistributedLock lock = current;
        if (lock == null) {
            throw new IllegalStateException(describe() + " is not held: there is nothing to watch");
        }
        return lock.watch(options, onLost, this);
    }

    @Override
    public LockKey key() {
        return key;
    }

    @Override
    public Object databaseKey() {
        return databaseKey;
    }

    @Override
    public LockOptions options() {
        return options;
    }

    @Override
    public String dialect() {
        return dialect;
    }

    @Override
    String describe() {
        return "pooled " + dialect + " lock " + key + " (database key " + databaseKey + ", " + options + ")";
    }
}
