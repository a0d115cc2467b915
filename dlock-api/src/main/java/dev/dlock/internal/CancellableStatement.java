package dev.dlock.internal;

import dev.dlock.spi.LockRequest.SqlCall;
import java.io.IOException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * dlock's one cancel mechanism: a statement a lock request blocks in, and everything that may stop it on the
 * server with {@link Statement#cancel()}. JDBC drivers block in socket reads that ignore interrupts, so three
 * things outside the waiting thread cancel the statement:
 * <ul>
 *   <li><b>an interrupt</b> of the waiting thread. While the statement runs, this object is registered with the
 *       JDK as what the thread is blocked on, the way an interruptible NIO channel is
 *       ({@link AbstractInterruptibleChannel#begin()}): {@link Thread#interrupt()} then calls
 *       {@link #implCloseChannel()} on the interrupting thread, at once, and nothing polls. A driver that does
 *       interruptible NIO itself takes that registration over for its own reads, so a timer also looks at
 *       the waiting threads every {@link #SAFETY_POLL_NANOS}, while any statement runs;</li>
 *   <li><b>the caller's cancel</b> ({@link PendingRequest#cancel()}, from {@code CompletableFuture.cancel});</li>
 *   <li><b>the deadline</b>, for a database whose own timeout is coarser than the caller's.</li>
 * </ul>
 * A cancel that reaches the driver before the statement is on the server is lost, so once one is sent it is
 * sent again every {@link #RECANCEL_NANOS} until the statement returns. Cancels run on a pool of their own
 * threads (a MySQL-family driver opens a connection for its {@code KILL QUERY}), never on the timer's.
 *
 * <p>The guarantee that makes cancels safe: {@link #run} returns only when no cancel of the statement is on
 * its way any more. Some drivers' cancel is aimed at the session, not the statement (MySQL's
 * {@code KILL QUERY <id>}), so a cancel still in flight when the statement returns would land on the
 * connection's next statement: the release that gives back a lock granted as the interrupt came, or the
 * caller's own. So when the statement returns the gate shuts (no new cancel starts) and the waiting thread
 * waits for a cancel already started; drivers return from {@code cancel()} once the server has acted on it.
 */
final class CancellableStatement extends AbstractInterruptibleChannel {
    /** How often a statement is cancelled again after the first cancel, until it returns. */
    static final long RECANCEL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** How often the waiting threads are looked at, for drivers that take over the interrupt registration. */
    static final long SAFETY_POLL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A cancel that cannot reach its server for this long is left behind; the waiting thread is not held hostage. */
    private static final long LONGEST_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Set<CancellableStatement> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean POLLING = new AtomicBoolean();
    /** Interrupts the safety poll found before the JDK's registration told this class (for tests). */
    static final AtomicLong POLL_CATCHES = new AtomicLong();

    private final PendingRequest request;
    private final Statement statement;
    private final Thread waiter;
    private final long deadlineAfterNanos;

    // guarded by this
    private boolean gateOpen = true;
    private boolean cancelQueued;
    private int cancelsSending;
    private ScheduledFuture<?> deadlineCut;
    private ScheduledFuture<?> recancel;

    /**
     * Made on the thread that is about to run the statement.
     *
     * @param request            the request the statement belongs to
     * @param statement          the statement about to block
     * @param deadlineAfterNanos when to cancel it at the latest, from now; negative for never
     */
    CancellableStatement(PendingRequest request, Statement statement, long deadlineAfterNanos) {
        this.request = request;
        this.statement = statement;
        this.waiter = Thread.currentThread();
        this.deadlineAfterNanos = deadlineAfterNanos;
    }

    /**
     * Runs {@code execution} on the waiting thread with every cancel armed, and disarms them after.
     *
     * @param execution what executes the statement
     * @param <T>       what it answers
     * @return its answer
     * @throws SQLException as it threw
     */
    <T> T run(SqlCall<T> execution) throws SQLException {
        RUNNING.add(this);
        pollWhileRunning();
        if (deadlineAfterNanos >= 0) {
            synchronized (this) {
                deadlineCut = Timer.INSTANCE.schedule(this::cancel, deadlineAfterNanos, TimeUnit.NANOSECONDS);
            }
        }
        boolean completed = false;
        begin(); // from here on, Thread.interrupt() of this thread calls implCloseChannel(); at once if already set
        try {
            T answer = execution.call();
            completed = true;
            return answer;
        } finally {
            try {
                end(completed);
            } catch (IOException interruptedWhileRunning) {
                // the API reports the interrupt; the statement's own answer or failure is what counts here
            }
            shutGate();
            RUNNING.remove(this);
        }
    }

    /** Called by the JDK, on the interrupting thread, when the waiting thread is interrupted while it runs. */
    @Override
    protected void implCloseChannel() {
        request.noteInterrupt();
        cancel();
    }

    /** What the JDK does on an interrupt, done by the safety poll: once, as {@link #close()} does it once. */
    private void closeAsInterrupted() {
        try {
            close();
        } catch (IOException impossible) {
            // implCloseChannel() throws nothing
        }
    }

    /** Cancels the statement on the cancel pool, unless it has returned or a cancel is already queued. */
    void cancel() {
        synchronized (this) {
            if (!gateOpen || cancelQueued) {
                return;
            }
            cancelQueued = true;
        }
        Cancellers.INSTANCE.execute(this::sendCancel);
    }

    private void sendCancel() {
        synchronized (this) {
            cancelQueued = false;
            if (!gateOpen) {
                return;
            }
            cancelsSending++;
        }
        try {
            request.noteCancelSent();
            statement.cancel();
        } catch (SQLException | RuntimeException ignored) {
            // the statement finished or the connection broke: either way the wait is over
        } finally {
            synchronized (this) {
                cancelsSending--;
                if (gateOpen) {
                    // the cancel may have reached the driver before the statement reached the server
                    recancel = Timer.INSTANCE.schedule(this::cancel, RECANCEL_NANOS, TimeUnit.NANOSECONDS);
                }
                notifyAll();
            }
        }
    }

    /** Lets no new cancel start, and waits for one already started; keeps the thread's interrupt flag. */
    private synchronized void shutGate() {
        gateOpen = false;
        for (ScheduledFuture<?> scheduled : new ScheduledFuture<?>[] {deadlineCut, recancel}) {
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + LONGEST_DRAIN_NANOS;
        long left;
        while (cancelsSending > 0 && (left = deadline - System.nanoTime()) > 0) {
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

    /** Keeps one safety poll scheduled while any statement runs. */
    private static void pollWhileRunning() {
        if (POLLING.compareAndSet(false, true)) {
            Timer.INSTANCE.schedule(CancellableStatement::poll, SAFETY_POLL_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private static void poll() {
        for (CancellableStatement running : RUNNING) {
            // still open: the JDK did not call implCloseChannel(), so a driver took the registration over
            if (running.isOpen() && running.waiter.isInterrupted()) {
                POLL_CATCHES.incrementAndGet();
                running.closeAsInterrupted();
            }
        }
        if (RUNNING.isEmpty()) {
            POLLING.set(false);
            // a statement that started after the look above, and saw POLLING still set, needs the poll
            if (RUNNING.isEmpty() || !POLLING.compareAndSet(false, true)) {
                return;
            }
        }
        Timer.INSTANCE.schedule(CancellableStatement::poll, SAFETY_POLL_NANOS, TimeUnit.NANOSECONDS);
    }

    /** @return whether the safety poll is scheduled (for tests) */
    static boolean polling() {
        return POLLING.get();
    }

    /** One daemon thread for every deadline, re-cancel and poll of the JVM; it never runs a cancel itself. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor INSTANCE = start();

        private static ScheduledThreadPoolExecutor start() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, new Daemons("dlock-cancel-timer-"));
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }

    /** The threads that send cancels: as many as are under way at once, none when idle. */
    private static final class Cancellers {
        static final ExecutorService INSTANCE = Executors.newCachedThreadPool(new Daemons("dlock-cancel-"));
    }
}
