package dev.dlock;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running check that a held lock is still held on the server (see
 * {@link DistributedLock#watch(WatchOptions, java.util.function.Consumer)}).
 */
public interface LockWatch extends AutoCloseable {

    /**
     * @return a future completed with the lock when it is declared lost, after the listener has returned; it
     *         never completes if the lock is released normally or the watch is closed first
     */
    CompletableFuture<DistributedLock> lost();

    /**
     * @return why the lock was declared lost ({@link LockLostException#reason()}), once it was; empty before
     */
    Optional<LockLostException> loss();

    /** Stops watching. Idempotent; does not touch the lock. */
    @Override
    void close();
}
