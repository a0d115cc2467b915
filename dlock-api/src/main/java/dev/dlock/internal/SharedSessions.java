package dev.dlock.internal;

import dev.dlock.DistributedLockException;
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

    private final DataSource dataSource;
    private final int locksPerSession;
    /** The shared sessions: each holds at least one lock or a slot taken for one. Guarded by this. */
    private final List<Session> shared = new ArrayList<>();

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
        private int slots = 1;
        /** Set when the session was ended: a request that took a slot just before must go elsewhere. */
        private volatile boolean ended;

        private Session(Connection connection) {
            this.connection = connection;
            this.state = ConnectionState.of(connection);
            state.ownedByDlock(true);
        }
    }

    /**
     * @param what the lock, for the message if the pool fails
     * @return a shared session with a slot taken for one request that does not wait
     */
    Session slot(String what) {
        synchronized (this) {
            for (Session session : shared) {
                if (session.slots < locksPerSession) {
                    session.slots++;
                    return session;
                }
            }
        }
        Session fresh = open(what); // outside the monitor: the pool may block
        synchronized (this) {
            shared.add(fresh);
        }
        return fresh;
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
            if (last) {
                shared.remove(session);
            }
        }
        if (last) {
            session.state.ownedByDlock(false);
            returnToPool(session.connection);
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
            return new Session(connection);
        } catch (RuntimeException e) {
            returnToPool(connection); // nothing was sent on it
            throw e;
        }
    }

    private Connection borrow(String what) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DistributedLockException("cannot borrow a connection for " + what + ": " + e.getMessage(), e);
        }
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
