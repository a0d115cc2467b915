package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lock over a pool ({@link PooledLocks}): it holds on one of the {@link SharedSessions}. A request that does not
 * wait takes a slot and the turn on a shared session whose turn is free (or on a connection borrowed for it when
 * none is); a request that waits gets a session of its own, which joins the shared ones once granted. The rule it keeps: a session goes back to the pool only when
 * no lock may be held on it; a lock that cannot be confirmed released ends its session, and every lock on it.
 */
final class PooledLock extends AbstractDistributedLock {
    private static final Executor ABORT_EXECUTOR = AsyncLock.DEFAULT_EXECUTOR;

    private final SharedSessions sessions;
    private final LockKey key;
    private final Object databaseKey;
    private final String dialect;
    private final LockOptions options;
    private volatile JdbcDistributedLock current;
    private volatile SharedSessions.Session session;

    PooledLock(SharedSessions sessions, LockKey key, Object databaseKey, String dialect, LockOptions options) {
        this.sessions = sessions;
        this.key = key;
        this.databaseKey = databaseKey;
        this.dialect = dialect;
        this.options = options;
    }

    @Override
    boolean attempt(PendingRequest request) {
        if (isLocked()) {
            throw new IllegalStateException(describe() + " is already held by this lock object");
        }
        if (request.waits()) {
            return ownSession(request);
        }
        try {
            while (true) {
                SharedSessions.Session shared = sessions.claim(describe());
                Boolean answer = attemptOn(shared, request, true);
                if (answer != null) {
                    return answer;
                }
                // the session was ended, or found dead (another lock's failure, a watch's abort), before this
                // request sent anything on it: go elsewhere; an ended session is never offered again
            }
        } catch (LockAlreadyHeldException anotherLockObjectHoldsItThere) {
            // another lock object of this process holds the key on that session, where the server would grant it
            // again: ask from a session of its own, where the server answers as it does for any other holder
            return ownSession(request);
        }
    }

    /** A request on a session of its own, which is never shared before the grant, so never ended by another lock. */
    private boolean ownSession(PendingRequest request) {
        return attemptOn(sessions.ownSession(describe()), request, false);
    }

    /**
     * One request on {@code target}; if the session is shared, the request's turn there is taken, and given back
     * here.
     *
     * @return whether the lock was granted, or {@code null} if the shared session was ended before the request's
     *         turn came (nothing sent); if not granted, the slot is given back, or the session ended if it may hold it
     */
    private Boolean attemptOn(SharedSessions.Session target, PendingRequest request, boolean shared) {
        boolean acquired = false;
        boolean ended = false;
        try {
            if (SharedSessions.ended(target)) {
                return null;
            }
            if (shared && SharedSessions.isClosed(target.connection)) {
                ended = true;
                sessions.end(target, null); // dead already: nothing can be held on it
                return null;
            }
            JdbcDistributedLock lock = LockFactory.create(target.connection, key, options);
            acquired = lock.attempt(request);
            if (acquired) {
                current = lock;
                session = target;
            }
            return acquired;
        } catch (LockAlreadyHeldException e) {
            throw e; // nothing was sent: the slot is given back below
        } catch (LockInterruptedException e) {
            // a clean answer: nothing is held, unless giving back an interrupted grant failed
            if (e.getSuppressed().length > 0) {
                ended = true;
                sessions.end(target, e);
            }
            throw e;
        } catch (RuntimeException e) {
            ended = true;
            sessions.end(target, e);
            throw e;
        } finally {
            if (shared) {
                sessions.endTurn(target);
            }
            if (acquired && !shared) {
                sessions.share(target);
            } else if (!acquired && !ended) {
                sessions.leave(target);
            }
        }
    }

    @Override
    public void release() {
        JdbcDistributedLock lock = current;
        if (lock == null) {
            throw new LockNotHeldException(describe() + " is not held by this lock object");
        }
        SharedSessions.Session holding = session;
        current = null;
        session = null;
        boolean turn = takeTurn(holding, lock);
        try {
            lock.release();
        } catch (LockLostException e) {
            if (e.reason() == LockLostException.Reason.UNCONFIRMED) {
                // aborted for a silent link: a pool's close may wait on a read still stuck there
                ABORT_EXECUTOR.execute(() -> sessions.leave(holding));
            } else {
                sessions.leave(holding); // not held: the slot is free, and the session ended or safe to reuse
            }
            throw e;
        } catch (RuntimeException e) {
            sessions.end(holding, e); // release not confirmed: the session must end
            throw e;
        } finally {
            if (turn) {
                sessions.endTurn(holding);
            }
        }
        sessions.leave(holding);
    }

    /**
     * Waits for the session's turn, unless the lock is declared lost meanwhile: another lock's statement may be
     * stuck on the lost session until its deadline, and the loss is reported without sending anything.
     *
     * @return whether the turn was taken
     */
    private static boolean takeTurn(SharedSessions.Session holding, JdbcDistributedLock lock) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (holding.turn.tryLock(5, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (!lock.isLocked()) {
                    return false;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (isLocked()) {
            release();
        }
    }

    @Override
    public boolean isLocked() {
        JdbcDistributedLock lock = current;
        return lock != null && lock.isLocked();
    }

    @Override
    public boolean isHeldOnServer() {
        JdbcDistributedLock lock = current;
        return lock != null && lock.isHeldOnServer();
    }

    @Override
    public boolean isHeldOnServer(Duration bound) {
        PendingRequest.positiveNanos(bound, "bound"); // bad input is refused whatever the state
        JdbcDistributedLock lock = current;
        return lock != null && lock.isHeldOnServer(bound);
    }

    @Override
    public LockWatch watch(WatchOptions options, Consumer<? super DistributedLock> onLost) {
        // arguments first, as JdbcDistributedLock checks them: a null is a NullPointerException whatever the state
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(onLost, "onLost");
        JdbcDistributedLock lock = current;
        if (lock == null) {
            throw new IllegalStateException(describe() + " is not held: there is nothing to watch");
        }
        return lock.watch(options, onLost, this);
    }

    @Override
    public LockKey key() {
        return key;
    }

    @Override
    public Object databaseKey() {
        return databaseKey;
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
        return "pooled " + dialect + " lock " + key + " (database key " + databaseKey + ", " + options + ")";
    }
}
