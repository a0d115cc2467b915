package dev.dlock.internal;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.DistributedLock;
import dev.dlock.spi.LockWait;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/** The {@link CompletableFuture} view of a {@link JdbcDistributedLock}. */
final class AsyncJdbcLock implements AsyncDistributedLock {
    /** Waits block a thread each, so the default pool grows with them and shrinks when idle. */
    static final ExecutorService DEFAULT_EXECUTOR = Executors.newCachedThreadPool(new Daemons("dlock-async-"));

    private final JdbcDistributedLock lock;
    private final Executor executor;

    AsyncJdbcLock(JdbcDistributedLock lock, Executor executor) {
        this.lock = lock;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<AsyncDistributedLock> acquire() {
        return request(LockWait::forever, wait -> {
            lock.attempt(wait);
            return this;
        });
    }

    @Override
    public CompletableFuture<AsyncDistributedLock> acquire(Duration timeout) {
        LockWait.upTo(timeout); // the argument checks throw here, on the caller's thread
        return request(() -> LockWait.upTo(timeout), wait -> {
            lock.acquireWithin(wait);
            return this;
        });
    }

    @Override
    public CompletableFuture<Boolean> tryAcquire() {
        return request(LockWait::immediate, lock::attempt);
    }

    @Override
    public CompletableFuture<Boolean> tryAcquire(Duration timeout) {
        LockWait.upTo(timeout);
        return request(() -> LockWait.upTo(timeout), lock::attempt);
    }

    @Override
    public CompletableFuture<Void> release() {
        return CompletableFuture.runAsync(lock::release, executor);
    }

    @Override
    public boolean isLocked() {
        return lock.isLocked();
    }

    @Override
    public DistributedLock lock() {
        return lock;
    }

    /**
     * Runs one lock request on the executor. The wait is made on the executor's thread (it belongs to the
     * thread that waits) and published to the future, whose {@code cancel} cancels it.
     */
    private <T> CompletableFuture<T> request(Supplier<LockWait> newWait, Function<LockWait, T> body) {
        Pending<T> future = new Pending<>();
        executor.execute(() -> {
            if (future.isDone()) {
                return; // cancelled before it started: nothing was asked
            }
            LockWait wait = newWait.get();
            future.wait = wait;
            if (future.isCancelled()) {
                return;
            }
            try {
                T result = body.apply(wait);
                if (!future.complete(result) && lock.isLocked()) {
                    // cancelled as the lock was granted: nobody will release it, so give it back now
                    lock.close();
                }
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /** A future whose cancel reaches the server-side wait. */
    private static final class Pending<T> extends CompletableFuture<T> {
        volatile LockWait wait;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            LockWait running = wait;
            if (cancelled && running != null) {
                running.cancel();
            }
            return cancelled;
        }
    }

    /** Names daemon threads. */
    static final class Daemons implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        Daemons(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
