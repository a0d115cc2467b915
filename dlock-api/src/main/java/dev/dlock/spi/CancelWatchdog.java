package dev.dlock.spi;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread that turns thread interrupts into {@link java.sql.Statement#cancel()} calls. JDBC drivers
 * block in socket reads that ignore interrupts, so something outside the waiting thread has to notice.
 * It checks the registered waits every {@link #POLL_NANOS}; after a quiet spell it parks until the next
 * registration, so an idle JVM pays nothing and a busy one pays no wake-up per lock.
 */
final class CancelWatchdog {
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final long RECANCEL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final Set<LockWait> WAITS = ConcurrentHashMap.newKeySet();
    private static final AtomicLong WAKE_UPS = new AtomicLong();
    /** True until the thread runs (so the first {@link #watch} starts it) and while it parks for lack of waits. */
    private static volatile boolean parked = true;

    private CancelWatchdog() {
    }

    static void watch(LockWait wait) {
        WAITS.add(wait);
        if (parked) {
            WAKE_UPS.incrementAndGet();
            LockSupport.unpark(Holder.THREAD);
        }
    }

    static void unwatch(LockWait wait) {
        WAITS.remove(wait);
    }

    /** @return how many times {@link #watch} has woken (or started) the thread */
    static long wakeUps() {
        return WAKE_UPS.get();
    }

    private static void run() {
        parked = false;
        long lastBusy = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (!WAITS.isEmpty()) {
                lastBusy = now;
                for (LockWait wait : WAITS) {
                    wait.checkInterrupt(now);
                }
            }
            if (WAITS.isEmpty() && now - lastBusy > LINGER_NANOS) {
                parked = true;
                if (WAITS.isEmpty()) {
                    LockSupport.park(CancelWatchdog.class);
                }
                parked = false;
                lastBusy = System.nanoTime();
            } else {
                LockSupport.parkNanos(CancelWatchdog.class, POLL_NANOS);
            }
        }
    }

    private static final class Holder {
        static final Thread THREAD = start();

        private static Thread start() {
            Thread thread = new Thread(CancelWatchdog::run, "dlock-cancel-watchdog");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }
    }
}
