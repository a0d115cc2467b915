package dev.dlock.internal;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLockException;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What dlock remembers about one physical connection: its dialect, and the database keys that lock objects
 * hold on it (the one-lock-object-per-key rule). Keyed by the physical connection, seen through pool proxies
 * with {@code unwrap(Connection.class)}, so it holds across borrows of one pooled connection; weakly, so a
 * closed and forgotten connection takes its entry with it.
 */
final class ConnectionState {
    private static final Map<Connection, ConnectionState> STATES = new WeakHashMap<>();

    private final LockProvider provider;
    private final Set<Object> heldKeys = new HashSet<>();
    private boolean serverChecked;
    private String refusal;
    private final AtomicReference<Thread> waiter = new AtomicReference<>();
    private final SerialLane checks = new SerialLane(CheckThreads.POOL);
    private Object leaseHolder;
    /** Whether dlock alone sends statements on this connection (a {@link SharedSessions} session). */
    private volatile boolean ownedByDlock;
    /** When the latest confirming check began ({@link System#nanoTime()}), and the server session it saw. */
    private long confirmedAt;
    private boolean confirmed;
    private Object confirmedSession;

    private ConnectionState(LockProvider provider) {
        this.provider = provider;
    }

    static ConnectionState of(Connection connection) {
        Connection physical = physical(connection);
        ConnectionState state;
        synchronized (STATES) {
            state = STATES.get(physical);
        }
        if (state == null) {
            // outside the monitor: reading the metadata may be a round trip on some drivers
            ConnectionState fresh = new ConnectionState(Providers.choose(connection));
            synchronized (STATES) {
                state = STATES.computeIfAbsent(physical, c -> fresh);
            }
        }
        return state;
    }

    private static Connection physical(Connection connection) {
        try {
            Connection unwrapped = connection.unwrap(Connection.class);
            return unwrapped == null ? connection : unwrapped;
        } catch (SQLException | RuntimeException notAWrapper) {
            return connection;
        }
    }

    LockProvider provider() {
        return provider;
    }

    /**
     * Asks the dialect, once per physical connection, whether its server can give locks that exclude other
     * sessions ({@link LockProvider#refuses}), and throws the answer again on every later request if not. A
     * question that fails is asked again next time.
     *
     * @param connection the connection, as the caller handed it over
     * @throws DialectNotFoundException if the server cannot lock for others
     * @throws DistributedLockException if the question failed
     */
    synchronized void checkServer(Connection connection) {
        if (!serverChecked) {
            try {
                refusal = provider.refuses(connection);
            } catch (SQLException e) {
                throw new DistributedLockException(provider.dialect() + ": cannot ask the server whether it can"
                        + " lock for other sessions: " + e.getMessage(), e);
            }
            serverChecked = true;
        }
        if (refusal != null) {
            throw new DialectNotFoundException(refusal);
        }
    }

    /** @return {@code false} if another lock object already holds {@code databaseKey} on this connection */
    synchronized boolean reserve(Object databaseKey) {
        return heldKeys.add(databaseKey);
    }

    synchronized void free(Object databaseKey) {
        heldKeys.remove(databaseKey);
    }

    /**
     * Claims the connection for one lock request of the current thread. A JDBC connection runs one statement
     * at a time, so a second thread's request would queue silently behind a waiting one: it is refused instead.
     *
     * @return {@code false} if another thread's request is under way on this connection
     */
    boolean claim() {
        Thread current = Thread.currentThread();
        return waiter.compareAndSet(null, current);
    }

    void unclaim() {
        waiter.set(null);
    }

    /** @return where the watches' checks of locks on this connection run, one at a time */
    SerialLane checks() {
        return checks;
    }

    /**
     * Takes the connection's one lease for a lock object: a second lease would overwrite the first one's
     * settings, and the first release would put back settings the other still needs.
     *
     * @return the lock object that already keeps a lease here, or {@code null} if {@code holder} now does
     */
    synchronized Object takeLease(Object holder) {
        if (leaseHolder != null && leaseHolder != holder) {
            return leaseHolder;
        }
        leaseHolder = holder;
        return null;
    }

    synchronized void endLease(Object holder) {
        if (leaseHolder == holder) {
            leaseHolder = null;
        }
    }

    /**
     * @param owned whether dlock alone now sends statements on this connection: set while a pooled connection is
     *              one of the {@link SharedSessions}, cleared when it goes back to the pool
     */
    synchronized void ownedByDlock(boolean owned) {
        ownedByDlock = owned;
        confirmed = false;
        confirmedSession = null;
    }

    /**
     * Notes a watch's check that found its lock held. On a connection dlock alone uses, no statement but dlock's
     * releases a lock, so a session that answered is a session that holds every lock dlock marks held on it.
     *
     * @param startedAt when the check's question was sent ({@link System#nanoTime()})
     * @param session   the server session it was answered on (the dialect's reading), or {@code null}
     */
    synchronized void confirmed(long startedAt, Object session) {
        if (!confirmed || startedAt - confirmedAt > 0) {
            confirmed = true;
            confirmedAt = startedAt;
            confirmedSession = session;
        }
    }

    /**
     * @param since   when the asking check was due ({@link System#nanoTime()})
     * @param session the server session its lock was granted on, or {@code null}
     * @return whether a check that began at or after {@code since}, on that same server session, found the session
     *         holding, on a connection only dlock uses: the asking check's answer, without a statement of its own
     */
    synchronized boolean confirmedSince(long since, Object session) {
        return ownedByDlock && confirmed && confirmedAt - since >= 0 && Objects.equals(session, confirmedSession);
    }
}
