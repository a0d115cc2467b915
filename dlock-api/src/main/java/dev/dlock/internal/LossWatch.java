package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.LockLostException;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Checks a held lock at a cadence, each check with a deadline, and tells once when the lock is declared lost.
 * The timer thread starts each check on the connection's {@link SerialLane} and, at the check's deadline,
 * declares the loss itself if no answer has come ({@link JdbcDistributedLock#unanswered}): a check stuck on a
 * silent connection delays nothing but its own connection's checks. The listener runs on a pool thread of
 * its own.
 */
final class LossWatch implements LockWatch {
    private final JdbcDistributedLock lock;
    private final WatchOptions options;
    private final Consumer<? super DistributedLock> onLost;
    private final DistributedLock shown;
    /** The hold of the lock this watch watches ({@link JdbcDistributedLock#hold()}). */
    private final int hold;
    private final CompletableFuture<DistributedLock> lost = new CompletableFuture<>();
    private final AtomicBoolean told = new AtomicBoolean();
    private final AtomicReference<Check> underWay = new AtomicReference<>();
    private volatile LockLostException loss;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> ticks;

    /** One check: settled once, by its answer or by its deadline, whichever comes first. */
    private static final class Check extends AtomicBoolean {
        private static final long serialVersionUID = 1L;
        final long due;
        final long deadline;
        volatile ScheduledFuture<?> cut;

        Check(long due, long deadline) {
            this.due = due;
            this.deadline = deadline;
        }

        boolean settle() {
            return compareAndSet(false, true);
        }
    }

    private LossWatch(JdbcDistributedLock lock, WatchOptions options, Consumer<? super DistributedLock> onLost,
                      DistributedLock shown) {
        this.lock = lock;
        this.options = options;
        this.onLost = onLost;
        this.shown = shown;
        this.hold = lock.hold();
    }

    static LossWatch start(JdbcDistributedLock lock, WatchOptions options, Consumer<? super DistributedLock> onLost,
                           DistributedLock shown) {
        LossWatch watch = new LossWatch(lock, options, onLost, shown);
        long cadence = PendingRequest.positiveNanos(options.cadence(), "cadence");
        // the first check at once: a watch confirms the lock as it starts
        CheckThreads.TIMER.execute(() -> watch.tick(System.nanoTime()));
        // then on a grid of the cadence shared by every watch of that cadence, so that the checks of many locks
        // of one session fall due together and one statement answers them all (JdbcDistributedLock#check)
        long now = System.nanoTime();
        watch.ticks = CheckThreads.TIMER.scheduleAtFixedRate(() -> watch.tick(onTheGrid(System.nanoTime(), cadence)),
                cadence - Math.floorMod(now, cadence), cadence, TimeUnit.NANOSECONDS);
        return watch;
    }

    /** @return the latest point of the cadence's grid at or before {@code now}: when a grid tick was due */
    private static long onTheGrid(long now, long cadence) {
        return now - Math.floorMod(now, cadence);
    }

    /**
     * On the timer thread, every cadence: never waits, never throws (a throw would end the schedule).
     *
     * @param due when this check was due ({@link System#nanoTime()})
     */
    private void tick(long due) {
        try {
            startCheck(due);
        } catch (RuntimeException e) {
            Thread thread = Thread.currentThread();
            thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
        }
    }

    private void startCheck(long due) {
        if (closed) {
            return;
        }
        if (lock.hold() != hold) {
            close(); // released, and granted again since: that hold is not this watch's, whose ended normally
            return;
        }
        LockLostException declared = lock.loss();
        if (declared != null) {
            tell(declared); // declared by another watch, or by a bounded question
            return;
        }
        if (!lock.isLocked()) {
            close(); // released: nothing more to watch
            return;
        }
        if (underWay.get() != null) {
            return; // the check under way has its own deadline
        }
        long bound = PendingRequest.positiveNanos(options.bound(), "bound");
        Check check = new Check(due, System.nanoTime() + bound);
        underWay.set(check);
        check.cut = CheckThreads.TIMER.schedule(() -> deadline(check), bound, TimeUnit.NANOSECONDS);
        lock.checkLane().execute(() -> run(check));
    }

    /** On the connection's lane. */
    private void run(Check check) {
        try {
            if (!check.get()) {
                lock.check(check.due, check.deadline);
            }
        } finally {
            if (check.settle()) {
                check.cut.cancel(false);
                underWay.compareAndSet(check, null);
                LockLostException declared = lock.loss();
                if (declared != null) {
                    tell(declared);
                }
            }
        }
    }

    /** On the timer thread, at a check's deadline. */
    private void deadline(Check check) {
        if (check.settle()) {
            lock.unanswered(options.bound(), false);
            LockLostException declared = lock.loss();
            if (declared != null) {
                tell(declared);
            }
        }
    }

    private void tell(LockLostException declared) {
        if (lock.hold() != hold) {
            close(); // a check begun before a normal release found the loss of the next hold: not this watch's
            return;
        }
        if (!told.compareAndSet(false, true)) {
            return;
        }
        loss = declared;
        close();
        CheckThreads.POOL.execute(() -> {
            try {
                onLost.accept(shown);
            } finally {
                lost.complete(shown);
            }
        });
    }

    @Override
    public CompletableFuture<DistributedLock> lost() {
        return lost;
    }

    @Override
    public Optional<LockLostException> loss() {
        return Optional.ofNullable(loss);
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> running = ticks;
        if (running != null) {
            running.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "watch of " + shown + ", " + options + (loss == null ? "" : ", lost: " + loss.reason());
    }
}
