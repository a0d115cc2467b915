package dev.dlock.internal;

import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * The server sessions that the locks of one {@link PooledLocks} share: connections borrowed from the pool, each
 * carrying up to {@code locksPerSession} held locks. A request that does not wait takes a slot on a session with
 * room (a fresh connection when none has room); a request that waits gets a session of its own, since a blocked
 * statement would stall every lock sharing its connection, and once granted that session joins the shared ones.
 *
 * <p>The rule kept from one connection per lock: a session goes back to the pool only when its last slot is given
 * back, and a slot is given back only after a confirmed release or a request that ended holding nothing. A
 * session on which a lock may be held that cannot be confirmed is ended ({@link Connection#abort}), and every
 * lock on it is lost with it.
 */
final class SharedSessions {
    private static final Executor ABORT_EXECUTOR = AsyncLock.DEFAULT_EXECUTOR;
    private static final Executor BORROW_EXECUTOR = AsyncLock.DEFAULT_EXECUTOR;

    private final DataSource dataSource;
    private final int locksPerSession;
    /** The shared sessions: each holds at least one lock or a slot taken for one. Guarded by this. */
    private final List<Session> shared = new ArrayList<>();
    /** Requests waiting in {@link #claim} for a turn; written in this monitor, read outside by {@link #endTurn}. */
    private volatile int waiting;
    /** A connection borrowed ahead for the waiting requests, not yet taken. Guarded by this. */
    private Session ready;
    /** Whether a connection is being borrowed ahead. Guarded by this. */
    private boolean borrowingAhead;
    /** Whether borrowing ahead failed for the requests waiting now: not tried again until they are served. */
    private boolean borrowAheadFailed;

    /**
     * @param dataSource      the pool
     * @param locksPerSession the most locks one session carries; 1 gives every lock a connection of its own
     */
    SharedSessions(DataSource dataSource, int locksPerSession) {
        this.dataSource = dataSource;
        this.locksPerSession = locksPerSession;
    }

    /** One borrowed connection and the count of the locks it carries. */
    static final class Session {
        final Connection connection;
        /** The connection's state, told that dlock alone uses the connection while it is a session here. */
        private final ConnectionState state;
        /** Statements on a shared connection take turns, first come first served, instead of being refused. */
        final ReentrantLock turn = new ReentrantLock(true);
        /** Held locks and slots taken for requests under way; guarded by the {@link SharedSessions}. */
        private int slots;
        /** Set when the session was ended: a request that took a slot just before must go elsewhere. */
        private volatile boolean ended;

        private Session(Connection connection, int slots) {
            this.connection = connection;
            this.state = ConnectionState.of(connection);
            this.slots = slots;
            state.ownedByDlock(true);
        }
    }

    /**
     * A shared session with room for one more lock and its turn taken, for one request that does not wait. A
     * session whose turn is free is taken at once. When every session with room is busy, the request waits for
     * the first turn to come free, while one more connection is borrowed for it in the background: whichever
     * comes first serves it, so requests spread over as many connections as the pool lends instead of queueing
     * on one, and never wait on an exhausted pool while a shared session could serve them. A connection
     * borrowed ahead that nobody is left to take goes straight back to the pool.
     *
     * @param what the lock, for the message if the pool fails
     * @return the session, its slot and its turn taken: give the turn back with {@link #endTurn}
     */
    Session claim(String what) {
        Session claimed;
        synchronized (this) {
            claimed = freeTurn();
            if (claimed == null && hasRoom()) {
                claimed = awaitTurnOrConnection();
            }
        }
        if (claimed != null) {
            return claimed;
        }
        Session fresh = open(what); // outside the monitor: the pool may block
        fresh.turn.lock();
        synchronized (this) {
            shared.add(fresh);
        }
        return fresh;
    }

    /** @return a session with room whose turn was free and is now taken, its slot taken; {@code null} if none */
    private Session freeTurn() {
        for (Session session : shared) {
            // a release queued for its own session's turn goes first: tryLock() alone would barge ahead of it
            if (session.slots < locksPerSession && !session.turn.hasQueuedThreads() && session.turn.tryLock()) {
                session.slots++;
                return session;
            }
        }
        return null;
    }

    private boolean hasRoom() {
        for (Session session : shared) {
            if (session.slots < locksPerSession) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits, in this monitor, for a free turn or the connection borrowed ahead. Not interruptible, as a turn
     * never was: the wait is bounded by the statements ahead, each bounded by its deadline.
     *
     * @return the session, or {@code null} if no session with room is left (they were ended meanwhile)
     */
    private Session awaitTurnOrConnection() {
        boolean interrupted = false;
        waiting++;
        try {
            while (true) {
                if (ready != null) {
                    Session taken = ready;
                    ready = null;
                    taken.slots = 1;
                    taken.turn.lock();
                    shared.add(taken);
                    return taken;
                }
                Session free = freeTurn();
                if (free != null) {
                    return free;
                }
                if (!hasRoom()) {
                    return null; // the sessions with room were ended meanwhile: the caller borrows one, as for none
                }
                if (!borrowingAhead && !borrowAheadFailed) {
                    borrowingAhead = true;
                    BORROW_EXECUTOR.execute(this::borrowAhead);
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (--waiting == 0) {
                borrowAheadFailed = false;
                List<Session> unused = new ArrayList<>();
                if (ready != null) {
                    unused.add(ready);
                    ready = null;
                }
                for (Session session : shared) {
                    if (session.slots == 0) {
                        unused.add(session); // kept by leave() for the requests that waited
                    }
                }
                if (!unused.isEmpty()) {
                    shared.removeAll(unused);
                    BORROW_EXECUTOR.execute(() -> unused.forEach(SharedSessions::giveBack));
                }
            } else {
                notify(); // what this waiter was woken for may serve the next one too
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Borrows one more connection for the requests waiting for a turn; runs on {@link #BORROW_EXECUTOR}. */
    private void borrowAhead() {
        Session borrowed = null;
        try {
            borrowed = new Session(borrow("requests waiting for a shared connection"), 0);
        } catch (RuntimeException e) {
            // the pool is exhausted or failing: the waiting requests take the next free turn
        }
        synchronized (this) {
            borrowingAhead = false;
            if (borrowed == null) {
                borrowAheadFailed = waiting > 0; // not again until those requests are served
                return;
            }
            if (waiting > 0) {
                ready = borrowed;
                notify();
                return;
            }
        }
        giveBack(borrowed);
    }

    /** @param session a session that carries no lock and never did: back to the pool */
    private static void giveBack(Session session) {
        session.state.ownedByDlock(false);
        returnToPool(session.connection);
    }

    /**
     * Gives back the turn taken by {@link #claim} or by a release, and wakes one request waiting for a turn.
     *
     * @param session the session
     */
    void endTurn(Session session) {
        session.turn.unlock();
        if (waiting > 0) {
            synchronized (this) {
                notify();
            }
        }
    }

    /**
     * @param what the lock, for the message if the pool fails
     * @return a session of its own, with its one slot taken, not shared until {@link #share} says so
     */
    Session ownSession(String what) {
        return open(what);
    }

    /** @param session a session of its own whose request was granted: from now on others may share it */
    void share(Session session) {
        if (locksPerSession > 1) {
            synchronized (this) {
                shared.add(session);
            }
        }
    }

    /**
     * Gives back a slot after a confirmed release, or after a request that ended holding nothing. The session
     * returns to the pool with its last slot.
     *
     * @param session the session
     */
    void leave(Session session) {
        boolean last;
        synchronized (this) {
            last = --session.slots == 0;
            if (last && waiting > 0 && !session.ended && shared.contains(session)) {
                return; // kept for the requests waiting for a turn; given back when none is left waiting
            }
            if (last) {
                shared.remove(session);
            }
        }
        if (last) {
            giveBack(session);
        }
    }

    /**
     * Ends a session on which a lock may be held that cannot be confirmed: no new request is sent to it, and the
     * server ends it with every lock on it. Its slot is given back; the other locks on it learn the loss at their
     * next statement and give back theirs.
     *
     * @param session the session
     * @param reason  what is on its way out, to add a failed abort to; {@code null} if nothing is
     */
    void end(Session session, Throwable reason) {
        synchronized (this) {
            shared.remove(session);
        }
        session.ended = true;
        session.state.ownedByDlock(false);
        abort(session.connection, reason);
        leave(session);
    }

    /** @return whether the session was ended: no request may be sent on it */
    static boolean ended(Session session) {
        return session.ended;
    }

    /** @return whether the connection is closed, or cannot tell (then it is no use either) */
    static boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** @return how many sessions are shared now */
    synchronized int sharedSessions() {
        return shared.size();
    }

    private Session open(String what) {
        Connection connection = borrow(what);
        try {
            return new Session(connection, 1);
        } catch (RuntimeException e) {
            returnToPool(connection); // nothing was sent on it
            throw e;
        }
    }

    private Connection borrow(String what) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            String message = "cannot borrow a connection for " + what + ": " + e.getMessage();
            if (interruptedWhileBorrowing(e)) {
                Thread.currentThread().interrupt(); // kept for the caller, as a pool that saw it restores it
                throw new LockInterruptedException(message, e);
            }
            throw new DistributedLockException(message, e);
        }
    }

    /** @return whether the pool gave up because the thread was interrupted (HikariCP keeps the interrupt) */
    private static boolean interruptedWhileBorrowing(SQLException failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    static void returnToPool(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the pool will find out on its own; nothing is held on it
        }
    }

    /**
     * Ends the connection's session (and every lock of it on the server) instead of giving it back as it is.
     *
     * @param reason what is on its way out, to add a failed abort to; {@code null} if nothing is
     */
    static void abort(Connection connection, Throwable reason) {
        try {
            connection.abort(ABORT_EXECUTOR);
        } catch (SQLException | RuntimeException e) {
            if (reason != null) {
                reason.addSuppressed(e);
            }
        }
        returnToPool(connection);
    }
}
