package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.Locks;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Many held locks on a few pooled connections ({@link Locks#forDataSource}): locks that did not wait share a
 * connection up to the cap, a wait borrows a connection of its own and shares it once granted, lock objects of one
 * key exclude each other as holders in other processes do, threads take turns on a shared connection, a killed
 * shared session loses exactly its own locks, and every connection goes back to the pool once nothing is held.
 */
public abstract class SharedSessionsContract extends DialectFixture {

    private static int active(HikariDataSource pool) {
        return pool.getHikariPoolMXBean().getActiveConnections();
    }

    @Test
    void locksThatDidNotWaitShareOneConnectionAndItGoesBackWithTheLast() throws Exception {
        HikariDataSource pool = pool(2);
        DataSourceLocks locks = Locks.forDataSource(pool);
        List<DistributedLock> held = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            DistributedLock lock = locks.lock(uniqueKey());
            assertThat(lock.tryAcquire()).isTrue();
            held.add(lock);
        }
        assertThat(active(pool)).as("connections for 50 held locks").isEqualTo(1);
        for (DistributedLock lock : held) {
            assertThat(isLockedOnServer(lock)).isTrue();
            lock.release();
            assertThat(isLockedOnServer(lock)).isFalse();
        }
        assertThat(active(pool)).as("connections once nothing is held").isZero();
    }

    @Test
    void theCapSpreadsLocksOverConnections() throws Exception {
        HikariDataSource pool = pool(5);
        DataSourceLocks locks = Locks.forDataSource(pool, 3);
        List<DistributedLock> held = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            DistributedLock lock = locks.lock(uniqueKey());
            assertThat(lock.tryAcquire()).isTrue();
            held.add(lock);
        }
        assertThat(active(pool)).as("connections for 7 locks, 3 per connection").isEqualTo(3);
        for (DistributedLock lock : held) {
            lock.release();
        }
        assertThat(active(pool)).isZero();
        assertThatThrownBy(() -> Locks.forDataSource(pool, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("locksPerSession");
    }

    @Test
    void aWaitBorrowsAConnectionOfItsOwnAndSharesItOnceGranted() throws Exception {
        HikariDataSource pool = pool(3);
        DataSourceLocks locks = Locks.forDataSource(pool);
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key).acquire();
        DistributedLock shared = locks.lock(uniqueKey());
        assertThat(shared.tryAcquire()).isTrue();
        DistributedLock waiter = locks.lock(key);
        Future<Boolean> waiting = inThread(() -> waiter.tryAcquire(SANITY));
        awaitWaiter(holder);
        assertThat(active(pool)).as("the shared connection and the waiter's own").isEqualTo(2);
        DistributedLock meanwhile = locks.lock(uniqueKey());
        assertThat(meanwhile.tryAcquire()).as("a lock that does not wait is not stuck behind the wait").isTrue();
        holder.release();
        assertThat(result(waiting)).isTrue();
        shared.release();
        meanwhile.release();
        assertThat(active(pool)).as("the waiter's connection carries its lock on").isEqualTo(1);
        DistributedLock next = locks.lock(uniqueKey());
        assertThat(next.tryAcquire()).isTrue();
        assertThat(active(pool)).as("the next lock shares the waiter's connection").isEqualTo(1);
        next.release();
        waiter.release();
        assertThat(active(pool)).isZero();
    }

    @Test
    void twoLockObjectsOfOneKeyExcludeEachOtherAsTwoProcessesWould() throws Exception {
        HikariDataSource pool = pool(3);
        DataSourceLocks locks = Locks.forDataSource(pool);
        String key = uniqueKey();
        DistributedLock first = locks.lock(key);
        DistributedLock second = locks.lock(key);
        assertThat(first.tryAcquire()).isTrue();
        assertThat(second.tryAcquire()).as("the same key, another lock object").isFalse();
        assertThat(second.tryAcquire(Duration.ofMillis(50))).isFalse();
        first.release();
        assertThat(second.tryAcquire()).isTrue();
        second.release();
        assertThat(active(pool)).isZero();
    }

    @Test
    void sharedHoldersOfOneKeyHoldTogether() throws Exception {
        assumeTrue(dialect().supportedModes().contains(LockMode.SHARED), "the dialect has no shared mode");
        HikariDataSource pool = pool(3);
        DataSourceLocks locks = Locks.forDataSource(pool);
        String key = uniqueKey();
        LockOptions shared = LockOptions.builder().mode(LockMode.SHARED).build();
        DistributedLock one = locks.lock(key, shared);
        DistributedLock two = locks.lock(key, shared);
        assertThat(one.tryAcquire()).isTrue();
        assertThat(two.tryAcquire()).as("a second shared holder in the same process").isTrue();
        assertThat(locks.lock(key).tryAcquire()).as("an exclusive request beside them").isFalse();
        one.release();
        two.release();
        assertThat(active(pool)).isZero();
    }

    @Test
    void threadsTakeTurnsOnASharedConnection() throws Exception {
        HikariDataSource pool = pool(2);
        DataSourceLocks locks = Locks.forDataSource(pool);
        int threadCount = 8;
        int rounds = 50;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            workers.add(inThread(() -> {
                start.await();
                int granted = 0;
                for (int i = 0; i < rounds; i++) {
                    DistributedLock lock = locks.lock(uniqueKey());
                    if (lock.tryAcquire()) {
                        granted++;
                        lock.release();
                    }
                }
                return granted;
            }));
        }
        start.countDown();
        int granted = 0;
        for (Future<Integer> worker : workers) {
            granted += result(worker);
        }
        assertThat(granted).as("every request on a key of its own granted, none refused as 'under way'")
                .isEqualTo(threadCount * rounds);
        // a connection borrowed for requests that found every turn taken, if none of them needed it, or kept for
        // them, goes back to the pool from another thread once no request waits
        awaitServer("every connection back in the pool", () -> active(pool) == 0);
    }

    @Test
    void manyWatchesOfOneSharedConnectionCostAFewStatementsPerCadenceNotOneEach() throws Exception {
        List<StatementCountingConnection> counted = new CopyOnWriteArrayList<>();
        HikariDataSource pool = pool(2, connection -> {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connection);
            counted.add(counting);
            return counting.connection();
        });
        DataSourceLocks locks = Locks.forDataSource(pool);
        int watched = 200;
        Duration cadence = Duration.ofMillis(500);
        List<DistributedLock> held = new ArrayList<>();
        AtomicInteger told = new AtomicInteger();
        for (int i = 0; i < watched; i++) {
            DistributedLock lock = locks.lock(uniqueKey());
            assertThat(lock.tryAcquire()).isTrue();
            lock.watch(cadence, lost -> told.incrementAndGet());
            held.add(lock);
        }
        assertThat(active(pool)).isEqualTo(1);
        // windows of time to count statements in, not a wait for anything: the first checks (one per watch, at
        // once) are over after the first, and the second spans three cadences of checks on the shared grid
        LockSupport.parkNanos(cadence.multipliedBy(2).toNanos());
        int before = statements(counted);
        LockSupport.parkNanos(cadence.multipliedBy(3).toNanos());
        int during = statements(counted) - before;
        tally.print(watched + " watched locks on one connection, every " + cadence.toMillis() + " ms: " + during
                + " statements in 3 cadences");
        assertThat(during).as("statements in 3 cadences of " + watched + " watches (one each would be "
                + 3 * watched + ")").isBetween(1, 3 * 5);
        assertThat(told).hasValue(0);
        for (DistributedLock lock : held) {
            lock.release();
        }
        assertThat(active(pool)).isZero();
    }

    private static int statements(List<StatementCountingConnection> connections) {
        return connections.stream().mapToInt(StatementCountingConnection::statements).sum();
    }

    @Test
    void aKilledSharedSessionLosesItsOwnLocksAndNoOthers() throws Exception {
        List<Connection> opened = new CopyOnWriteArrayList<>();
        HikariDataSource pool = pool(3, connection -> {
            opened.add(connection);
            return connection;
        });
        DataSourceLocks locks = Locks.forDataSource(pool, 2);
        List<DistributedLock> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DistributedLock lock = locks.lock(uniqueKey());
            assertThat(lock.tryAcquire()).isTrue();
            held.add(lock);
        }
        AtomicInteger told = new AtomicInteger();
        for (DistributedLock lock : held) {
            lock.watch(Duration.ofMillis(500), lost -> told.incrementAndGet());
        }
        long victim = -1;
        for (Connection connection : opened) {
            if (connection.isClosed()) {
                continue; // one the pool has let go
            }
            long session = dialect().sessionId(connection);
            if (dialect().isHeldBy(observer, held.get(0).databaseKey(), session)) {
                victim = session;
            }
        }
        assertThat(victim).as("the session of the first two locks").isNotNegative();
        assertThat(dialect().isHeldBy(observer, held.get(1).databaseKey(), victim)).isTrue();
        dialect().killSession(observer, victim);
        awaitServer("both watches told", () -> told.get() == 2);
        assertThatThrownBy(held.get(0)::release).isInstanceOf(LockLostException.class);
        assertThatThrownBy(held.get(1)::release).isInstanceOf(LockLostException.class);
        assertThat(held.get(2).isHeldOnServer()).as("the lock on the other session").isTrue();
        held.get(2).release();
        assertThat(told).as("watches told of a loss").hasValue(2);
        assertThat(active(pool)).isZero();
        DistributedLock after = locks.lock(uniqueKey());
        assertThat(after.tryAcquire()).as("a new lock after the loss").isTrue();
        after.release();
    }
}
