package dev.dlock.shedlock;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockLostException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A granted ShedLock lock: a held dlock lock, and the earliest moment its release may be sent (the grant, or the
 * extension, plus {@code lockAtLeastFor}, on the monotonic clock).
 */
final class HeldLock implements SimpleLock {
    private final DistributedLock lock;
    private final String name;
    private final long releaseNotBefore;
    private final AtomicBoolean spent = new AtomicBoolean();

    HeldLock(DistributedLock lock, String name, Duration lockAtLeastFor) {
        this.lock = lock;
        this.name = name;
        this.releaseNotBefore = System.nanoTime() + lockAtLeastFor.toNanos();
    }

    /**
     * Releases the lock now, or, before {@code lockAtLeastFor} has passed, has the shared scheduler release it then
     * and returns at once.
     *
     * @throws IllegalStateException      if this lock was already unlocked or extended
     * @throws dev.dlock.LockLostException if the lock was lost meanwhile (its session ended); only when released now
     * @throws DistributedLockException   if the database failed to release it; dlock then ends the session, which
     *                                    frees it; only when released now
     */
    @Override
    public void unlock() {
        spend();
        long wait = releaseNotBefore - System.nanoTime();
        if (wait > 0) {
            DeferredReleases.release(lock, wait);
        } else {
            lock.release();
        }
    }

    /**
     * Asks the database whether the lock is still held; if so, returns a new lock for it whose {@code lockAtLeastFor}
     * counts from now. A native lock has no lease, so {@code lockAtMostFor} only has to be valid.
     *
     * @return the same held lock under the new settings, or empty if the lock was lost (its session ended)
     * @throws IllegalStateException    if this lock was already unlocked or extended
     * @throws IllegalArgumentException if {@code lockAtLeastFor} exceeds {@code lockAtMostFor}, or
     *                                  {@code lockAtMostFor} is negative (ShedLock's rules); this lock stays usable
     * @throws DistributedLockException if the question failed on a live connection; this lock stays usable
     */
    @Override
    public Optional<SimpleLock> extend(Duration lockAtMostFor, Duration lockAtLeastFor) {
        // ShedLock's own checks of the two durations (and of null), before anything is spent or sent; a negative
        // lockAtLeastFor passes them and, as in lock(), means no wait
        new LockConfiguration(ClockProvider.now(), name, lockAtMostFor, lockAtLeastFor);
        if (spent.get()) {
            throw spentAlready();
        }
        boolean held;
        try {
            held = lock.isHeldOnServer();
        } catch (LockLostException e) {
            held = false;
        }
        spend();
        if (!held) {
            forget();
            return Optional.empty();
        }
        return Optional.of(new HeldLock(lock, name, lockAtLeastFor));
    }

    /** The lock is gone on the server: lets dlock give its slot on the pooled connection back. */
    private void forget() {
        try {
            lock.close();
        } catch (DistributedLockException e) {
            // expected: the server says it is not held (LockLostException), or the session is broken and dlock ends it
        }
    }

    private void spend() {
        if (!spent.compareAndSet(false, true)) {
            throw spentAlready();
        }
    }

    private IllegalStateException spentAlready() {
        return new IllegalStateException("lock '" + name + "' (dlock key " + lock.key() + ") was already unlocked"
                + " or extended; use the lock extend returned");
    }

    @Override
    public String toString() {
        return "dlock ShedLock lock '" + name + "' (" + lock + ")";
    }
}
