package dev.dlock.shedlock;

import dev.dlock.DistributedLock;
import dev.dlock.LockLostException;
import java.lang.System.Logger.Level;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The releases that wait for {@code lockAtLeastFor}: one scheduler for every provider of the JVM, whose one daemon
 * thread sends each release when it falls due (started on first use, gone after a minute with nothing pending). A
 * release is one short statement; a database that hangs on one delays the ones due after it, which go to the same
 * database, or to the same connection, anyway.
 */
final class DeferredReleases {
    static final String THREAD_NAME = "dlock-shedlock-release";
    /** Where a release that found its lock gone, or failed, is reported (the JDK's platform logging). */
    static final String LOGGER = DlockLockProvider.class.getName();
    private static final System.Logger LOG = System.getLogger(LOGGER);
    private static final ScheduledThreadPoolExecutor SCHEDULER = scheduler();

    private DeferredReleases() {
    }

    private static ScheduledThreadPoolExecutor scheduler() {
        AtomicInteger threads = new AtomicInteger();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, THREAD_NAME + "-" + threads.incrementAndGet());
            // a pending release must not keep the JVM alive: at exit the connection closes, and the lock goes with it
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setKeepAliveTime(1, TimeUnit.MINUTES);
        scheduler.allowCoreThreadTimeOut(true);
        return scheduler;
    }

    /**
     * @param lock  a held lock
     * @param nanos how long from now to release it
     */
    static void release(DistributedLock lock, long nanos) {
        SCHEDULER.schedule(() -> releaseNow(lock), nanos, TimeUnit.NANOSECONDS);
    }

    private static void releaseNow(DistributedLock lock) {
        try {
            lock.release();
        } catch (LockLostException e) {
            // the session ended first (the pool closed at shutdown, the connection was killed): the lock is free
            // already, only sooner than lockAtLeastFor; nothing failed
            LOG.log(Level.INFO, () -> "lock " + lock.key() + " was free before its lockAtLeastFor ended: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            // nobody is left to throw to; a release dlock cannot confirm ends the session, which frees the lock
            LOG.log(Level.WARNING, "the release of " + lock + " after its lockAtLeastFor failed", e);
        }
    }
}
