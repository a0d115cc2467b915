package dev.dlock.spi;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;

/**
 * How long one lock request may wait, and the hook that lets an interrupt or a cancel stop it on the server.
 *
 * <p>A dialect runs each statement that may block inside {@link #cancellable(Statement)}. While it runs, a
 * watchdog thread checks whether the waiting thread was interrupted (or {@link #cancel()} was called) and then
 * calls {@link Statement#cancel()}, again and again until the statement returns: a cancel that reaches the
 * driver before the statement is on the server is lost, so one is not enough.
 *
 * <p>Made by the API per request; a dialect only reads it. Not reusable.
 */
public final class LockWait {
    private static final long FOREVER = -1;

    private final long timeoutNanos;
    private final long startNanos;
    private final Thread waiter;
    private volatile boolean cancelRequested;
    private volatile boolean cancelled;
    private volatile Statement running;
    private long lastCancelNanos;

    private LockWait(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
        this.startNanos = System.nanoTime();
        this.waiter = Thread.currentThread();
    }

    /** @return a request that makes one attempt and never waits */
    public static LockWait immediate() {
        return new LockWait(0);
    }

    /** @return a request that waits as long as it takes */
    public static LockWait forever() {
        return new LockWait(FOREVER);
    }

    /**
     * @param timeout how long to wait; zero is {@link #immediate()}
     * @return a request that waits up to {@code timeout}, counted from now
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static LockWait upTo(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout cannot be negative: " + timeout);
        }
        return new LockWait(saturatedNanos(timeout));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** @return whether this request makes one attempt without waiting */
    public boolean isImmediate() {
        return timeoutNanos == 0;
    }

    /** @return whether this request waits as long as it takes */
    public boolean isForever() {
        return timeoutNanos == FOREVER;
    }

    /** @return the timeout asked for; {@code null} for {@link #forever()} */
    public Duration timeout() {
        return isForever() ? null : Duration.ofNanos(timeoutNanos);
    }

    /** @return nanoseconds left before the deadline, never negative; {@link Long#MAX_VALUE} for {@link #forever()} */
    public long remainingNanos() {
        if (isForever()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, timeoutNanos - elapsedNanos());
    }

    /** @return nanoseconds since this request was made */
    public long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /**
     * Marks {@code statement} as the one this request is blocked in, until the returned registration is
     * closed. While registered, an interrupt of the waiting thread or a {@link #cancel()} cancels it.
     *
     * @param statement the statement about to block
     * @return the registration; close it when the statement has returned
     */
    public Registration cancellable(Statement statement) {
        running = Objects.requireNonNull(statement, "statement");
        CancelWatchdog.watch(this);
        if (cancelRequested) {
            cancelRunning();
        }
        return () -> {
            CancelWatchdog.unwatch(this);
            running = null;
        };
    }

    /**
     * Asks, from any thread, for this request to stop: the running statement is cancelled now and again until
     * it returns, and the request ends as cancelled.
     */
    public void cancel() {
        cancelRequested = true;
        cancelRunning();
    }

    /** @return whether dlock cancelled (or was asked to cancel) a statement of this request */
    public boolean cancelled() {
        return cancelled || cancelRequested;
    }

    /** @return whether {@link #cancel()} was called (as opposed to the waiting thread being interrupted) */
    public boolean cancelRequestedByCaller() {
        return cancelRequested;
    }

    /**
     * @return whether the request should not end holding the lock: it was cancelled, or its thread was interrupted
     */
    public boolean abandoned() {
        return cancelled() || waiter.isInterrupted();
    }

    /** Called by the watchdog on each round. */
    void checkInterrupt(long now) {
        if ((waiter.isInterrupted() || cancelRequested) && now - lastCancelNanos >= CancelWatchdog.RECANCEL_NANOS) {
            lastCancelNanos = now;
            cancelRunning();
        }
    }

    private void cancelRunning() {
        Statement statement = running;
        if (statement != null) {
            cancelled = true;
            try {
                statement.cancel();
            } catch (SQLException | RuntimeException ignored) {
                // the statement finished or the connection broke: either way the wait is over
            }
        }
    }

    /** A statement's registration with the cancel watchdog; {@link #close()} it when the statement returns. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        /** Ends the registration. */
        @Override
        void close();
    }
}
