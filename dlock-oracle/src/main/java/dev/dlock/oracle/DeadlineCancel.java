package dev.dlock.oracle;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Cancels a statement at a deadline finer than the database can keep. Armed just before the statement runs and
 * closed as soon as it returns; in between, from the deadline on, it calls {@link Statement#cancel()} every
 * {@link #RECANCEL_NANOS} until closed, because a cancel that reaches the driver before the call is on the server
 * is lost. Closing waits for a cancel in progress, so none is sent after the statement has returned.
 */
final class DeadlineCancel implements AutoCloseable {
    static final long RECANCEL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Statement statement;
    private ScheduledFuture<?> next;
    private boolean closed;
    private boolean fired;

    private DeadlineCancel(Statement statement) {
        this.statement = statement;
    }

    /**
     * @param statement  the statement about to run
     * @param afterNanos when to cancel it, from now
     * @return the armed cancel; close it when the statement returns
     */
    static DeadlineCancel after(Statement statement, long afterNanos) {
        DeadlineCancel cancel = new DeadlineCancel(statement);
        synchronized (cancel) {
            cancel.next = Timer.INSTANCE.schedule(cancel::fire, afterNanos, TimeUnit.NANOSECONDS);
        }
        return cancel;
    }

    private synchronized void fire() {
        if (closed) {
            return;
        }
        fired = true;
        try {
            statement.cancel();
        } catch (SQLException | RuntimeException ignored) {
            // the statement finished or the connection broke: either way the wait is over
        }
        next = Timer.INSTANCE.schedule(this::fire, RECANCEL_NANOS, TimeUnit.NANOSECONDS);
    }

    /** @return whether the deadline passed and the statement was cancelled */
    synchronized boolean fired() {
        return fired;
    }

    @Override
    public synchronized void close() {
        closed = true;
        next.cancel(false);
    }

    /** One daemon thread for every deadline of the JVM, started on first use. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor INSTANCE = start();

        private static ScheduledThreadPoolExecutor start() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "dlock-oracle-deadline");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
