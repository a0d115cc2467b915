package dev.dlock.cli;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockOptions;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code dlock run}: connect, take the lock, watch it, run the command, give the lock back, in that order,
 * with two ways out that may come at any moment from other threads: a signal to dlock (the shutdown hook) and
 * the watch declaring the lock lost. Both stop the command the same way ({@link #stop(Process)}). What the
 * three threads share is guarded by this object's monitor: the command's process, whether a signal came, and
 * whether the session has been ended, so that the command is never started after either way out was taken and
 * the session is ended exactly once.
 */
final class LockedCommand {
    /** Opens the connection; a lambda over {@link java.sql.DriverManager}. */
    interface Connector {
        Connection connect() throws SQLException;
    }

    /** How long a signal waits for the main thread to end the session, before it aborts the connection. */
    private static final Duration SESSION_END_LIMIT = Duration.ofSeconds(10);

    private final String key;
    private final LockOptions options;
    private final Duration timeout;
    private final WatchOptions watchOptions;
    private final Duration killAfter;
    private final int conflictExitCode;
    private final boolean quiet;
    private final List<String> command;
    private final String passwordVariable;
    private final Secrets secrets;
    private final PrintWriter err;

    private Connection connection;
    private DistributedLock lock;
    private Thread main;
    private Process child;            // guarded by this
    private boolean signalled;        // guarded by this
    private boolean lost;             // guarded by this
    private boolean ended;            // guarded by this
    private LockLostException lossAtRelease; // guarded by this

    /**
     * @param timeout          how long to wait for the lock; null: as long as it takes, zero: one attempt
     * @param passwordVariable the environment variable the command does not inherit
     */
    LockedCommand(String key, LockOptions options, Duration timeout, WatchOptions watchOptions, Duration killAfter,
            int conflictExitCode, boolean quiet, List<String> command, String passwordVariable, Secrets secrets,
            PrintWriter err) {
        this.key = key;
        this.options = options;
        this.timeout = timeout;
        this.watchOptions = watchOptions;
        this.killAfter = killAfter;
        this.conflictExitCode = conflictExitCode;
        this.quiet = quiet;
        this.command = command;
        this.passwordVariable = passwordVariable;
        this.secrets = secrets;
        this.err = err;
    }

    /**
     * @param connector    opens the connection
     * @param scrubbedUrl  the URL as messages may show it
     * @return the exit status
     */
    int run(Connector connector, String scrubbedUrl) {
        try {
            connection = connector.connect();
        } catch (SQLException e) {
            return fail(ExitStatus.UNAVAILABLE, "cannot connect to " + scrubbedUrl + ": " + e.getMessage());
        }
        main = Thread.currentThread();
        Thread hook = new Thread(this::onSignal, "dlock-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return lockAndRun();
        } finally {
            endSession();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // a signal came: the hook is running, and the JVM exits when it is done
            }
        }
    }

    private int lockAndRun() {
        try {
            lock = Locks.forConnection(connection, LockKey.of(key), options);
        } catch (UnsupportedLockOptionException | IllegalArgumentException e) {
            return fail(ExitStatus.USAGE, e.getMessage());
        } catch (DistributedLockException e) {
            return fail(ExitStatus.UNAVAILABLE, describe(e));
        }
        boolean held;
        try {
            if (timeout == null) {
                lock.acquire();
                held = true;
            } else if (timeout.isZero()) {
                held = lock.tryAcquire();
            } else {
                held = lock.tryAcquire(timeout);
            }
        } catch (DistributedLockException | IllegalStateException e) {
            return signalledOr(ExitStatus.UNAVAILABLE, describe(e));
        }
        if (!held) {
            if (quiet) {
                return conflictExitCode;
            }
            String waited = timeout.isZero() ? "" : "; gave up after " + DurationConverter.format(timeout);
            err.println("dlock: " + quoted(key) + " is held by another session" + waited + "; exiting "
                    + conflictExitCode);
            err.flush();
            return conflictExitCode;
        }
        LockWatch watch;
        try {
            watch = lock.watch(watchOptions, ignored -> onLost());
        } catch (UnsupportedLockOptionException e) {
            return fail(ExitStatus.USAGE, e.getMessage());
        } catch (DistributedLockException | IllegalStateException e) {
            return signalledOr(ExitStatus.UNAVAILABLE, describe(e));
        }
        try (watch) {
            Process process;
            synchronized (this) {
                if (signalled) {
                    return ExitStatus.SOFTWARE; // not seen: the JVM exits with the signal's status
                }
                if (lost) {
                    return lostStatus(watch);
                }
                try {
                    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
                    builder.environment().remove(passwordVariable);
                    child = builder.start();
                } catch (IOException e) {
                    return cannotStart(e);
                }
                process = child;
            }
            int status = waitUninterruptibly(process);
            watch.close();
            endSession(); // a loss the watch had not yet seen shows here, as the release's LockLostException
            synchronized (this) {
                if (lost) {
                    return lostStatus(watch);
                }
            }
            return status;
        }
    }

    /** The watch's listener, on a thread of the watch's: stop the command, if it runs; the main thread reports. */
    private void onLost() {
        Process process;
        synchronized (this) {
            lost = true;
            process = child;
        }
        if (process != null) {
            stop(process);
        }
    }

    /** The shutdown hook: SIGTERM, SIGINT or SIGHUP reached dlock. Stop the command, then end the session. */
    private void onSignal() {
        Process process;
        synchronized (this) {
            signalled = true;
            process = child;
        }
        if (process != null) {
            stop(process);
            endSession();
            return;
        }
        // still waiting for the lock (or setting up the watch) on the main thread, which owns the connection: an
        // interrupt makes dlock cancel the wait on the server, and the main thread then ends the session and
        // starts nothing. Closing the socket instead would leave PostgreSQL's backend waiting until it is
        // granted the lock, since a waiting backend does not notice that its client went away.
        main.interrupt();
        if (!awaitEnded(SESSION_END_LIMIT)) {
            abort();
        }
    }

    private synchronized boolean awaitEnded(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (!ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ended;
        }
    }

    /** SIGTERM, then SIGKILL if the command has not ended within {@code killAfter}; returns once it has ended. */
    private void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(killAfter.toNanos(), TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int waitUninterruptibly(Process process) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Releases the lock and closes the connection, once, whichever thread comes first; the other waits for it. */
    private synchronized void endSession() {
        if (ended || connection == null) {
            return;
        }
        ended = true;
        notifyAll();
        try {
            if (lock != null && lock.isLocked()) {
                lock.release();
            }
        } catch (LockLostException e) {
            // declared lost by the watch, or gone after the last check that confirmed it: maybe while the command ran
            lost = true;
            lossAtRelease = e;
        } catch (DistributedLockException | IllegalStateException e) {
            // closing the connection below ends the session, and the server frees the lock with it
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // as above: a connection that cannot be closed cleanly is dropped, and its session with it
        }
    }

    private void abort() {
        synchronized (this) {
            if (ended || connection == null) {
                return;
            }
        }
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // the JVM is exiting: the socket closes with it, and the server ends the session
        }
    }

    private synchronized int lostStatus(LockWatch watch) {
        if (watch.loss().isEmpty() && lossAtRelease != null) {
            return fail(ExitStatus.LOST, "lost the lock on " + quoted(key) + " before the command ended ("
                    + lossAtRelease.getMessage() + ")");
        }
        String why = watch.loss().map(LockLostException::getMessage).orElse("the server no longer holds it");
        return fail(ExitStatus.LOST, "lost the lock on " + quoted(key) + " (" + why + "); the command was stopped");
    }

    private int cannotStart(IOException e) {
        String message = String.valueOf(e.getMessage());
        // the JDK words it "Cannot run program "x": error=2, No such file or directory"
        int status = message.contains("error=2,") ? ExitStatus.NOT_FOUND : ExitStatus.CANNOT_RUN;
        return fail(status, message);
    }

    private synchronized int signalledOr(int status, String message) {
        if (signalled) {
            return ExitStatus.SOFTWARE; // not seen: the JVM exits with the signal's status
        }
        return fail(status, message);
    }

    /** A database error's message with its driver's cause, which often says more (the SQLState, the server's words). */
    private String describe(Throwable e) {
        String message = e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && (message == null || !message.contains(cause.getMessage()))) {
            message = message + ": " + cause.getMessage();
        }
        return e instanceof DialectNotFoundException ? "cannot lock on this database: " + message : message;
    }

    private int fail(int status, String message) {
        err.println("dlock: " + secrets.scrub(message));
        err.flush();
        return status;
    }

    private static String quoted(String text) {
        return "'" + text + "'";
    }
}
