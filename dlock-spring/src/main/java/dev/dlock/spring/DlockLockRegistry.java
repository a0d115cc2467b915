package dev.dlock.spring;

import dev.dlock.DataSourceLocks;
import dev.dlock.LockKey;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * A Spring Integration {@link LockRegistry} whose locks are the database's own (PostgreSQL advisory locks, MySQL and
 * MariaDB named locks, SQL Server application locks, Oracle user locks), taken through {@link DataSourceLocks}: no
 * lock table, no expiry, no polling. Where Spring's {@code JdbcLockRegistry} writes a row with a time to live and
 * polls for it every 100 ms, a lock here is held as long as the session that took it lives, and a waiter is woken by
 * the database the moment the holder releases.
 *
 * <p>A key is a {@code String} (the lock name, as for {@code JdbcLockRegistry}) or a {@link LockKey}; the same key
 * is the same database lock in every process that uses dlock (and in sqlalchemy-dlock), so two applications on
 * one database exclude each other. Each {@link Lock} follows {@link java.util.concurrent.locks.Lock}'s contract:
 * <ul>
 *   <li>{@code lock()} waits until held, through interrupts, and restores the interrupt flag;</li>
 *   <li>{@code lockInterruptibly()} and {@code tryLock(time, unit)} throw {@link InterruptedException} when
 *       interrupted, with the database's wait cancelled and nothing held; a time of zero or less is one attempt;</li>
 *   <li>{@code tryLock()} makes one attempt and never waits;</li>
 *   <li>{@code unlock()} by a thread that does not hold the lock is an {@link IllegalMonitorStateException};</li>
 *   <li>{@code newCondition()} is unsupported: a database lock has no conditions.</li>
 * </ul>
 *
 * <p>Like {@code JdbcLockRegistry}'s locks, they are re-entrant and owned by a thread: inside this JVM, threads
 * wait for one another on a {@link ReentrantLock} of the key before the owner goes to the database, so the
 * database sees one request per key per registry at a time; across registries (processes, or two registries on two
 * pools) the database decides. Every {@code Lock} obtained for one key shares that state, so
 * {@code registry.obtain(key).unlock()} releases what an earlier {@code registry.obtain(key).lock()} took. The
 * per-key state lives only while some thread holds or waits for the key, so the registry keeps nothing for keys
 * not in use and has nothing to expire.
 *
 * <p>The database lock lives on one of the pool's connections (see {@link DataSourceLocks} for how they are
 * shared): if that connection's session ends (the server restarts, the connection is killed), the lock is gone, and
 * the holder learns it from {@code unlock()}, which then throws {@link dev.dlock.LockLostException} after giving
 * up the thread's ownership. Errors from the database are {@link dev.dlock.DistributedLockException}s, with nothing
 * held afterwards.
 *
 * <p>What it does not implement, and why: {@code ExpirableLockRegistry} (there is no cache of unused locks to drop,
 * see above) and {@code RenewableLockRegistry} (a native lock has no time to live to renew; it lasts as long as its
 * session).
 */
public final class DlockLockRegistry implements LockRegistry {
    private final DataSourceLocks locks;
    private final ConcurrentMap<LockKey, KeyState> inUse = new ConcurrentHashMap<>();

    /**
     * @param locks where the locks come from: one pool, one database
     */
    public DlockLockRegistry(DataSourceLocks locks) {
        this.locks = Objects.requireNonNull(locks, "locks");
    }

    /**
     * @param lockKey a {@code String} (the lock name) or a {@link LockKey}
     * @return the lock of that key, not acquired; every lock of one key shares its holder and its waiters
     * @throws NullPointerException     if {@code lockKey} is null
     * @throws IllegalArgumentException if {@code lockKey} is of another type, empty, or a key the database cannot
     *                                  take (MySQL and MariaDB: longer than 64 characters)
     */
    @Override
    public Lock obtain(Object lockKey) {
        Objects.requireNonNull(lockKey, "lockKey");
        LockKey key;
        if (lockKey instanceof String name) {
            key = LockKey.of(name);
        } else if (lockKey instanceof LockKey given) {
            key = given;
        } else {
            throw new IllegalArgumentException("a lock key must be a String or a dev.dlock.LockKey, not a "
                    + lockKey.getClass().getName() + ": " + lockKey);
        }
        locks.lock(key); // the key is checked against the database's rules now, before any lock call
        return new RegistryLock(key);
    }

    @Override
    public String toString() {
        return "DlockLockRegistry[" + locks.dialect() + ", keys in use: " + inUse.size() + "]";
    }

    /** The threads of this JVM that hold or wait for one key, and the database lock while one of them holds it. */
    private static final class KeyState {
        final ReentrantLock owner = new ReentrantLock();
        /** Holds and waiters; changed only inside {@link ConcurrentMap#compute}. */
        int users;
        /** The database lock while held; read and written by the owner thread only. */
        Lock held;
    }

    /** One try at the database lock, with the owner's {@link ReentrantLock} held. */
    @FunctionalInterface
    private interface DatabaseAttempt {
        boolean take(Lock databaseLock) throws InterruptedException;
    }

    /** One of the {@link Lock}s of a key: a view of the key's {@link KeyState}. */
    private final class RegistryLock implements Lock {
        private final LockKey key;

        RegistryLock(LockKey key) {
            this.key = key;
        }

        @Override
        public void lock() {
            KeyState state = enter();
            state.owner.lock();
            takeDatabaseLock(state, databaseLock -> {
                databaseLock.lock();
                return true;
            });
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            KeyState state = enter();
            try {
                state.owner.lockInterruptibly();
            } catch (InterruptedException e) {
                leave(state);
                throw e;
            }
            takeInterruptibly(state, databaseLock -> {
                databaseLock.lockInterruptibly();
                return true;
            });
        }

        @Override
        public boolean tryLock() {
            KeyState state = enter();
            if (!state.owner.tryLock()) {
                leave(state);
                return false;
            }
            return takeDatabaseLock(state, Lock::tryLock);
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            long nanos = unit.toNanos(time);
            long start = System.nanoTime();
            KeyState state = enter();
            boolean owner;
            try {
                owner = state.owner.tryLock(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                leave(state);
                throw e;
            }
            if (!owner) {
                leave(state);
                return false;
            }
            // what is left of the time for the database; zero or less is one attempt there, as in Lock
            return takeInterruptibly(state,
                    databaseLock -> databaseLock.tryLock(nanos - (System.nanoTime() - start), TimeUnit.NANOSECONDS));
        }

        @Override
        public void unlock() {
            KeyState state = inUse.get(key);
            if (state == null || !state.owner.isHeldByCurrentThread()) {
                throw new IllegalMonitorStateException("the lock of " + key + " is not held by this thread");
            }
            if (state.owner.getHoldCount() > 1) {
                state.owner.unlock();
                leave(state);
                return;
            }
            Lock databaseLock = state.held;
            state.held = null;
            try {
                databaseLock.unlock();
            } finally {
                // the database lock is released, or lost: either way this thread no longer owns the key
                state.owner.unlock();
                leave(state);
            }
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("a database lock has no conditions: " + key);
        }

        @Override
        public String toString() {
            return "DlockLockRegistry lock of " + key;
        }

        /** Counts this thread among the key's users, creating its state if nobody else uses it. */
        private KeyState enter() {
            return inUse.compute(key, (k, state) -> {
                KeyState entered = state == null ? new KeyState() : state;
                entered.users++;
                return entered;
            });
        }

        /** Counts one user less; the state goes when nobody holds or waits for the key. */
        private void leave(KeyState state) {
            inUse.computeIfPresent(key, (k, current) -> --current.users == 0 ? null : current);
        }

        private boolean takeInterruptibly(KeyState state, DatabaseAttempt attempt) throws InterruptedException {
            if (state.owner.getHoldCount() > 1) {
                return true; // re-entered: the database lock is held already
            }
            boolean held = false;
            try {
                Lock databaseLock = locks.lock(key).asLock();
                held = attempt.take(databaseLock);
                if (held) {
                    state.held = databaseLock;
                }
                return held;
            } finally {
                if (!held) {
                    state.owner.unlock();
                    leave(state);
                }
            }
        }

        private boolean takeDatabaseLock(KeyState state, DatabaseAttempt attempt) {
            try {
                return takeInterruptibly(state, attempt);
            } catch (InterruptedException impossible) {
                // lock() and tryLock() do not throw it; a DatabaseAttempt that does is a bug here
                throw new IllegalStateException(impossible);
            }
        }
    }
}
