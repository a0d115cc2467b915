package dev.dlock.tck.stub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Locks through a pool ({@code Locks.forDataSource}) on a dialect whose database cannot run here: which scripted
 * connection each statement goes to. Requests that do not wait share one connection, a wait borrows one of its own
 * that is shared once granted, and each connection goes back with its last lock. A dialect's statement test extends
 * it (as a nested class) and says how its statements are scripted.
 */
public abstract class SharedConnectionsScript {
    private final ScriptedConnection probe = connection();
    private final ScriptedConnection first = connection();
    private final ScriptedConnection second = connection();
    private final ScriptedPool pool = ScriptedPool.of(probe, first, second);

    /** @return a new connection of the dialect's database, with an empty script */
    protected abstract ScriptedConnection connection();

    /**
     * Scripts one exclusive session-lock request on {@code on}.
     *
     * @param waits   whether it is {@code acquire()} (else {@code tryAcquire()})
     * @param granted what the database answers: granted, or held elsewhere
     */
    protected abstract void expectRequest(ScriptedConnection on, String key, boolean waits, boolean granted);

    /** Scripts the release of {@code key} on {@code on}, confirmed. */
    protected abstract void expectRelease(ScriptedConnection on, String key);

    @AfterEach
    void eachConnectionFollowedItsScript() {
        pool.verify();
    }

    @Test
    void locksThatDoNotWaitShareOneConnectionWhichGoesBackWithTheLast() {
        expectRequest(first, "a", false, true);
        expectRequest(first, "b", false, true);
        expectRequest(first, "busy", false, false);
        expectRelease(first, "a");
        expectRelease(first, "b");
        DataSourceLocks locks = Locks.forDataSource(pool.dataSource());
        assertThat(probe.isClosed()).as("the dialect's connection goes straight back").isTrue();
        DistributedLock a = locks.lock("a");
        DistributedLock b = locks.lock("b");
        assertThat(a.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isTrue();
        assertThat(locks.lock("busy").tryAcquire()).as("held elsewhere").isFalse();
        assertThat(pool.lent()).as("the probe, and one connection for all three").isEqualTo(2);
        a.release();
        assertThat(first.isClosed()).as("b still holds on it").isFalse();
        b.release();
        assertThat(first.isClosed()).as("given back with its last lock").isTrue();
    }

    @Test
    void aWaitBorrowsAConnectionOfItsOwnThatIsSharedOnceGranted() {
        expectRequest(first, "a", false, true);
        expectRequest(second, "w", true, true);
        expectRelease(first, "a");
        expectRequest(second, "c", false, true); // after a's release: the one shared connection left
        expectRelease(second, "w");
        expectRelease(second, "c");
        DataSourceLocks locks = Locks.forDataSource(pool.dataSource());
        DistributedLock a = locks.lock("a");
        assertThat(a.tryAcquire()).isTrue();
        DistributedLock w = locks.lock("w").acquire();
        assertThat(pool.lent()).as("the wait on a connection of its own").isEqualTo(3);
        a.release();
        assertThat(first.isClosed()).isTrue();
        DistributedLock c = locks.lock("c");
        assertThat(c.tryAcquire()).isTrue();
        w.release();
        assertThat(second.isClosed()).as("c still holds on it").isFalse();
        c.release();
        assertThat(second.isClosed()).isTrue();
    }
}
