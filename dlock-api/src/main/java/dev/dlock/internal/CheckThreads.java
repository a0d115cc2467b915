package dev.dlock.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The background threads that check held locks: one timer that only starts checks and enforces their
 * deadlines (it never waits on a database), and a pool for what may block: checks, each connection's one at
 * a time ({@link SerialLane}), loss listeners, and aborts. The pool grows with what is blocked at once, not
 * with the number of watches.
 */
final class CheckThreads {
    static final ScheduledThreadPoolExecutor TIMER = timer();
    static final ExecutorService POOL = Executors.newCachedThreadPool(new Daemons("dlock-watch-"));

    private CheckThreads() {
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, new Daemons("dlock-watch-timer-"));
        timer.setRemoveOnCancelPolicy(true); // a deadline met is cancelled: do not keep it queued until due
        return timer;
    }
}
