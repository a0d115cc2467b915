package dev.dlock.internal;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.DistributedLock;
import dev.dlock.LockTimeoutException;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;

/**
 * What every {@link DistributedLock} of dlock shares: the four ways to acquire, the async and
 * {@link Lock} views, all made of one {@link #attempt(PendingRequest)}.
 */
abstract class AbstractDistributedLock implements DistributedLock {

    /**
     * One caller's lock request, from the checks to the answer.
     *
     * @param request the request, made on the calling thread
     * @return {@code true} if the lock is now held; {@code false} if it was not granted before the request's
     *         deadline (never for a request without one)
     */
    abstract boolean attempt(PendingRequest request);

    /** @return the lock as messages name it: dialect, key, database key, options */
    abstract String describe();

    @Override
    public final DistributedLock acquire() {
        return acquire(PendingRequest.untilHeld());
    }

    @Override
    public final DistributedLock acquire(Duration timeout) {
        return acquire(PendingRequest.upTo(timeout));
    }

    /** {@link #attempt}, with "not granted in time" turned into {@link LockTimeoutException}. */
    final DistributedLock acquire(PendingRequest request) {
        if (!attempt(request)) {
            Duration waited = Duration.ofNanos(request.elapsedNanos());
            throw new LockTimeoutException(describe() + " was not acquired within " + millis(request.timeout())
                    + " (waited " + millis(waited) + ")", request.timeout(), waited);
        }
        return this;
    }

    @Override
    public final boolean tryAcquire() {
        return attempt(PendingRequest.once());
    }

    @Override
    public final boolean tryAcquire(Duration timeout) {
        return attempt(PendingRequest.upTo(timeout));
    }

    @Override
    public final LockWatch watch(Duration cadence, Consumer<? super DistributedLock> onLost) {
        return watch(WatchOptions.every(Objects.requireNonNull(cadence, "cadence")), onLost);
    }

    @Override
    public final AsyncDistributedLock async() {
        return new AsyncLock(this, AsyncLock.DEFAULT_EXECUTOR);
    }

    @Override
    public final AsyncDistributedLock async(Executor executor) {
        return new AsyncLock(this, Objects.requireNonNull(executor, "executor"));
    }

    @Override
    public final Lock asLock() {
        return new JucLock(this);
    }

    @Override
    public String toString() {
        return describe() + (isLocked() ? " [held]" : " [not held]");
    }

    static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%.1f ms", duration.getSeconds() * 1e3 + duration.getNano() / 1e6);
    }
}
