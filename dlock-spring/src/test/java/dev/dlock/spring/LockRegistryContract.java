package dev.dlock.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DataSourceLocks;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.integration.util.CheckedCallable;

/**
 * The registry as a Spring Boot application gets it: Boot's own {@code DataSourceAutoConfiguration} makes a HikariCP
 * pool from {@code spring.datasource.url}, and {@link DlockAutoConfiguration} the rest. Two contexts are two nodes:
 * two pools, two registries, one database lock per key. Where a test needs to know that a request waits or a lock is
 * held, it asks the server, on a connection of its own.
 */
abstract class LockRegistryContract {
    private static final long STUCK_SECONDS = 30;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private Connection observer;
    String key;

    /** @return the database, started if needed */
    abstract TestDatabase database();

    /** @return the dialect's name, as {@link DataSourceLocks#dialect()} gives it */
    abstract String dialect();

    /** @return whether some session holds the database lock of {@code key}, asked on {@code observer} */
    abstract boolean heldOnServer(Connection observer, DataSourceLocks locks, String key) throws SQLException;

    /** @return how many sessions wait for the database lock of {@code key}, asked on {@code observer} */
    abstract int waitersOnServer(Connection observer, DataSourceLocks locks, String key) throws SQLException;

    /** Ends, from {@code observer}, the server session that holds the database lock of {@code key}. */
    abstract void killHolder(Connection observer, DataSourceLocks locks, String key) throws SQLException;

    ApplicationContextRunner node() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DlockAutoConfiguration.class, DlockLockRegistryAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=" + database().jdbcUrl().orElseThrow());
    }

    @BeforeEach
    void open(TestInfo test) throws SQLException {
        observer = database().connect();
        String name = test.getTestMethod().orElseThrow().getName();
        key = "dlock-spring:" + name.substring(0, Math.min(name.length(), 40)); // MariaDB: 64 characters at most
    }

    @AfterEach
    void close() throws SQLException {
        threads.shutdownNow();
        if (observer != null) {
            observer.close();
        }
    }

    @Test
    void theApplicationsDataSourceGivesTheLocksAndTheRegistry() {
        node().run(context -> {
            assertThat(context).hasSingleBean(DataSourceLocks.class).hasSingleBean(LockRegistry.class);
            assertThat(context.getBean(LockRegistry.class)).isInstanceOf(DlockLockRegistry.class);
            assertThat(context.getBean(DataSourceLocks.class).dialect()).isEqualTo(dialect());
        });
    }

    @Test
    void tryLockOnOneNodeIsFalseWhileTheOtherHoldsAndTrueAfterItsUnlock() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            Lock onB = registry(b).obtain(key);
            assertThat(onA.tryLock()).isTrue();
            assertThat(heldOnServer(a)).isTrue();
            assertThat(onB.tryLock()).isFalse();
            onA.unlock();
            assertThat(heldOnServer(a)).isFalse();
            assertThat(onB.tryLock()).isTrue();
            assertThat(onA.tryLock()).isFalse();
            onB.unlock();
            assertThat(heldOnServer(a)).isFalse();
        }));
    }

    @Test
    void lockInterruptiblyWaitsForTheOtherNodeAndAnInterruptEndsItHoldingNothing() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            Lock onB = registry(b).obtain(key);
            onA.lock();

            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Boolean> interrupted = threads.submit(() -> {
                waiter.set(Thread.currentThread());
                try {
                    onB.lockInterruptibly();
                    onB.unlock();
                    return false;
                } catch (InterruptedException e) {
                    return !Thread.currentThread().isInterrupted(); // thrown with the flag cleared, as JUC does
                }
            });
            awaitWaiters(a, 1);
            waiter.get().interrupt();
            assertThat(interrupted.get(STUCK_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(waitersOnServer(a)).isZero();
            assertThat(heldOnServer(a)).isTrue(); // still A's

            Future<?> granted = threads.submit(() -> {
                onB.lockInterruptibly();
                onB.unlock();
                return null;
            });
            awaitWaiters(a, 1);
            onA.unlock();
            granted.get(STUCK_SECONDS, TimeUnit.SECONDS);
            assertThat(heldOnServer(a)).isFalse();
        }));
    }

    @Test
    void tryLockWithATimeGivesUpAfterItAndGetsTheLockReleasedWithinIt() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            Lock onB = registry(b).obtain(key);
            onA.lock();

            long start = System.nanoTime();
            assertThat(onB.tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(200),
                    Duration.ofSeconds(10));
            assertThat(onB.tryLock(0, TimeUnit.SECONDS)).isFalse();
            assertThat(onB.tryLock(-1, TimeUnit.SECONDS)).isFalse();
            assertThat(waitersOnServer(a)).isZero();

            // one thread takes and gives back B's lock: a registry's locks are owned by a thread
            ExecutorService waiter = Executors.newSingleThreadExecutor();
            try {
                Future<Boolean> waited = waiter.submit(() -> onB.tryLock(STUCK_SECONDS, TimeUnit.SECONDS));
                awaitWaiters(a, 1);
                onA.unlock();
                assertThat(waited.get(STUCK_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(onA.tryLock()).isFalse(); // B's now, held by the waiter's thread
                assertThatThrownBy(onB::unlock).isInstanceOf(IllegalMonitorStateException.class); // not this thread's
                waiter.submit(onB::unlock).get(STUCK_SECONDS, TimeUnit.SECONDS);
            } finally {
                waiter.shutdownNow();
            }
            assertThat(heldOnServer(a)).isFalse();
        }));
    }

    @Test
    void interruptedTryLockWithATimeThrowsAndHoldsNothing() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            Lock onB = registry(b).obtain(key);
            onA.lock();
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Boolean> waited = threads.submit(() -> {
                waiter.set(Thread.currentThread());
                return onB.tryLock(STUCK_SECONDS, TimeUnit.SECONDS);
            });
            awaitWaiters(a, 1);
            waiter.get().interrupt();
            assertThatThrownBy(() -> waited.get(STUCK_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InterruptedException.class);
            assertThat(waitersOnServer(a)).isZero();
            onA.unlock();
            assertThat(heldOnServer(a)).isFalse();
            assertThat(onB.tryLock()).isTrue(); // nothing of the interrupted request is left on B either
            onB.unlock();
        }));
    }

    @Test
    void lockWaitsThroughAnInterruptAndRestoresTheFlag() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            Lock onB = registry(b).obtain(key);
            onA.lock();
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Boolean> flagAfterLock = threads.submit(() -> {
                waiter.set(Thread.currentThread());
                onB.lock();
                boolean flag = Thread.interrupted();
                onB.unlock();
                return flag;
            });
            awaitWaiters(a, 1);
            waiter.get().interrupt();
            // the interrupt cancels the server-side wait, and lock() waits again: seen as a waiter once more
            awaitWaiters(a, 1);
            assertThat(flagAfterLock).isNotDone();
            onA.unlock();
            assertThat(flagAfterLock.get(STUCK_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(heldOnServer(a)).isFalse();
        }));
    }

    @Test
    void locksAreReentrantAndOwnedByTheirThread() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            Lock onB = registry(b).obtain(key);
            onA.lock();
            assertThat(onA.tryLock()).isTrue();
            assertThat(onA.tryLock(1, TimeUnit.SECONDS)).isTrue();
            onA.lockInterruptibly();
            onA.unlock();
            onA.unlock();
            onA.unlock();
            assertThat(onB.tryLock()).isFalse(); // one hold is left
            assertThat(threads.submit(() -> onA.tryLock()).get(STUCK_SECONDS, TimeUnit.SECONDS)).isFalse();
            assertThatThrownBy(() -> threads.submit(onA::unlock).get(STUCK_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalMonitorStateException.class);
            assertThat(heldOnServer(a)).isTrue();
            onA.unlock();
            assertThat(heldOnServer(a)).isFalse();
            assertThatThrownBy(onA::unlock).isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining(key);
        }));
    }

    @Test
    void everyLockObtainedForAKeySharesItsHolderInOneRegistry() {
        node().run(a -> {
            LockRegistry registry = registry(a);
            registry.obtain(key).lock();
            // another thread of the same node, another Lock object of the same key: it waits in the JVM
            assertThat(threads.submit(() -> registry.obtain(key).tryLock()).get(STUCK_SECONDS, TimeUnit.SECONDS))
                    .isFalse();
            assertThat(threads.submit(() -> registry.obtain(LockKey.of(key)).tryLock(50, TimeUnit.MILLISECONDS))
                    .get(STUCK_SECONDS, TimeUnit.SECONDS)).isFalse();
            assertThat(registry.obtain(LockKey.of(key)).tryLock()).isTrue(); // re-entered through another object
            registry.obtain(key).unlock();
            assertThat(heldOnServer(a)).isTrue();
            registry.obtain(LockKey.of(key)).unlock();
            assertThat(heldOnServer(a)).isFalse();
            assertThat(registry).hasToString("DlockLockRegistry[" + dialect() + ", keys in use: 0]");
        });
    }

    @Test
    void aWaitingThreadOfOneNodeGetsTheLockWhenAnotherThreadOfItUnlocks() {
        node().run(a -> {
            Lock lock = registry(a).obtain(key);
            lock.lock();
            CountDownLatch started = new CountDownLatch(1);
            Future<Boolean> waited = threads.submit(() -> {
                started.countDown();
                boolean held = lock.tryLock(STUCK_SECONDS, TimeUnit.SECONDS);
                lock.unlock();
                return held;
            });
            started.await();
            lock.unlock();
            assertThat(waited.get(STUCK_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(heldOnServer(a)).isFalse();
        });
    }

    @Test
    void executeLockedWithADurationTimesOutWhileTheOtherNodeHolds() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            onA.lock();
            assertThatThrownBy(() -> registry(b).executeLocked(key, Duration.ofMillis(100), () -> { }))
                    .isInstanceOf(TimeoutException.class);
            onA.unlock();
            assertThat(registry(b).executeLocked(key, Duration.ofSeconds(STUCK_SECONDS),
                    (CheckedCallable<Boolean, SQLException>) () -> heldOnServer(a))).isTrue();
            assertThat(heldOnServer(a)).isFalse();
        }));
    }

    @Test
    void aLockWhoseSessionEndedIsReportedByUnlockWhichStillGivesUpTheThreadsOwnership() {
        node().run(a -> node().run(b -> {
            Lock onA = registry(a).obtain(key);
            onA.lock();
            killHolder(observer, a.getBean(DataSourceLocks.class), key);
            assertThat(heldOnServer(a)).isFalse();
            assertThatThrownBy(onA::unlock).isInstanceOf(LockLostException.class).hasMessageContaining(key);
            assertThat(registry(a)).hasToString("DlockLockRegistry[" + dialect() + ", keys in use: 0]");
            Lock onB = registry(b).obtain(key);
            assertThat(onB.tryLock()).isTrue();
            assertThat(onA.tryLock()).isFalse();
            onB.unlock();
            assertThat(onA.tryLock()).isTrue(); // node A locks again, on another connection
            onA.unlock();
            assertThat(heldOnServer(a)).isFalse();
        }));
    }

    @Test
    void badKeysAndConditionsAreRefusedBeforeAnyLock() {
        node().run(a -> {
            LockRegistry registry = registry(a);
            assertThatThrownBy(() -> registry.obtain(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> registry.obtain(42)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.Integer");
            assertThatThrownBy(() -> registry.obtain("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> registry.obtain(key).newCondition())
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> registry.obtain(key).tryLock(1, null)).isInstanceOf(NullPointerException.class);
            assertThat(heldOnServer(a)).isFalse();
            assertThat(registry).hasToString("DlockLockRegistry[" + dialect() + ", keys in use: 0]");
        });
    }

    private static LockRegistry registry(AssertableApplicationContext context) {
        return context.getBean(LockRegistry.class);
    }

    private boolean heldOnServer(AssertableApplicationContext context) throws SQLException {
        return heldOnServer(observer, context.getBean(DataSourceLocks.class), key);
    }

    private int waitersOnServer(AssertableApplicationContext context) throws SQLException {
        return waitersOnServer(observer, context.getBean(DataSourceLocks.class), key);
    }

    /** Asks the server until {@code count} sessions wait for the key. */
    private void awaitWaiters(AssertableApplicationContext context, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STUCK_SECONDS);
        while (waitersOnServer(context) != count) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the server never showed " + count + " waiter(s) for " + key);
            }
        }
    }
}
