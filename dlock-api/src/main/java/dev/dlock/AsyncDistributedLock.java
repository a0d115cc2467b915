package dev.dlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link DistributedLock} whose calls return {@link CompletableFuture}s (sqlalchemy-dlock's async locks).
 * Each request runs on the executor given to {@link DistributedLock#async(java.util.concurrent.Executor)}
 * (or a shared pool of daemon threads), holding one of its threads while it waits.
 *
 * <p>Cancelling a pending future ({@link CompletableFuture#cancel(boolean)}) cancels the server-side wait and
 * leaves nothing held: a lock granted as the cancel landed is given back. A second request on the same
 * connection while one is under way fails with {@link IllegalStateException}: one connection runs one
 * statement at a time, so requests are refused rather than queued behind each other.
 */
public interface AsyncDistributedLock {

    /**
     * @return a future completed with this lock once held; exceptionally as {@link DistributedLock#acquire()} throws
     */
    CompletableFuture<AsyncDistributedLock> acquire();

    /**
     * @param timeout how long to wait; zero means one attempt
     * @return a future completed with this lock once held, or exceptionally with {@link LockTimeoutException}
     * @throws NullPointerException     if {@code timeout} is null (thrown, not in the future)
     * @throws IllegalArgumentException if {@code timeout} is negative (thrown, not in the future)
     */
    CompletableFuture<AsyncDistributedLock> acquire(Duration timeout);

    /** @return a future completed with whether one attempt took the lock */
    CompletableFuture<Boolean> tryAcquire();

    /**
     * @param timeout how long to wait; zero means one attempt
     * @return a future completed with whether the lock was taken within {@code timeout}
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    CompletableFuture<Boolean> tryAcquire(Duration timeout);

    /** @return a future completed once released; exceptionally as {@link DistributedLock#release()} throws */
    CompletableFuture<Void> release();

    /** @return whether the lock is held, as {@link DistributedLock#isLocked()} */
    boolean isLocked();

    /** @return the blocking lock this view runs on */
    DistributedLock lock();
}
