package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A lock on one caller's connection: every check, the per-connection rule, the loop of bounded database
 * requests and what each answer means, interrupts and messages, around a dialect's {@link DialectLock}. Calls
 * on one object take turns ({@link #oneCallAtATime}), so the loss watch never asks the server in the middle of
 * a release. A loss is declared once ({@link #declareLost}), by a watch or a bounded question, without
 * waiting for a call under way (which may be stuck on a silent connection): the next release reports it.
 */
final class JdbcDistributedLock extends AbstractDistributedLock {
    /** How long {@link #isHeldOnServer()} waits for an answer on a connection without a network timeout. */
    static final Duration DEFAULT_QUESTION_BOUND = Duration.ofSeconds(10);

    private final Connection connection;
    private final ConnectionState state;
    private final String dialect;
    private final LockKey key;
    private final LockOptions options;
    private final DialectLock dialectLock;
    private final ReentrantLock oneCallAtATime = new ReentrantLock();
    private volatile boolean held;
    /** How many times this object was granted the lock: a watch watches one of these holds. */
    private volatile int holds;
    /** The server session the lock was granted on, where the dialect reads it; {@code null} otherwise. */
    private Object grantedSession;
    /** The loss declared while held, until a release or close reports it; {@code null} otherwise. */
    private volatile LockLostException loss;
    /** What puts back the session settings of this lock's lease; {@code null} without a lease. */
    private LockProvider.Restore leaseRestore;
    private Duration lease;

    JdbcDistributedLock(Connection connection, ConnectionState state, String dialect, LockKey key,
                        LockOptions options, DialectLock dialectLock) {
        this.connection = connection;
        this.state = state;
        this.dialect = dialect;
        this.key = key;
        this.options = options;
        this.dialectLock = dialectLock;
    }

    @Override
    boolean attempt(PendingRequest request) {
        oneCallAtATime.lock();
        try {
            if (!state.claim()) {
                throw new IllegalStateException(describe() + ": another thread's lock request is under way on this"
                        + " connection; a connection runs one statement at a time, so each waiter needs its own");
            }
            try {
                return attemptClaimed(request);
            } finally {
                state.unclaim();
            }
        } finally {
            oneCallAtATime.unlock();
        }
    }

    private boolean attemptClaimed(PendingRequest request) {
        if (loss != null) {
            markReleased(); // its loss was told to whoever asked; a new request starts afresh
        }
        if (held) {
            throw new IllegalStateException(describe() + " is already held by this lock object");
        }
        checkOpen(connection);
        if (options.scope() == LockScope.TRANSACTION && autoCommit()) {
            throw new IllegalStateException(describe() + " is transaction-scoped, but the connection is in"
                    + " auto-commit mode: it would be released the moment it was taken");
        }
        if (request.waits() && request.abandoned()) {
            throw interrupted(request, null);
        }
        state.checkServer(connection);
        if (request.waits()) {
            // a read that outlasts the driver's network timeout breaks the connection: each request stays below it
            request.limitEachRequestTo(networkTimeoutNanos(connection) / 4 * 3);
        }
        Object identity = dialectLock.identity();
        // locks that end only with their transaction cannot cascade through a release, so they are not counted
        boolean counted = dialectLock.releasable();
        if (counted && !state.reserve(identity)) {
            throw new LockAlreadyHeldException(describe() + " is already held on this connection by another lock"
                    + " object; the database would grant it twice and one release would not free it");
        }
        boolean acquired = false;
        try {
            // one bounded database request after another while time is left: a request without a deadline
            // never leaves this loop without the lock
            do {
                acquired = requestOnce(request);
            } while (!acquired && request.hasTimeLeft());
        } finally {
            if (!acquired && counted) {
                state.free(identity);
            }
        }
        grantedSession = acquired ? dialectLock.session() : null;
        held = acquired;
        if (acquired) {
            holds++; // written with the turn taken only
        }
        return acquired;
    }

    /** @return the driver's network timeout ({@code socketTimeout}) in nanoseconds, or 0 for none or unknown */
    private static long networkTimeoutNanos(Connection connection) {
        try {
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, connection.getNetworkTimeout()));
        } catch (SQLException | RuntimeException | AbstractMethodError notSupported) {
            return 0; // a pool or driver that cannot tell: no limit of dlock's own
        }
    }

    /**
     * One bounded request to the database, and what its answer means. After a failure, or a cancel of dlock's,
     * the lock may have been granted as the wait ended: the server is asked, so that a grant is either kept or
     * given back, never left behind unseen.
     *
     * @return whether the lock was granted
     */
    private boolean requestOnce(PendingRequest request) {
        request.beginRequest();
        boolean granted = false;
        SQLException failure = null;
        try {
            granted = dialectLock.request(connection, request);
        } catch (SQLException e) {
            failure = e;
        }
        SQLException uncheckable = null;
        if (!granted && request.waits() && (failure != null || request.cancelledByDlock()) && !isClosed(connection)) {
            try {
                granted = dialectLock.isHeld(connection);
            } catch (SQLException e) {
                uncheckable = e;
            }
        }
        if (request.waits() && request.abandoned()) {
            LockInterruptedException interrupted = interrupted(request, failure);
            if (uncheckable != null) {
                interrupted.addSuppressed(uncheckable);
            }
            if (granted) {
                unlockAbandonedGrant(interrupted);
            }
            throw interrupted;
        }
        if (uncheckable != null) {
            if (failure == null) {
                throw failed(request, uncheckable, "; whether the lock was granted as dlock's cancel landed cannot be"
                        + " told");
            }
            failure.addSuppressed(uncheckable);
            throw failed(request, failure, "; whether the lock was granted as the wait failed cannot be told");
        }
        if (granted) {
            return true;
        }
        if (failure != null && !request.cancelledByDlock()) {
            throw failed(request, failure, "");
        }
        if (!request.cancelledByDlock() && request.answeredEarly()) {
            throw new DistributedLockException(describe() + ": the database answered \"not granted\" after "
                    + millis(request.requestElapsed()) + " of a wait it was given " + millis(request.requestBound())
                    + " for; dlock does not ask again in a loop");
        }
        return false; // the database's timeout, or dlock's cut at the deadline
    }

    private DistributedLockException failed(PendingRequest request, SQLException cause, String more) {
        return new DistributedLockException(describe() + " could not be acquired after "
                + millis(Duration.ofNanos(request.elapsedNanos())) + ": " + cause.getMessage() + more, cause);
    }

    /** The interrupt (or the caller's cancel) landed as the lock was granted: give it back, as j.u.c does. */
    private void unlockAbandonedGrant(LockInterruptedException interrupted) {
        // a driver on interruptible NIO channels would close the connection under a set interrupt flag
        boolean flag = Thread.interrupted();
        try {
            if (!dialectLock.unlock(connection)) {
                interrupted.addSuppressed(new LockLostException(Reason.NOT_HELD, describe()
                        + " was gone when given back"));
            }
        } catch (SQLException | RuntimeException e) {
            interrupted.addSuppressed(e);
        } finally {
            if (flag) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void release() {
        if (!takeTurn()) {
            throw lossReported(false);
        }
        try {
            releaseLocked();
        } finally {
            oneCallAtATime.unlock();
        }
    }

    /**
     * Takes this object's turn ({@link #oneCallAtATime}) for a release, unless the lock has been declared lost
     * while another call holds the turn: that call may be stuck on the lost connection until the operating system
     * gives up on it, and the loss is reported without it.
     *
     * @return whether the turn was taken
     */
    private boolean takeTurn() {
        if (oneCallAtATime.tryLock()) {
            return true;
        }
        boolean interrupted = false;
        try {
            // the call holding the turn is bounded by its deadline, past which the loss is declared
            while (loss == null) {
                try {
                    if (oneCallAtATime.tryLock(5, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return oneCallAtATime.tryLock();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Reports the declared loss at a release, once, and marks the lock released.
     *
     * @param restoreSettings whether to put back a lease's session settings (only with the turn taken)
     */
    private LockLostException lossReported(boolean restoreSettings) {
        LockLostException declared = loss;
        if (declared == null) {
            throw new LockNotHeldException(describe() + " is not held by this lock object");
        }
        LockProvider.Restore restore = leaseRestore;
        markReleased();
        LockLostException reported = new LockLostException(declared.reason(), describe() + " was declared lost"
                + " before this release: " + declared.getMessage(), declared);
        SQLException notRestored = restoreSettings && !isClosed(connection) ? restore(restore) : null;
        if (notRestored != null) {
            reported.addSuppressed(notRestored);
        }
        return reported;
    }

    private void releaseLocked() {
        if (loss != null) {
            throw lossReported(true);
        }
        if (!held) {
            throw new LockNotHeldException(describe() + " is not held by this lock object");
        }
        if (!dialectLock.releasable()) {
            throw new IllegalStateException(describe() + " is transaction-scoped: " + dialect
                    + " releases it only at commit or rollback");
        }
        Object granted = grantedSession;
        LockProvider.Restore restore = leaseRestore;
        boolean released;
        try {
            released = dialectLock.unlock(connection);
        } catch (SQLException e) {
            if (isClosed(connection)) {
                markReleased();
                throw new LockLostException(Reason.SESSION_ENDED, describe() + " was lost with its connection: "
                        + e.getMessage(), e);
            }
            throw new DistributedLockException(describe() + " could not be released and stays marked held: "
                    + e.getMessage(), e);
        }
        markReleased();
        SQLException notRestored = restore(restore);
        LockLostException lost = sessionChanged(granted);
        if (lost == null && !released) {
            lost = new LockLostException(Reason.NOT_HELD, describe() + " was not held on the server when released:"
                    + " the session lost it (killed, reset, or released behind dlock's back)");
        }
        if (lost != null) {
            if (notRestored != null) {
                lost.addSuppressed(notRestored);
            }
            throw lost;
        }
        if (notRestored != null) {
            throw new DistributedLockException(describe() + " was released, but the session settings its lease"
                    + " changed could not be put back: " + notRestored.getMessage(), notRestored);
        }
    }

    /** @return what went wrong putting back a lease's session settings, or {@code null} */
    private SQLException restore(LockProvider.Restore restore) {
        if (restore == null) {
            return null;
        }
        try {
            restore.restore(connection);
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    /**
     * After a statement on the lock's connection: did it reach the server session the lock was granted on? A
     * transaction-pooling proxy hands sessions around between transactions, and the lock stays behind.
     *
     * @param granted the session the lock was granted on, or {@code null} if unknown
     * @return the loss to report if the session changed, or {@code null}
     */
    private LockLostException sessionChanged(Object granted) {
        Object now = dialectLock.session();
        if (granted == null || now == null || granted.equals(now)) {
            return null;
        }
        return new LockLostException(Reason.SESSION_MOVED, describe() + " was taken on server session " + granted + ", but its connection"
                + " now reaches session " + now + ": the connection goes through a transaction-pooling proxy"
                + " (PgBouncer or Supavisor in transaction mode, ProxySQL multiplexing, and the like), which hands"
                + " server sessions to other clients between transactions, while a session lock stays on the"
                + " session that took it. The lock is stranded on session " + granted + " until that session ends"
                + " (dlock sent no release there). Take session locks on a direct or session-pooled connection,"
                + " or lock inside a transaction with DataSourceLocks.inTransaction(...)");
    }

    @Override
    public void close() {
        if (!takeTurn()) {
            throw lossReported(false);
        }
        try {
            if (!held) {
                return;
            }
            if (loss == null && (!dialectLock.releasable() || isClosed(connection))) {
                // the server ends it with the transaction, or already ended it with the session
                markReleased();
                return;
            }
            releaseLocked();
        } finally {
            oneCallAtATime.unlock();
        }
    }

    /**
     * Marks a lock released that its transaction's commit or rollback ended on the server, without a statement
     * (for {@link PooledLocks#inTransaction}).
     */
    void endedWithTransaction() {
        oneCallAtATime.lock();
        try {
            if (held) {
                markReleased();
            }
        } finally {
            oneCallAtATime.unlock();
        }
    }

    @Override
    public boolean isHeldOnServer() {
        long networkTimeout = networkTimeoutNanos(connection);
        return isHeldOnServer(networkTimeout > 0 ? Duration.ofNanos(networkTimeout) : DEFAULT_QUESTION_BOUND);
    }

    @Override
    public boolean isHeldOnServer(Duration bound) {
        long deadline = System.nanoTime() + PendingRequest.positiveNanos(bound, "bound");
        // asked on the connection's lane, not on the caller's thread: a driver may leave the thread of a read on
        // a silent link blocked even after the connection is aborted (the MariaDB driver does), and the caller
        // must get its answer by the deadline all the same
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        checkLane().execute(() -> {
            if (answer.isDone() || !lockUntil(deadline)) {
                return;
            }
            try {
                answer.complete(askServer());
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            } finally {
                oneCallAtATime.unlock();
            }
        });
        if (!awaitUntil(answer, deadline) && answer.completeExceptionally(new CancellationException())) {
            unanswered(bound, true);
            LockLostException declared = loss;
            if (declared != null) {
                throw new LockLostException(declared.reason(), declared.getMessage(), declared);
            }
            throw new DistributedLockException(describe() + ": the server did not answer within " + millis(bound)
                    + " whether the lock is held; the connection was aborted");
        }
        try {
            return answer.join();
        } catch (CompletionException e) {
            throw (RuntimeException) e.getCause();
        }
    }

    /** Waits for {@code answer} until {@code deadline}; an interrupt is kept, not obeyed. */
    private static boolean awaitUntil(CompletableFuture<?> answer, long deadline) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    answer.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    return true;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return true;
                } catch (TimeoutException e) {
                    return false;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A watch's check: asks the server whether the lock is still held, and declares the lock lost when the
     * answer is no, or an error. Waits for a call under way on this object until {@code deadline} at most; past
     * it, the watch's deadline declares the loss. On a connection only dlock uses, a check of another lock that
     * began after this one was due answers it too ({@link ConnectionState#confirmedSince}): many watches of one
     * shared session cost one statement per cadence, not one each.
     *
     * @param due      {@link System#nanoTime()} at which the check was due
     * @param deadline {@link System#nanoTime()} by which the check is due
     */
    void check(long due, long deadline) {
        if (!lockUntil(deadline)) {
            return;
        }
        try {
            if (!held || loss != null) {
                return;
            }
            if (state.confirmedSince(due, grantedSession)) {
                return;
            }
            long asked = System.nanoTime();
            boolean answer;
            try {
                answer = askServer();
                if (answer) {
                    state.confirmed(asked, grantedSession);
                }
            } catch (LockLostException declared) {
                return;
            } catch (DistributedLockException e) {
                declareLost(new LockLostException(Reason.UNCONFIRMED, describe() + " could not be confirmed: "
                        + e.getMessage() + "; declared lost, and its connection aborted", e), true);
                return;
            }
            if (!answer) {
                declareLost(isClosed(connection)
                        ? new LockLostException(Reason.SESSION_ENDED, describe() + " was lost with its session: the"
                                + " connection is closed or broken")
                        : new LockLostException(Reason.NOT_HELD, describe() + " is no longer held on the server: the"
                                + " session lost it (killed, reset, or released behind dlock's back)"), false);
            }
        } finally {
            oneCallAtATime.unlock();
        }
    }

    /**
     * No answer within a bound: a held lock is declared lost; its connection, which a statement may be stuck on,
     * is aborted, so that the session cannot go on holding the lock once the network is back.
     *
     * @param abortAnyway whether to abort the connection even if the lock is no longer held
     */
    void unanswered(Duration bound, boolean abortAnyway) {
        LockLostException cause = new LockLostException(Reason.UNCONFIRMED, describe() + " was not confirmed by the"
                + " server within " + millis(bound) + ": declared lost, and its connection aborted so that the"
                + " session cannot go on holding it");
        if (!declareLost(cause, true) && abortAnyway) {
            abort(cause);
        }
    }

    /**
     * Declares the lock lost, once; a lock no longer held, or already declared lost, stays as it is.
     *
     * @param abort whether to abort the connection
     * @return whether this call declared it
     */
    boolean declareLost(LockLostException cause, boolean abort) {
        synchronized (this) {
            if (!held || loss != null) {
                return false;
            }
            loss = cause;
        }
        if (abort) {
            abort(cause);
        }
        return true;
    }

    /** @return which of this object's holds of the lock is the latest (a count of grants) */
    int hold() {
        return holds;
    }

    /** @return the loss declared while this object holds the lock, or {@code null} */
    LockLostException loss() {
        return loss;
    }

    /**
     * Aborts the connection on a pool thread, never on the caller's: some drivers do part of the work in
     * {@code abort} itself (the MariaDB driver opens a second connection to send {@code KILL}, then waits for a
     * read under way), which on a silent link takes as long as the link stays silent.
     */
    private void abort(Throwable reason) {
        CheckThreads.POOL.execute(() -> {
            try {
                connection.abort(CheckThreads.POOL);
            } catch (SQLException | RuntimeException e) {
                reason.addSuppressed(e);
            }
        });
    }

    /** Takes {@link #oneCallAtATime} if it comes free before {@code deadline}; an interrupt is kept, not obeyed. */
    private boolean lockUntil(long deadline) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return oneCallAtATime.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
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

    private boolean askServer() {
        if (isClosed(connection)) {
            return false;
        }
        boolean answer;
        try {
            answer = dialectLock.isHeld(connection);
        } catch (SQLException e) {
            if (isClosed(connection)) {
                return false;
            }
            throw new DistributedLockException(describe() + ": cannot ask the server whether it is held: "
                    + e.getMessage(), e);
        }
        if (held) {
            LockLostException stranded = sessionChanged(grantedSession);
            if (stranded != null) {
                declareLost(stranded, false); // stranded on the other session: aborting this one frees nothing
                throw stranded;
            }
        }
        return answer;
    }

    @Override
    public LockWatch watch(WatchOptions options, Consumer<? super DistributedLock> onLost) {
        return watch(options, onLost, this);
    }

    /** @param shown the lock the listener and {@link LockWatch#lost()} are given (a pooled lock shows itself) */
    LockWatch watch(WatchOptions options, Consumer<? super DistributedLock> onLost, DistributedLock shown) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(onLost, "onLost");
        if (!isLocked()) {
            throw new IllegalStateException(describe() + " is not held: there is nothing to watch");
        }
        options.lease().ifPresent(this::keepLease);
        return LossWatch.start(this, options, onLost, shown);
    }

    private void keepLease(Duration wanted) {
        oneCallAtATime.lock();
        try {
            if (!isLocked()) {
                throw new IllegalStateException(describe() + " is not held: there is nothing to keep a lease for");
            }
            if (lease != null) {
                if (!lease.equals(wanted)) {
                    throw new IllegalStateException(describe() + " keeps a lease of " + lease + " already; a second"
                            + " watch cannot change it to " + wanted);
                }
                return;
            }
            Object other = state.takeLease(this);
            if (other != null) {
                throw new IllegalStateException(describe() + ": the connection already keeps a lease for " + other
                        + "; a connection keeps one lease");
            }
            try {
                leaseRestore = state.provider().lease(connection, wanted);
                lease = wanted;
            } catch (SQLException e) {
                state.endLease(this);
                throw new DistributedLockException(describe() + ": cannot set the session for a lease of " + wanted
                        + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                state.endLease(this);
                throw e;
            }
        } finally {
            oneCallAtATime.unlock();
        }
    }

    /** @return where this lock's watch checks run: its connection's lane */
    SerialLane checkLane() {
        return state.checks();
    }

    private void markReleased() {
        synchronized (this) {
            held = false;
            loss = null;
        }
        grantedSession = null;
        if (lease != null) {
            lease = null;
            leaseRestore = null;
            state.endLease(this);
        }
        if (dialectLock.releasable()) {
            state.free(dialectLock.identity());
        }
    }

    @Override
    public boolean isLocked() {
        return held && loss == null;
    }

    @Override
    public LockKey key() {
        return key;
    }

    @Override
    public Object databaseKey() {
        return dialectLock.databaseKey();
    }

    @Override
    public LockOptions options() {
        return options;
    }

    @Override
    public String dialect() {
        return dialect;
    }

    @Override
    String describe() {
        return dialect + " lock " + key + " (database key " + dialectLock.databaseKey() + ", " + options + ")";
    }

    private LockInterruptedException interrupted(PendingRequest request, SQLException cause) {
        if (!request.callerCancelled()) {
            Thread.currentThread().interrupt();
        }
        String message = describe() + " was not acquired: the wait was "
                + (request.callerCancelled() ? "cancelled" : "interrupted") + " after "
                + millis(Duration.ofNanos(request.elapsedNanos()));
        return cause == null ? new LockInterruptedException(message) : new LockInterruptedException(message, cause);
    }

    private boolean autoCommit() {
        try {
            return connection.getAutoCommit();
        } catch (SQLException e) {
            throw new DistributedLockException(describe() + ": cannot read the connection's auto-commit mode: "
                    + e.getMessage(), e);
        }
    }

    static void checkOpen(Connection connection) {
        if (isClosed(connection)) {
            throw new IllegalStateException("the connection is closed");
        }
    }

    private static boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
