package dev.dlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.Locks;
import dev.dlock.tck.DialectFixture;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;

/**
 * What ShedLock's own provider tests ({@code AbstractLockProviderIntegrationTest}, and
 * {@code AbstractExtensibleLockProviderIntegrationTest} where a native lock gives the same answer) check, on one
 * database, each answer read from the server's own view of the lock; and what this provider does differently: no
 * release at {@code lockAtMostFor}, a dead holder's lock freed at once.
 */
abstract class LockProviderContract extends ProviderFixture {
    /** ShedLock's test value. */
    private static final Duration LOCK_AT_LEAST_FOR = Duration.ofSeconds(2);

    @Test
    void lockIsHeldOnTheServerUnderItsNameUntilUnlocked() throws Exception {
        DlockLockProvider provider = node();
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name)).orElseThrow();
        assertThat(provider.keyFor(name)).isEqualTo(name);
        assertThat(heldOnServer(name)).isTrue();
        lock.unlock();
        assertThat(heldOnServer(name)).as("released at once: lockAtLeastFor is zero").isFalse();
    }

    @Test
    void secondLockOnTheSameNameIsRefusedWhileHeldByThisNodeOrAnother() throws Exception {
        DlockLockProvider provider = node();
        DlockLockProvider otherNode = node();
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name)).orElseThrow();
        assertThat(provider.lock(config(name))).isEmpty();
        assertThat(otherNode.lock(config(name))).isEmpty();
        lock.unlock();
        SimpleLock again = otherNode.lock(config(name)).orElseThrow();
        assertThat(provider.lock(config(name))).isEmpty();
        again.unlock();
        assertThat(heldOnServer(name)).isFalse();
    }

    @Test
    void lockRightAfterUnlockTenTimesInARow() throws Exception {
        DlockLockProvider provider = node();
        String name = uniqueName();
        for (int i = 0; i < 10; i++) {
            Optional<SimpleLock> lock = provider.lock(config(name));
            assertThat(lock).as("locked in round %d", i).isPresent();
            assertThat(provider.lock(config(name))).as("refused in round %d", i).isEmpty();
            lock.get().unlock();
        }
        assertThat(heldOnServer(name)).isFalse();
    }

    @Test
    void differentNamesAreIndependent() throws Exception {
        DlockLockProvider provider = node();
        String first = uniqueName();
        String second = uniqueName();
        SimpleLock one = provider.lock(config(first)).orElseThrow();
        SimpleLock two = provider.lock(config(second)).orElseThrow();
        assertThat(heldOnServer(first)).isTrue();
        assertThat(heldOnServer(second)).isTrue();
        one.unlock();
        assertThat(heldOnServer(first)).isFalse();
        assertThat(heldOnServer(second)).isTrue();
        two.unlock();
        assertThat(heldOnServer(second)).isFalse();
    }

    @Test
    void unlockBeforeLockAtLeastForReturnsAtOnceAndTheReleaseFollowsWhenItHasPassed() throws Exception {
        DlockLockProvider provider = node();
        DlockLockProvider otherNode = node();
        String name = uniqueName();
        long before = System.nanoTime();
        SimpleLock lock = provider.lock(config(name, LOCK_AT_LEAST_FOR.multipliedBy(2), LOCK_AT_LEAST_FOR))
                .orElseThrow();
        lock.unlock();
        boolean heldAfterUnlock = heldOnServer(name);
        Optional<SimpleLock> refused = otherNode.lock(config(name));
        if (System.nanoTime() - before < LOCK_AT_LEAST_FOR.toNanos()) {
            // both asked before lockAtLeastFor had passed since the grant, which came after `before`
            assertThat(heldAfterUnlock).as("still held after unlock() returned").isTrue();
            assertThat(refused).as("refused to another node within lockAtLeastFor").isEmpty();
        }
        awaitFree(name);
        long freedAfter = System.nanoTime() - before;
        assertThat(freedAfter).as("freed no sooner than lockAtLeastFor after the grant")
                .isGreaterThanOrEqualTo(LOCK_AT_LEAST_FOR.toNanos());
        assertThat(freedAfter).as("and, generously, not much later")
                .isLessThan(LOCK_AT_LEAST_FOR.plusSeconds(10).toNanos());
        otherNode.lock(config(name)).orElseThrow().unlock();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void deferredReleasesShareOneThread() throws Exception {
        DlockLockProvider provider = node();
        List<String> names = new ArrayList<>();
        long before = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            String name = uniqueName();
            names.add(name);
            provider.lock(config(name, Duration.ofMinutes(1), LOCK_AT_LEAST_FOR)).orElseThrow().unlock();
        }
        long releaseThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(DeferredReleases.THREAD_NAME)).count();
        int held = 0;
        for (String name : names) {
            held += heldOnServer(name) ? 1 : 0;
        }
        if (System.nanoTime() - before < LOCK_AT_LEAST_FOR.toNanos()) {
            assertThat(held).as("all 20 still held, their releases pending").isEqualTo(20);
        }
        assertThat(releaseThreads).as("threads for the pending releases").isEqualTo(1);
        for (String name : names) {
            awaitFree(name);
        }
    }

    @Test
    void aPoolClosedWhileAReleaseIsPendingFreesTheLockAndThePendingReleaseSaysSoQuietly() throws Exception {
        HikariDataSource pool = pool(2);
        DlockLockProvider provider = new DlockLockProvider(pool);
        String name = uniqueName();
        List<LogRecord> reported = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                reported.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(DeferredReleases.LOGGER);
        logger.addHandler(handler);
        try {
            provider.lock(config(name, Duration.ofMinutes(1), Duration.ofMillis(500))).orElseThrow().unlock();
            pool.close(); // an application shutting down: the pool aborts the connection it lent
            awaitFree(name);
            DialectFixture.awaitServer("the pending release reported", () -> !reported.isEmpty());
        } finally {
            logger.removeHandler(handler);
        }
        assertThat(reported).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(java.util.logging.Level.INFO);
            assertThat(record.getMessage()).contains(name).contains("was free before its lockAtLeastFor ended");
        });
    }

    @Test
    void lockAtMostForDoesNotReleaseALiveHoldersLock() throws Exception {
        DlockLockProvider provider = node();
        DlockLockProvider otherNode = node();
        String name = uniqueName();
        Duration lockAtMostFor = Duration.ofMillis(200);
        SimpleLock lock = provider.lock(config(name, lockAtMostFor, Duration.ZERO)).orElseThrow();
        long until = System.nanoTime() + 3 * lockAtMostFor.toNanos();
        int refusals = 0;
        while (System.nanoTime() < until) {
            assertThat(otherNode.lock(config(name))).as("refused after %d refusals", refusals).isEmpty();
            refusals++;
        }
        assertThat(heldOnServer(name)).isTrue();
        lock.unlock();
        assertThat(heldOnServer(name)).isFalse();
    }

    @Test
    void aKilledHoldersLockIsFreeAtOnceNotAfterLockAtMostFor() throws Exception {
        DlockLockProvider provider = node();
        DlockLockProvider otherNode = node();
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name, Duration.ofMinutes(10), Duration.ZERO)).orElseThrow();
        long killed = System.nanoTime();
        database().kill(observer, holder(name));
        awaitFree(name);
        assertThat(System.nanoTime() - killed).as("freed by the session's end").isLessThan(
                Duration.ofSeconds(10).toNanos());
        SimpleLock taken = otherNode.lock(config(name)).orElseThrow();
        assertThatThrownBy(lock::unlock).as("the loss is not silent").isInstanceOf(DistributedLockException.class);
        assertThat(heldOnServer(name)).as("the other node's lock untouched").isTrue();
        taken.unlock();
    }

    @Test
    void extendReturnsANewLockForTheSameHeldLockAndSpendsTheOld() throws Exception {
        DlockLockProvider provider = node();
        DlockLockProvider otherNode = node();
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name, Duration.ofSeconds(2), Duration.ZERO)).orElseThrow();
        long serverSession = holder(name);
        SimpleLock extended = lock.extend(Duration.ofSeconds(10), Duration.ZERO).orElseThrow();
        SimpleLock again = extended.extend(Duration.ofSeconds(10), Duration.ZERO).orElseThrow();
        assertThat(holder(name)).as("the same session holds it").isEqualTo(serverSession);
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(10), Duration.ZERO))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(extended::unlock).isInstanceOf(IllegalStateException.class);
        assertThat(otherNode.lock(config(name))).isEmpty();
        again.unlock();
        assertThat(heldOnServer(name)).isFalse();
    }

    @Test
    void extendCountsTheNewLockAtLeastForFromTheExtension() throws Exception {
        DlockLockProvider provider = node();
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name, Duration.ofSeconds(10), Duration.ZERO)).orElseThrow();
        long before = System.nanoTime();
        SimpleLock extended = lock.extend(Duration.ofSeconds(10), LOCK_AT_LEAST_FOR).orElseThrow();
        extended.unlock();
        boolean heldAfterUnlock = heldOnServer(name);
        if (System.nanoTime() - before < LOCK_AT_LEAST_FOR.toNanos()) {
            assertThat(heldAfterUnlock).isTrue();
        }
        awaitFree(name);
        assertThat(System.nanoTime() - before).isGreaterThanOrEqualTo(LOCK_AT_LEAST_FOR.toNanos());
    }

    @Test
    void extendOfALostLockIsEmptyAndGivesTheConnectionBack() throws Exception {
        HikariDataSource pool = pool(2);
        DlockLockProvider provider = new DlockLockProvider(pool);
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name)).orElseThrow();
        database().kill(observer, holder(name));
        awaitFree(name);
        assertThat(lock.extend(Duration.ofMinutes(5), Duration.ZERO)).isEmpty();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        DialectFixture.awaitServer("the pool's connections back",
                () -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
        provider.lock(config(name)).orElseThrow().unlock();
    }

    @Test
    void badExtendArgumentsAreRefusedAndLeaveTheLockUsable() throws Exception {
        DlockLockProvider provider = node();
        String name = uniqueName();
        SimpleLock lock = provider.lock(config(name)).orElseThrow();
        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(-1), Duration.ofSeconds(-2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.extend(null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(1), null)).isInstanceOf(NullPointerException.class);
        assertThat(heldOnServer(name)).isTrue();
        lock.unlock();
        assertThat(heldOnServer(name)).isFalse();
    }

    @Test
    void nullsAreRefusedBeforeAnySql() {
        assertThatThrownBy(() -> new DlockLockProvider((DataSource) null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("dataSource");
        assertThatThrownBy(() -> new DlockLockProvider((DataSourceLocks) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("locks");
        DataSourceLocks locks = Locks.forDataSource(pool(1));
        assertThatThrownBy(() -> new DlockLockProvider(locks, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("keyPrefix");
        DlockLockProvider provider = new DlockLockProvider(locks);
        assertThatThrownBy(() -> provider.lock(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> provider.keyFor(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theDlockKeyIsThePrefixAndTheNameAndOtherDlockUsersSeeIt() throws Exception {
        HikariDataSource pool = pool(2);
        DlockLockProvider provider = new DlockLockProvider(Locks.forDataSource(pool), "jobs:");
        String name = uniqueName();
        assertThat(provider.keyFor(name)).isEqualTo("jobs:" + name);
        SimpleLock lock = provider.lock(config(name)).orElseThrow();
        assertThat(heldOnServer("jobs:" + name)).isTrue();
        assertThat(heldOnServer(name)).isFalse();
        try (Connection connection = database().database().connect()) {
            DistributedLock plain = Locks.forConnection(connection, "jobs:" + name);
            assertThat(plain.tryAcquire()).as("the same database lock as dlock's own").isFalse();
            assertThat(Locks.forConnection(connection, name).tryAcquire()).as("the bare name is another lock")
                    .isTrue();
            lock.unlock();
            assertThat(plain.tryAcquire()).isTrue();
            plain.release();
        }
    }

    /**
     * ShedLock's fuzz test, across two nodes: 8 threads, half on each node's provider, run two jobs until each
     * thread has run its job {@link #RUNS_PER_THREAD} times, taking the lock without waiting (a refused thread
     * tries again) and keeping it at least 5 ms. Each job counts the threads inside it, and increments a counter
     * by reading and writing it in two steps, so that any overlap would show both ways.
     */
    @Test
    void fuzzEightThreadsOnTwoNodesNeverRunAJobTwiceAtOnce() throws Exception {
        DlockLockProvider[] nodes = {new DlockLockProvider(pool(4)), new DlockLockProvider(pool(4))};
        Job[] jobs = {new Job(uniqueName()), new Job(uniqueName())};
        int threads = 8;
        AtomicInteger refusals = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            long deadline = System.nanoTime() + SANITY.toNanos();
            for (int t = 0; t < threads; t++) {
                DlockLockProvider node = nodes[t % 2];
                Job job = jobs[(t / 2) % 2];
                done.add(executor.submit(() -> {
                    int runs = 0;
                    while (runs < RUNS_PER_THREAD && System.nanoTime() < deadline) {
                        Optional<SimpleLock> lock = node.lock(job.configuration());
                        if (lock.isEmpty()) {
                            refusals.incrementAndGet();
                            // pacing, not synchronisation: a refused thread tries again soon, as a scheduler would later
                            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
                            continue;
                        }
                        try {
                            job.run();
                            runs++;
                        } finally {
                            lock.get().unlock();
                        }
                    }
                    return runs;
                }));
            }
            for (Future<?> future : done) {
                assertThat(future.get(SANITY.toSeconds() + 10, TimeUnit.SECONDS)).isEqualTo(RUNS_PER_THREAD);
            }
        } finally {
            executor.shutdownNow();
        }
        for (Job job : jobs) {
            assertThat(job.mostInside.get()).as("threads inside %s at once", job.name).isEqualTo(1);
            assertThat(job.counter.get()).as("%s's counter", job.name).isEqualTo(threads / 2 * RUNS_PER_THREAD);
            awaitFree(job.name);
        }
        System.out.printf("[dlock-shedlock] %s fuzz: %d runs of 2 jobs on 2 nodes by %d threads, %d refusals,"
                + " never two inside a job%n", database(), threads * RUNS_PER_THREAD, threads, refusals.get());
    }

    private static final int RUNS_PER_THREAD = 25;

    /** A job of the fuzz test: counts who is inside, and a counter that an overlap would lose an update of. */
    private static final class Job {
        final String name;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        final AtomicLong counter = new AtomicLong();

        Job(String name) {
            this.name = name;
        }

        LockConfiguration configuration() {
            return config(name, Duration.ofMinutes(5), Duration.ofMillis(5));
        }

        void run() {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            long read = counter.get();
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // the job's work: a window for an overlap
            counter.set(read + 1);
            inside.decrementAndGet();
        }
    }
}
