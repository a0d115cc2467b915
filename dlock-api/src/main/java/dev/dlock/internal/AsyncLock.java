package dev.dlock.internal;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.DistributedLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/** The {@link CompletableFuture} view of a lock. */
final class AsyncLock implements AsyncDistributedLock {
    /** Waits block a thread each, so the default pool grows with them and shrinks when idle. */
    static final ExecutorService DEFAULT_EXECUTOR = Executors.newCachedThreadPool(new Daemons("dlock-async-"));

    private final AbstractDistributedLock lock;
    private final Executor executor;

    AsyncLock(AbstractDistributedLock lock, Executor executor) {
        this.lock = lock;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<AsyncDistributedLock> acquire() {
        return request(PendingRequest::untilHeld, request -> {
            lock.acquire(request);
            return this;
        });
    }

    @Override
    public CompletableFuture<AsyncDistributedLock> acquire(Duration timeout) {
        PendingRequest.checkedNanos(timeout); // the argument checks throw here, on the caller's thread
        return request(() -> PendingRequest.upTo(timeout), request -> {
            lock.acquire(request);
            return this;
        });
    }

    @Override
    public CompletableFuture<Boolean> tryAcquire() {
        return request(PendingRequest::once, lock::attempt);
    }

    @Override
    public CompletableFuture<Boolean> tryAcquire(Duration timeout) {
        PendingRequest.checkedNanos(timeout);
        return request(() -> PendingRequest.upTo(timeout), lock::attempt);
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
     * Runs one lock request on the executor. The request is made on the executor's thread (it belongs to the
     * thread that waits) and published to the future, whose {@code cancel} cancels it.
     */
    private <T> CompletableFuture<T> request(Supplier<PendingRequest> newRequest, Function<PendingRequest, T> body) {
        Pending<T> future = new Pending<>();
        executor.execute(() -> {
            if (future.isDone()) {
                return; // cancelled before it started: nothing was asked
            }
            PendingRequest request = newRequest.get();
            future.request = request;
            if (future.isCancelled()) {
                return;
            }
            try {
                T result = body.apply(request);
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
        volatile PendingRequest request;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            PendingRequest running = request;
            if (cancelled && running != null) {
                running.cancel();
            }
            return cancelled;
        }
    }
}
