package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * One lock over several keys ({@link Locks#forConnection(Connection, java.util.Collection)} and
 * {@link DataSourceLocks#lock(java.util.Collection)}), on a real database: every key held or none, the keys taken
 * in one global order so that overlapping sets never deadlock, one timeout for the set, and nothing kept when a
 * later key times out, is interrupted or fails.
 */
public abstract class MultiKeyContract extends DialectFixture {
    private static final int WORKERS = 6;
    private static final int KEYS = 5;
    private static final int GRANTS_PER_WORKER = 30;

    private static List<String> keys(int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(uniqueKey());
        }
        return keys;
    }

    /** @return how many of {@code keys} the session holds, asked from the observer */
    private int heldBy(long session, List<String> keys) throws Exception {
        int held = 0;
        for (String key : keys) {
            if (dialect().isHeldBy(observer, Locks.forConnection(observer, key).databaseKey(), session)) {
                held++;
            }
        }
        return held;
    }

    @Test
    void allKeysAreHeldTogetherAndReleasedTogether() throws Exception {
        List<String> keys = keys(3);
        Connection connection = connect();
        long session = dialect().sessionId(connection);
        DistributedLock all = Locks.forConnection(connection, keys).acquire(SANITY);
        assertThat(all.keys()).as("every key, in the order taken").hasSize(3)
                .containsExactlyInAnyOrderElementsOf(keys.stream().map(LockKey::of).toList());
        for (String key : keys) {
            DistributedLock one = Locks.forConnection(observer, key);
            assertThat(dialect().isHeldBy(observer, one.databaseKey(), session)).as(key + " held").isTrue();
        }
        assertThat(all.isLocked()).isTrue();
        assertThat(all.isHeldOnServer()).isTrue();
        all.release();
        for (String key : keys) {
            assertThat(dialect().isLockedOnServer(observer, Locks.forConnection(observer, key).databaseKey()))
                    .as(key + " released").isFalse();
        }
        assertThat(all.isLocked()).isFalse();
    }

    @Test
    void aKeyHeldElsewhereMeansNoneIsKeptNeitherAtOnceNorAfterATimeout() throws Exception {
        List<String> keys = keys(3);
        DistributedLock other = Locks.forConnection(connect(), keys.get(1)).acquire();
        Connection connection = connect();
        long session = dialect().sessionId(connection);
        DistributedLock all = Locks.forConnection(connection, keys);
        assertThat(all.tryAcquire()).isFalse();
        assertThat(heldBy(session, keys)).as("nothing kept").isZero();
        assertThat(all.tryAcquire(Duration.ofMillis(200))).isFalse();
        assertThat(heldBy(session, keys)).as("nothing kept").isZero();
        assertThatThrownBy(() -> all.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class)
                .hasMessageContaining("3 keys");
        assertThat(all.isLocked()).isFalse();
        other.release();
        assertThat(all.tryAcquire()).as("granted once the key is free").isTrue();
        all.release();
    }

    @Test
    void anInterruptedWaitForALaterKeyGivesBackTheKeysAlreadyTaken() throws Exception {
        List<String> keys = keys(2);
        Connection connection = connect();
        long session = dialect().sessionId(connection); // asked now: the connection is busy while it waits
        DistributedLock all = Locks.forConnection(connection, keys);
        // hold the key taken last, so that the wait happens with the first one held
        DistributedLock last = Locks.forConnection(connect(), all.keys().get(1)).acquire();
        AtomicReference<Thread> waiter = new AtomicReference<>();
        Future<Throwable> waiting = inThread(() -> {
            waiter.set(Thread.currentThread());
            try {
                all.acquire();
                return null;
            } catch (LockInterruptedException e) {
                return e;
            }
        });
        awaitWaiter(last);
        assertThat(heldBy(session, keys)).as("the first key, taken").isEqualTo(1);
        waiter.get().interrupt();
        assertThat(result(waiting)).isInstanceOf(LockInterruptedException.class);
        assertThat(heldBy(session, keys)).as("given back before the request returned").isZero();
        assertThat(all.isLocked()).isFalse();
        last.release();
    }

    @Test
    void overlappingSetsFromManyWorkersNeverDeadlockAndNeverOverlap() throws Exception {
        List<String> keys = keys(KEYS);
        AtomicIntegerArray holders = new AtomicIntegerArray(KEYS);
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger grants = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Connection connection = connect();
            workers.add(threads.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < GRANTS_PER_WORKER; i++) {
                    List<Integer> chosen = new ArrayList<>();
                    for (int k = 0; k < KEYS; k++) {
                        chosen.add(k);
                    }
                    Collections.shuffle(chosen, random);
                    chosen = chosen.subList(0, 2 + random.nextInt(KEYS - 1)); // 2 to all 5, in any order
                    List<String> set = chosen.stream().map(keys::get).toList();
                    // a deadlock would end here, as a timeout or the server's deadlock error
                    DistributedLock lock = Locks.forConnection(connection, set).acquire(SANITY);
                    for (int k : chosen) {
                        if (holders.incrementAndGet(k) > 1) {
                            overlaps.incrementAndGet();
                        }
                    }
                    LockSupport.parkNanos(random.nextLong(200_000)); // work inside, not a wait for anything
                    for (int k : chosen) {
                        holders.decrementAndGet(k);
                    }
                    lock.release();
                    grants.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            result(worker);
        }
        tally.grants(grants.get());
        tally.violations(overlaps.get());
        tally.print("overlapping key sets: " + grants.get() + " grants of 2 to " + KEYS + " keys by " + WORKERS
                + " workers, no deadlock");
        assertThat(overlaps).as("two holders of one key").hasValue(0);
        assertThat(grants).hasValue(WORKERS * GRANTS_PER_WORKER);
    }

    @Test
    void throughAPoolEveryKeyIsHeldWhileTheActionRunsAndNoneAfter() throws Exception {
        HikariDataSource pool = pool(4);
        DataSourceLocks locks = Locks.forDataSource(pool);
        List<String> keys = keys(3);
        int seen = locks.withLock(keys, SANITY, () -> {
            int held = 0;
            for (String key : keys) {
                if (dialect().isLockedOnServer(observer, locks.lock(key).databaseKey())) {
                    held++;
                }
            }
            return held;
        });
        assertThat(seen).as("keys held while the action ran").isEqualTo(3);
        DistributedLock blocker = locks.lock(keys.get(2));
        assertThat(blocker.tryAcquire()).isTrue();
        DistributedLock all = locks.lock(keys);
        assertThat(all.tryAcquire()).isFalse();
        for (String key : keys.subList(0, 2)) {
            assertThat(dialect().isLockedOnServer(observer, locks.lock(key).databaseKey())).as(key).isFalse();
        }
        blocker.release();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).as("every connection back").isZero();
    }

    @Test
    void badKeySetsAreRefusedBeforeAnySql() throws Exception {
        Connection connection = connect();
        long session = dialect().sessionId(connection);
        String key = uniqueKey();
        assertThatThrownBy(() -> Locks.forConnection(connection, List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one key");
        assertThatThrownBy(() -> Locks.forConnection(connection, List.of(key, key)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one database lock");
        assertThatThrownBy(() -> Locks.forConnection(connection, List.of(key, 42)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Integer");
        assertThatThrownBy(() -> Locks.forConnection(connection, List.of(key, "")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Locks.forConnection(connection, java.util.Arrays.asList(key, null)))
                .isInstanceOf(NullPointerException.class);
        assertThat(heldBy(session, List.of(key))).isZero();
    }
}
