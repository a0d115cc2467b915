package dev.dlock.internal;

import dev.dlock.spi.LockRequest;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One caller's lock request, from its first statement to its answer: the deadline, and whether the caller
 * abandoned it. The API's loop hands it to the dialect once per bounded database request
 * ({@link #beginRequest()}); the dialect sees it as a {@link LockRequest}. All the remaining-time arithmetic
 * of dlock is here: rounding up, capping, and saturation for timeouts of centuries.
 *
 * <p>Made and driven on the thread that waits; {@link #cancel()} may come from any thread. Its time is
 * {@link System#nanoTime()}; a test hands it a clock of its own, so that the remaining time, and with it every
 * timeout a dialect is told, is known to the nanosecond.
 */
final class PendingRequest implements LockRequest {
    /** {@link #timeoutNanos} of a request that waits as long as it takes. */
    private static final long NO_DEADLINE = -1;

    /** The caller's timeout, for messages; {@code null} without a deadline. */
    private final Duration timeout;
    /** The caller's timeout in nanoseconds, saturated; {@link #NO_DEADLINE} for none. */
    private final long timeoutNanos;
    /** Reads the time, as {@link System#nanoTime()} does. */
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final Thread waiter = Thread.currentThread();
    private volatile boolean callerCancelled;
    private volatile boolean interruptSeen;
    private volatile CancellableStatement running;

    /** The longest wait one database request may be given, in nanoseconds; {@link Long#MAX_VALUE} for no limit. */
    private long longestRequestNanos = Long.MAX_VALUE;

    // the current bounded database request; written and read on the waiting thread
    private long requestStartNanos;
    private long requestBoundNanos;
    private volatile boolean cancelSent;

    private PendingRequest(Duration timeout, long timeoutNanos, LongSupplier nanoClock) {
        this.timeout = timeout;
        this.timeoutNanos = timeoutNanos;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /** @return a request that makes one attempt and never waits ({@code tryAcquire()}) */
    static PendingRequest once() {
        return new PendingRequest(Duration.ZERO, 0, System::nanoTime);
    }

    /** @return a request that waits as long as it takes ({@code acquire()}) */
    static PendingRequest untilHeld() {
        return new PendingRequest(null, NO_DEADLINE, System::nanoTime);
    }

    /**
     * @param timeout how long to wait; zero is {@link #once()}
     * @return a request that waits up to {@code timeout}, counted from now
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    static PendingRequest upTo(Duration timeout) {
        return upTo(timeout, System::nanoTime);
    }

    /**
     * @param timeout   how long to wait; zero is {@link #once()}
     * @param nanoClock the time, as {@link System#nanoTime()} reads it
     * @return a request that waits up to {@code timeout}, counted from the clock's time now
     */
    static PendingRequest upTo(Duration timeout, LongSupplier nanoClock) {
        return new PendingRequest(timeout, checkedNanos(timeout), Objects.requireNonNull(nanoClock, "nanoClock"));
    }

    /**
     * @param timeout a caller's timeout
     * @return it in nanoseconds, {@link Long#MAX_VALUE} for a timeout longer than 292 years
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    static long checkedNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout cannot be negative: " + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException centuries) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * @param bound a positive bound, such as the wait for an answer
     * @param name  what the caller calls it, for the message
     * @return it in nanoseconds, at most {@code Long.MAX_VALUE / 2} (so that now + bound is a deadline still)
     * @throws NullPointerException     if {@code bound} is null
     * @throws IllegalArgumentException if {@code bound} is zero or negative
     */
    static long positiveNanos(Duration bound, String name) {
        Objects.requireNonNull(bound, name);
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + bound);
        }
        return Math.min(checkedNanos(bound), Long.MAX_VALUE / 2);
    }

    /** @return whether this request may wait at all; {@code false} for one attempt */
    boolean waits() {
        return timeoutNanos != 0;
    }

    /** @return whether the request has a deadline (every request but {@link #untilHeld()}) */
    boolean hasDeadline() {
        return timeoutNanos != NO_DEADLINE;
    }

    /** @return the timeout asked for, for messages; {@code null} for {@link #untilHeld()} */
    Duration timeout() {
        return timeout;
    }

    /** @return nanoseconds left before the deadline, never negative; {@link Long#MAX_VALUE} without one */
    long remainingNanos() {
        return hasDeadline() ? Math.max(0, timeoutNanos - elapsedNanos()) : Long.MAX_VALUE;
    }

    /** @return whether another database request may be made: the request waits and its time is not up */
    boolean hasTimeLeft() {
        return waits() && remainingNanos() > 0;
    }

    /** @return nanoseconds since the caller's call began */
    long elapsedNanos() {
        return nanoClock.getAsLong() - startNanos;
    }

    /** Starts one bounded database request of this caller's request. */
    void beginRequest() {
        requestStartNanos = nanoClock.getAsLong();
        requestBoundNanos = 0;
        cancelSent = false;
    }

    /**
     * Keeps every database request of this caller's request below {@code nanos} (the driver's network timeout,
     * past which a read breaks the connection), whatever the dialect's own longest wait. A dialect that counts
     * whole units gets at least one.
     *
     * @param nanos the longest wait of one request; 0 or less for no limit
     */
    void limitEachRequestTo(long nanos) {
        longestRequestNanos = nanos > 0 ? nanos : Long.MAX_VALUE;
    }

    @Override
    public long timeout(TimeUnit unit, long max) {
        Objects.requireNonNull(unit, "unit");
        if (max <= 0) {
            throw new IllegalArgumentException("the longest timeout must be positive: " + max);
        }
        long remaining = remainingNanos();
        long unitNanos = unit.toNanos(1);
        long longest = longestRequestNanos == Long.MAX_VALUE ? max
                : Math.min(max, Math.max(1, longestRequestNanos / unitNanos));
        long units = remaining == 0 ? 0 : Math.min(ceilDiv(remaining, unitNanos), longest);
        requestBoundNanos = unit.toNanos(units); // saturates
        return units;
    }

    private static long ceilDiv(long positive, long divisor) {
        // no (x + d - 1) / d: near Long.MAX_VALUE (a wait without a deadline) the sum would overflow
        return positive / divisor + (positive % divisor == 0 ? 0 : 1);
    }

    /**
     * @return whether the current database request answered "not granted" in under half the time it was given:
     *         the database did not wait as asked, and asking again would spin
     */
    boolean answeredEarly() {
        return requestBoundNanos > 0 && nanoClock.getAsLong() - requestStartNanos < requestBoundNanos / 2;
    }

    /** @return the bound of the current database request, for messages */
    Duration requestBound() {
        return Duration.ofNanos(requestBoundNanos);
    }

    /** @return how long the current database request has run, for messages */
    Duration requestElapsed() {
        return Duration.ofNanos(nanoClock.getAsLong() - requestStartNanos);
    }

    @Override
    public <T> T cancellable(Statement statement, SqlCall<T> execution) throws SQLException {
        return run(statement, false, execution);
    }

    @Override
    public <T> T cancellableUntilDeadline(Statement statement, SqlCall<T> execution) throws SQLException {
        return run(statement, hasDeadline(), execution);
    }

    private <T> T run(Statement statement, boolean cutAtDeadline, SqlCall<T> execution) throws SQLException {
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(execution, "execution");
        if (!waits()) {
            return execution.call(); // one attempt: it does not block, so there is nothing to cancel
        }
        // a driver's default query timeout (mssql-jdbc's queryTimeout, say) would cut the wait: dlock bounds it
        statement.setQueryTimeout(0);
        CancellableStatement cancellable = new CancellableStatement(this, statement,
                cutAtDeadline ? remainingNanos() : -1);
        running = cancellable;
        try {
            if (callerCancelled) {
                cancellable.cancel(); // the caller cancelled before the statement was published
            }
            return cancellable.run(execution);
        } finally {
            running = null;
        }
    }

    /**
     * Asks, from any thread, for this request to stop: a statement it waits in is cancelled now and again until
     * it returns, and the request ends as cancelled, holding nothing.
     */
    void cancel() {
        callerCancelled = true;
        CancellableStatement statement = running;
        if (statement != null) {
            statement.cancel();
        }
    }

    /** @return whether {@link #cancel()} was called (rather than the waiting thread being interrupted) */
    boolean callerCancelled() {
        return callerCancelled;
    }

    /** Called by the cancel mechanism when it has seen the waiting thread interrupted. */
    void noteInterrupt() {
        interruptSeen = true;
    }

    /** Called by the cancel mechanism just before it cancels a statement of the current database request. */
    void noteCancelSent() {
        cancelSent = true;
    }

    /** @return whether dlock cancelled a statement of the current database request (interrupt, cancel, deadline) */
    boolean cancelledByDlock() {
        return cancelSent;
    }

    @Override
    public boolean abandoned() {
        return callerCancelled || interruptSeen || waiter.isInterrupted();
    }
}
