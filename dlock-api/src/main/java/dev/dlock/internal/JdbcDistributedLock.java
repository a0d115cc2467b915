package dev.dlock.internal;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockTimeoutException;
import dev.dlock.LockWatch;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockWait;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one implementation of {@link DistributedLock}: every check, the per-connection rule, interrupts and
 * messages, around a dialect's {@link DialectLock}. Calls on one object are serialised by a lock of its
 * own, so the loss watch never asks the server in the middle of a release.
 */
final class JdbcDistributedLock implements DistributedLock {
    private final Connection connection;
    private final ConnectionState state;
    private final String dialect;
    private final LockKey key;
    private final LockOptions options;
    private final DialectLock statements;
    private final ReentrantLock io = new ReentrantLock();
    private volatile boolean held;

    JdbcDistributedLock(Connection connection, ConnectionState state, String dialect, LockKey key,
                        LockOptions options, DialectLock statements) {
        this.connection = connection;
        this.state = state;
        this.dialect = dialect;
        this.key = key;
        this.options = options;
        this.statements = statements;
    }

    @Override
    public void acquire() {
        attempt(LockWait.forever());
    }

    @Override
    public DistributedLock acquire(Duration timeout) {
        return acquireWithin(LockWait.upTo(timeout));
    }

    /** {@link #attempt}, with a timeout turned into {@link LockTimeoutException}. */
    DistributedLock acquireWithin(LockWait wait) {
        if (!attempt(wait)) {
            Duration waited = Duration.ofNanos(wait.elapsedNanos());
            throw new LockTimeoutException(describe() + " was not acquired within " + millis(wait.timeout())
                    + " (waited " + millis(waited) + ")", wait.timeout(), waited);
        }
        return this;
    }

    @Override
    public boolean tryAcquire() {
        return attempt(LockWait.immediate());
    }

    @Override
    public boolean tryAcquire(Duration timeout) {
        return attempt(LockWait.upTo(timeout));
    }

    /**
     * One lock request, from the checks to the answer. Package-private: the async form runs it on its
     * executor with a wait it can cancel.
     */
    boolean attempt(LockWait wait) {
        io.lock();
        try {
            if (!state.claim()) {
                throw new IllegalStateException(describe() + ": another thread's lock request is under way on this"
                        + " connection; a connection runs one statement at a time, so each waiter needs its own");
            }
            try {
                return attemptClaimed(wait);
            } finally {
                state.unclaim();
            }
        } finally {
            io.unlock();
        }
    }

    private boolean attemptClaimed(LockWait wait) {
        if (held) {
            throw new IllegalStateException(describe() + " is already held by this lock object");
        }
        checkOpen(connection);
        if (options.scope() == LockScope.TRANSACTION && autoCommit()) {
            throw new IllegalStateException(describe() + " is transaction-scoped, but the connection is in"
                    + " auto-commit mode: it would be released the moment it was taken");
        }
        if (!wait.isImmediate() && wait.abandoned()) {
            throw interrupted(wait, null);
        }
        Object identity = statements.identity();
        // locks that end only with their transaction cannot cascade through a release, so they are not counted
        boolean counted = statements.releasable();
        if (counted && !state.reserve(identity)) {
            throw new LockAlreadyHeldException(describe() + " is already held on this connection by another lock"
                    + " object; the database would grant it twice and one release would not free it");
        }
        boolean acquired = false;
        try {
            acquired = statements.lock(connection, wait);
            if (!wait.isImmediate() && wait.abandoned()) {
                // the interrupt landed as the lock was granted: give it back, as java.util.concurrent does
                LockInterruptedException interrupted = interrupted(wait, null);
                if (acquired) {
                    acquired = false;
                    giveBack(interrupted);
                }
                throw interrupted;
            }
        } catch (SQLException e) {
            if (!wait.isImmediate() && wait.abandoned()) {
                throw interrupted(wait, e);
            }
            throw new DistributedLockException(describe() + " could not be acquired after "
                    + millis(Duration.ofNanos(wait.elapsedNanos())) + ": " + e.getMessage(), e);
        } finally {
            if (!acquired && counted) {
                state.free(identity);
            }
        }
        held = acquired;
        return acquired;
    }

    private void giveBack(LockInterruptedException interrupted) {
        // a driver on interruptible NIO channels would close the connection under a set interrupt flag
        boolean flag = Thread.interrupted();
        try {
            if (!statements.unlock(connection)) {
                interrupted.addSuppressed(new LockLostException(describe() + " was gone when given back"));
            }
        } catch (SQLException | RuntimeException e) {
            interrupted.addSuppressed(e);
        } finally {
            if (flag) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void release() {
        io.lock();
        try {
            releaseLocked();
        } finally {
            io.unlock();
        }
    }

    private void releaseLocked() {
        if (!held) {
            throw new LockNotHeldException(describe() + " is not held by this lock object");
        }
        if (!statements.releasable()) {
            throw new IllegalStateException(describe() + " is transaction-scoped: " + dialect
                    + " releases it only at commit or rollback");
        }
        boolean released;
        try {
            released = statements.unlock(connection);
        } catch (SQLException e) {
            if (isClosed(connection)) {
                markReleased();
                throw new LockLostException(describe() + " was lost with its connection: " + e.getMessage(), e);
            }
            throw new DistributedLockException(describe() + " could not be released and stays marked held: "
                    + e.getMessage(), e);
        }
        markReleased();
        if (!released) {
            throw new LockLostException(describe() + " was not held on the server when released: the session lost"
                    + " it (killed, reset, or released behind dlock's back)");
        }
    }

    @Override
    public void close() {
        io.lock();
        try {
            if (!held) {
                return;
            }
            if (!statements.releasable() || isClosed(connection)) {
                // the server ends it with the transaction, or already ended it with the session
                markReleased();
                return;
            }
            releaseLocked();
        } finally {
            io.unlock();
        }
    }

    @Override
    public boolean isHeldOnServer() {
        io.lock();
        try {
            return askServer();
        } finally {
            io.unlock();
        }
    }

    /**
     * For the watch: asks only if no other call is using the lock right now.
     *
     * @return the answer, or {@code null} when the lock is busy or no longer held by this object
     */
    Boolean checkIfIdle() {
        if (!io.tryLock()) {
            return null;
        }
        try {
            return held ? askServer() : null;
        } finally {
            io.unlock();
        }
    }

    private boolean askServer() {
        if (isClosed(connection)) {
            return false;
        }
        try {
            return statements.isHeld(connection);
        } catch (SQLException e) {
            if (isClosed(connection)) {
                return false;
            }
            throw new DistributedLockException(describe() + ": cannot ask the server whether it is held: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public AsyncDistributedLock async() {
        return new AsyncJdbcLock(this, AsyncJdbcLock.DEFAULT_EXECUTOR);
    }

    @Override
    public AsyncDistributedLock async(Executor executor) {
        return new AsyncJdbcLock(this, Objects.requireNonNull(executor, "executor"));
    }

    @Override
    public Lock asLock() {
        return new JucLock(this);
    }

    @Override
    public LockWatch watch(Duration cadence, Consumer<? super DistributedLock> onLost) {
        return LossWatch.start(this, cadence, onLost);
    }

    private void markReleased() {
        held = false;
        if (statements.releasable()) {
            state.free(statements.identity());
        }
    }

    @Override
    public boolean isLocked() {
        return held;
    }

    @Override
    public LockKey key() {
        return key;
    }

    @Override
    public Object databaseKey() {
        return statements.databaseKey();
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
    public String toString() {
        return describe() + (held ? " [held]" : " [not held]");
    }

    String describe() {
        return dialect + " lock " + key + " (database key " + statements.databaseKey() + ", " + options + ")";
    }

    private LockInterruptedException interrupted(LockWait wait, SQLException cause) {
        if (!wait.cancelRequestedByCaller()) {
            Thread.currentThread().interrupt();
        }
        String message = describe() + " was not acquired: the wait was "
                + (wait.cancelRequestedByCaller() ? "cancelled" : "interrupted") + " after "
                + millis(Duration.ofNanos(wait.elapsedNanos()));
        return cause == null ? new LockInterruptedException(message) : new LockInterruptedException(message, cause);
    }

    private boolean autoCommit() {
        try {
            return connection.getAutoCommit();
        } catch (SQLException e) {
            throw new DistributedLockException(describe() + ": cannot read the connection's auto-commit mode: "
                    + e.getMessage(), e);
        }
    }

    static void checkOpen(Connection connection) {
        if (isClosed(connection)) {
            throw new IllegalStateException("the connection is closed");
        }
    }

    private static boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%.1f ms", duration.getSeconds() * 1e3 + duration.getNano() / 1e6);
    }
}
