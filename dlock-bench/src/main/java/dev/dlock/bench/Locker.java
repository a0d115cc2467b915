package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.SQLException;

/** One party's blocking way to take and give back one lock: through dlock, raw statements, or a peer. */
interface Locker {

    /** Waits until the lock is held. */
    void lock() throws Exception;

    /** Gives the lock back. */
    void unlock() throws Exception;

    /** A new dlock lock object per acquisition, as a caller would write it. */
    static Locker dlock(Connection connection, String key) {
        return new Locker() {
            private DistributedLock lock;

            @Override
            public void lock() {
                lock = Locks.forConnection(connection, key);
                lock.acquire();
            }

            @Override
            public void unlock() {
                lock.release();
            }
        };
    }

    /** The raw blocking statement dlock sends, and the raw unlock. */
    static Locker raw(RawStatements.RawLock raw) {
        return new Locker() {
            @Override
            public void lock() throws SQLException {
                raw.lock();
            }

            @Override
            public void unlock() throws SQLException {
                if (!raw.unlock()) {
                    throw new IllegalStateException("the raw unlock found the lock not held");
                }
            }
        };
    }

    /** A {@link java.util.concurrent.locks.Lock}, as peers such as Spring Integration hand out. */
    static Locker of(java.util.concurrent.locks.Lock lock) {
        return new Locker() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public void unlock() {
                lock.unlock();
            }
        };
    }
}
