package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.LockLostException;
import dev.dlock.LockWatch;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Asks the server, at a cadence, whether a held lock is still held; tells once when it is not. */
final class LossWatch implements LockWatch {
    private static final ScheduledExecutorService SCHEDULER =
            Executors.newSingleThreadScheduledExecutor(new Daemons("dlock-watch-"));

    private final JdbcDistributedLock lock;
    private final Consumer<? super DistributedLock> onLost;
    private final CompletableFuture<DistributedLock> lost = new CompletableFuture<>();
    private volatile ScheduledFuture<?> schedule;

    private LossWatch(JdbcDistributedLock lock, Consumer<? super DistributedLock> onLost) {
        this.lock = lock;
        this.onLost = onLost;
    }

    static LossWatch start(JdbcDistributedLock lock, Duration cadence, Consumer<? super DistributedLock> onLost) {
        Objects.requireNonNull(cadence, "cadence");
        Objects.requireNonNull(onLost, "onLost");
        if (cadence.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("cadence must be at least 1 ms: " + cadence);
        }
        if (!lock.isLocked()) {
            throw new IllegalStateException(lock.describe() + " is not held: there is nothing to watch");
        }
        LossWatch watch = new LossWatch(lock, onLost);
        long nanos = cadence.toNanos();
        watch.schedule = SCHEDULER.scheduleWithFixedDelay(watch::check, nanos, nanos, TimeUnit.NANOSECONDS);
        return watch;
    }

    private void check() {
        if (!lock.isLocked()) {
            close(); // released normally: nothing more to watch
            return;
        }
        Boolean held;
        try {
            held = lock.checkIfIdle();
        } catch (LockLostException e) {
            held = false; // the server session is not the one the lock was taken on: lost all the same
        } catch (RuntimeException e) {
            return; // the question failed on a live connection: ask again next round
        }
        if (held != null && !held) {
            close();
            try {
                onLost.accept(lock);
            } finally {
                lost.complete(lock);
            }
        }
    }

    @Override
    public CompletableFuture<DistributedLock> lost() {
        return lost;
    }

    @Override
    public void close() {
        ScheduledFuture<?> running = schedule;
        if (running != null) {
            running.cancel(false);
        }
    }
}
