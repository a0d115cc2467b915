package dev.dlock;

import java.util.concurrent.CompletableFuture;

/**
 * A running check that a held lock is still held on the server (see
 * {@link DistributedLock#watch(java.time.Duration, java.util.function.Consumer)}).
 */
public interface LockWatch extends AutoCloseable {

    /**
     * @return a future completed with the lock when it is found lost; it never completes if the lock is released
     *         normally or the watch is closed first
     */
    CompletableFuture<DistributedLock> lost();

    /** Stops watching. Idempotent; does not touch the lock. */
    @Override
    void close();
}
