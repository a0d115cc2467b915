package dev.dlock.mysql;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * Stands between dlock's cancel watchdog and a waiting {@code GET_LOCK}, so that a cancel can never reach a
 * later statement on the same connection.
 *
 * <p>Both MySQL-family drivers cancel by opening a second connection and sending {@code KILL QUERY <id>}: a
 * kill aimed at the session, not at the statement. The watchdog cancels again every few milliseconds until the
 * statement returns, so one cancel may still be on its way (connecting, logging in) when {@code GET_LOCK}
 * returns; its kill would then land on whatever the session runs next: the {@code RELEASE_LOCK} that gives back
 * a lock granted as the interrupt came, or the caller's own next statement. A kill that lands while the session
 * is idle is harmless (MySQL 8 and MariaDB both clear it when the next command starts).
 *
 * <p>So the watchdog gets a view of the statement whose {@code cancel()} passes through only while the gate is
 * open, and {@link #close()}, called as soon as the statement has returned, shuts the gate and waits until a
 * cancel already passing has finished: the driver returns from {@code cancel()} after the server answered the
 * kill, so from then on no kill of this wait is in flight.
 */
final class CancelGate implements AutoCloseable {
    /** A cancel that cannot open its connection for this long is left behind; the caller is not held hostage. */
    private static final long LONGEST_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Statement statement;
    private boolean open = true;
    private int cancelsInFlight;

    CancelGate(Statement statement) {
        this.statement = statement;
    }

    /** @return the statement as the watchdog should see it: every call goes through, {@code cancel()} only while open */
    Statement guarded() {
        return (Statement) Proxy.newProxyInstance(CancelGate.class.getClassLoader(), new Class<?>[] {Statement.class},
                (proxy, method, args) -> "cancel".equals(method.getName()) && method.getParameterCount() == 0
                        ? cancel()
                        : invoke(method, args));
    }

    private Object invoke(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(statement, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Object cancel() throws SQLException {
        synchronized (this) {
            if (!open) {
                return null;
            }
            cancelsInFlight++;
        }
        try {
            statement.cancel();
        } finally {
            synchronized (this) {
                cancelsInFlight--;
                notifyAll();
            }
        }
        return null;
    }

    /** Shuts the gate and waits for a cancel already passing; keeps the thread's interrupt flag as it was. */
    @Override
    public synchronized void close() {
        open = false;
        boolean interrupted = false;
        long deadline = System.nanoTime() + LONGEST_CLOSE_NANOS;
        long left;
        while (cancelsInFlight > 0 && (left = deadline - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                // the waiting thread is usually the interrupted one: wait on, and give the flag back after
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
