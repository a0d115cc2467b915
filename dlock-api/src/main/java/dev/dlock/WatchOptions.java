package dev.dlock;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link LockWatch} checks a held lock: a check starts every {@linkplain #cadence() cadence}; a check
 * that has not confirmed the lock within its {@linkplain #bound() bound} declares it lost (and aborts the
 * connection). So a lock is declared lost at most {@link #lossBound()} (cadence + bound) after the start of
 * the last check that confirmed it, however the network fails.
 *
 * <p>A {@linkplain #lease() lease} adds a bound on the server's side, where the dialect has one (PostgreSQL;
 * the others refuse a lease with {@link UnsupportedLockOptionException}): the server
 * ends a session that has fallen silent (a cut link, a dead NAT entry) between {@code lease − 1 s} and
 * {@code lease} after the silence began, and the session's locks with it. The loss bound must be at most
 * half of {@code lease − 1 s}, so that the holder is told well before anyone else can be granted the lock;
 * options that break this order are refused. Immutable.
 */
public final class WatchOptions {
    private static final Duration SERVER_SLACK = Duration.ofSeconds(1);
    private static final Duration SHORTEST_LEASE = Duration.ofSeconds(2);

    private final Duration cadence;
    private final Duration bound;
    private final Duration lease;

    private WatchOptions(Duration cadence, Duration bound, Duration lease) {
        this.cadence = cadence;
        this.bound = bound;
        this.lease = lease;
        if (cadence.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("cadence must be at least 1 ms: " + cadence);
        }
        if (bound.isNegative() || bound.isZero() || bound.compareTo(cadence) > 0) {
            throw new IllegalArgumentException("the bound must be positive and at most the cadence (" + cadence
                    + "): " + bound);
        }
        if (lease != null) {
            if (lease.compareTo(SHORTEST_LEASE) < 0) {
                throw new IllegalArgumentException("a lease must be at least " + SHORTEST_LEASE + ": " + lease);
            }
            Duration told = lossBound();
            Duration serverEarliest = lease.minus(SERVER_SLACK);
            if (told.multipliedBy(2).compareTo(serverEarliest) > 0) {
                throw new IllegalArgumentException("cadence " + cadence + " + bound " + bound + " = " + told
                        + " must be at most half of lease − 1 s = " + serverEarliest.dividedBy(2) + ": the server may"
                        + " end a silent session from " + serverEarliest + " on, and the holder must be told first");
            }
        }
    }

    /**
     * @param cadence how often a check starts; at least 1 ms
     * @return options that check every {@code cadence}, each check bounded by one cadence, without a lease
     * @throws IllegalArgumentException if {@code cadence} is shorter than 1 ms
     */
    public static WatchOptions every(Duration cadence) {
        Objects.requireNonNull(cadence, "cadence");
        return new WatchOptions(cadence, cadence, null);
    }

    /**
     * @param lease how long after a holder falls silent the server may end its session; at least 2 s
     * @return options with this lease, checking every {@code (lease − 1 s) / 4}, each check bounded by as much
     * @throws IllegalArgumentException if {@code lease} is shorter than 2 s
     */
    public static WatchOptions lease(Duration lease) {
        Objects.requireNonNull(lease, "lease");
        if (lease.compareTo(SHORTEST_LEASE) < 0) {
            throw new IllegalArgumentException("a lease must be at least " + SHORTEST_LEASE + ": " + lease);
        }
        Duration quarter = lease.minus(SERVER_SLACK).dividedBy(4);
        return new WatchOptions(quarter, quarter, lease);
    }

    /**
     * @param bound how long a check may take to confirm the lock; positive, at most the cadence
     * @return these options with that bound
     * @throws IllegalArgumentException if the bound is out of range, or breaks the lease's order
     */
    public WatchOptions confirmWithin(Duration bound) {
        return new WatchOptions(cadence, Objects.requireNonNull(bound, "bound"), lease);
    }

    /**
     * @param lease as for {@link #lease(Duration)}
     * @return these options (cadence and bound kept) with that lease
     * @throws IllegalArgumentException if the lease is shorter than 2 s or the loss bound is longer than half of
     *                                  {@code lease − 1 s}
     */
    public WatchOptions withLease(Duration lease) {
        return new WatchOptions(cadence, bound, Objects.requireNonNull(lease, "lease"));
    }

    /** @return how often a check starts */
    public Duration cadence() {
        return cadence;
    }

    /** @return how long a check may take to confirm the lock before it is declared lost */
    public Duration bound() {
        return bound;
    }

    /** @return the server-side bound, if any */
    public Optional<Duration> lease() {
        return Optional.ofNullable(lease);
    }

    /** @return cadence + bound: the longest from the start of the last confirming check to a loss declaration */
    public Duration lossBound() {
        return cadence.plus(bound);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WatchOptions
                && cadence.equals(((WatchOptions) other).cadence) && bound.equals(((WatchOptions) other).bound)
                && Objects.equals(lease, ((WatchOptions) other).lease);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cadence, bound, lease);
    }

    @Override
    public String toString() {
        return "every " + cadence + ", confirmed within " + bound + (lease == null ? "" : ", lease " + lease);
    }
}
