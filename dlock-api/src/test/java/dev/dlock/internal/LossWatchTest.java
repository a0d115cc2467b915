package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockOptions;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import dev.dlock.internal.FakeDialects.FakeConnection;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The watch's timing and threads, around a dialect whose server can fall silent: a check that gets no answer
 * blocks until its connection is aborted, as a driver's read on a silent socket does. What the watch does on
 * real servers and real silent links is tested in each dialect's module.
 */
class LossWatchTest {
    private static final long SANITY_SECONDS = 30;

    /** A connection whose server answers whether the lock is held, says no, or falls silent. */
    static final class Server {
        volatile boolean holds = true;
        volatile boolean silent;
        volatile boolean failing;
        final CountDownLatch aborted = new CountDownLatch(1);
        final AtomicInteger checks = new AtomicInteger();
        volatile boolean closed;
        final Connection connection = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Connection.class}, (self, method, args) -> switch (method.getName()) {
                    case "isClosed" -> closed;
                    case "getAutoCommit" -> true;
                    case "getNetworkTimeout" -> 0;
                    case "getMetaData" -> new FakeConnection("FakeDB", "1.0").connection.getMetaData();
                    case "abort" -> {
                        ((Executor) args[0]).execute(() -> {
                            closed = true;
                            aborted.countDown();
                        });
                        yield null;
                    }
                    case "unwrap" -> self;
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    case "toString" -> "Server";
                    default -> throw new UnsupportedOperationException(method.getName());
                });

        boolean isHeld() throws SQLException {
            checks.incrementAndGet();
            if (silent) {
                try {
                    if (!aborted.await(SANITY_SECONDS, TimeUnit.SECONDS)) {
                        throw new AssertionError("the silent connection was never aborted");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new SQLException("An I/O error occurred: the socket was closed", "08006");
            }
            if (closed) {
                throw new SQLException("This connection has been closed.", "08003");
            }
            if (failing) {
                throw new SQLException("current transaction is aborted", "25P02");
            }
            return holds;
        }

        DistributedLock lock(String key) {
            DialectLock dialect = new DialectLock() {
                @Override
                public Object databaseKey() {
                    return key;
                }

                @Override
                public boolean request(Connection connection, LockRequest request) {
                    return true;
                }

                @Override
                public boolean unlock(Connection connection) {
                    return holds;
                }

                @Override
                public boolean isHeld(Connection connection) throws SQLException {
                    return Server.this.isHeld();
                }
            };
            return new JdbcDistributedLock(connection, ConnectionState.of(connection), "ScriptDB", LockKey.of(key),
                    LockOptions.DEFAULT, dialect).acquire();
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future) throws Exception {
        return future.get(SANITY_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aCheckWithoutAnAnswerWithinItsBoundDeclaresTheLockLostAndAbortsTheConnection() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("silent");
        server.silent = true;
        LockWatch watch = lock.watch(WatchOptions.every(Duration.ofMillis(20)).confirmWithin(Duration.ofMillis(10)),
                lost -> { });

        assertThat(await(watch.lost())).isSameAs(lock);
        assertThat(server.aborted.await(SANITY_SECONDS, TimeUnit.SECONDS)).as("connection aborted").isTrue();
        assertThat(watch.loss()).hasValueSatisfying(loss -> assertThat(loss.reason()).isEqualTo(Reason.UNCONFIRMED));
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class)
                .hasMessageContaining("declared lost").hasMessageContaining("not confirmed by the server within 10.0 ms")
                .satisfies(e -> assertThat(((LockLostException) e).reason()).isEqualTo(Reason.UNCONFIRMED));
        assertThatThrownBy(lock::release).as("reported once").isInstanceOf(dev.dlock.LockNotHeldException.class);
    }

    @Test
    void aNoFromTheServerIsNotHeldAndLeavesTheConnectionOpen() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("taken-away");
        server.holds = false;
        // the first check runs at once; a bound far above a loaded machine's scheduling delay, so the answer is
        // the server's "no" and not a missed bound
        LockWatch watch = lock.watch(Duration.ofSeconds(1), lost -> { });
        await(watch.lost());
        assertThat(watch.loss().orElseThrow().reason()).isEqualTo(Reason.NOT_HELD);
        assertThat(server.closed).isFalse();
        assertThatThrownBy(lock::close).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(((LockLostException) e).reason()).isEqualTo(Reason.NOT_HELD));
    }

    /**
     * The check that declares the loss tells at once, not at the next tick: the cadence here is longer than the
     * test waits.
     */
    @Test
    void theCheckThatDeclaresTheLossTellsItAtOnce() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("gone");
        server.holds = false;
        CountDownLatch listened = new CountDownLatch(1);
        LockWatch watch = lock.watch(Duration.ofMinutes(5), lost -> listened.countDown());
        assertThat(await(watch.lost())).isSameAs(lock);
        assertThat(listened.getCount()).as("the listener ran before lost() completed").isZero();
        assertThat(watch).hasToString("watch of " + lock + ", every PT5M, confirmed within PT5M, lost: NOT_HELD");
    }

    @Test
    void theDeadlineThatDeclaresTheLossTellsItAtOnce() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("silent");
        server.silent = true;
        LockWatch watch = lock.watch(WatchOptions.every(Duration.ofMinutes(5)).confirmWithin(Duration.ofMillis(50)),
                lost -> { });
        assertThat(watch.toString()).doesNotContain("lost");
        assertThat(await(watch.lost())).isSameAs(lock);
        assertThat(watch.loss().orElseThrow().reason()).isEqualTo(Reason.UNCONFIRMED);
    }

    @Test
    void aWatchToldOfALossAnotherWatchDeclared() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("twice");
        LockWatch slow = lock.watch(Duration.ofMillis(200), lost -> { });
        // past the slow watch's first check: its start is on the timer, then the check on the lane, and a question
        // on the lane answers after it
        CountDownLatch started = new CountDownLatch(1);
        CheckThreads.TIMER.execute(started::countDown);
        assertThat(started.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isTrue();
        LockWatch quick = lock.watch(Duration.ofMillis(5), lost -> { });
        server.holds = false;
        assertThat(await(quick.lost())).isSameAs(lock);
        assertThat(await(slow.lost())).as("told at its next tick").isSameAs(lock);
        assertThat(slow.loss()).isEqualTo(quick.loss());
    }

    /**
     * A lock released normally and taken again before its old watch's next tick: the old watch ends with the hold
     * it watched, and is not told of the loss of the next one (its lost() "never completes if the lock is released
     * normally").
     */
    @Test
    void aWatchEndsWithItsHoldAndIsNotToldOfALossOfTheNextOne() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("again");
        Duration cadence = Duration.ofMillis(200);
        LockWatch old = lock.watch(cadence, lost -> { });
        lock.release();
        lock.acquire();
        LockWatch current = lock.watch(cadence, lost -> { });
        server.holds = false;
        assertThat(await(current.lost())).isSameAs(lock);
        // the timer is one thread, and runs what is due in order: past this, the old watch's next tick has run
        CountDownLatch pastTheNextTick = new CountDownLatch(1);
        CheckThreads.TIMER.schedule(pastTheNextTick::countDown, cadence.toNanos() + TimeUnit.MILLISECONDS.toNanos(20),
                TimeUnit.NANOSECONDS);
        assertThat(pastTheNextTick.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(old.loss()).as("the old watch was not told").isEmpty();
        assertThat(old.lost()).isNotDone();
    }

    @Test
    void aFailedCheckIsNotIgnoredButDeclaredUnconfirmedAndTheConnectionAborted() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("failing");
        // a bound far above a loaded machine's scheduling delay: the loss is the failed answer's, not a missed bound
        LockWatch watch = lock.watch(Duration.ofMillis(500), lost -> { });
        server.failing = true;
        await(watch.lost());
        assertThat(watch.loss().orElseThrow().reason()).isEqualTo(Reason.UNCONFIRMED);
        assertThat(watch.loss().orElseThrow()).hasRootCauseMessage("current transaction is aborted");
        assertThat(server.aborted.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aStuckCheckDelaysNoOtherWatchAndASlowListenerNoOtherListener() throws Exception {
        Server stuck = new Server();
        DistributedLock stuckLock = stuck.lock("stuck");
        stuck.silent = true;
        CountDownLatch slowListenerRuns = new CountDownLatch(1);
        CountDownLatch releaseSlowListener = new CountDownLatch(1);
        // a long bound: the stuck check (the first starts at once) stays stuck for the whole test
        LockWatch stuckWatch = stuckLock.watch(WatchOptions.every(Duration.ofSeconds(SANITY_SECONDS)), lost -> { });
        await(java.util.concurrent.CompletableFuture.runAsync(() -> {
            while (stuck.checks.get() == 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }));

        Server slow = new Server();
        DistributedLock slowLock = slow.lock("slow");
        slowLock.watch(Duration.ofMillis(5), lost -> {
            slowListenerRuns.countDown();
            try {
                releaseSlowListener.await(SANITY_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slow.holds = false;
        assertThat(slowListenerRuns.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();

        Server killed = new Server();
        DistributedLock killedLock = killed.lock("killed");
        LockWatch killedWatch = killedLock.watch(Duration.ofMillis(5), lost -> { });
        killed.holds = false;
        assertThat(await(killedWatch.lost())).isSameAs(killedLock);
        assertThat(stuckWatch.lost()).as("the stuck one is still waiting for its deadline").isNotDone();
        assertThat(stuck.aborted.getCount()).isEqualTo(1);
        releaseSlowListener.countDown();
        stuckWatch.close();
        stuck.silent = false;
        stuck.aborted.countDown(); // frees the stuck check's thread
    }

    @Test
    void aBoundedQuestionOnASilentConnectionThrowsWithinItsBoundAndAbortsIt() throws Exception {
        Server held = new Server();
        DistributedLock lock = held.lock("asked");
        held.silent = true;
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofMillis(50))).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(((LockLostException) e).reason()).isEqualTo(Reason.UNCONFIRMED));
        assertThat(held.aborted.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.isLocked()).isFalse();

        Server notHeld = new Server();
        DistributedLock other = notHeld.lock("other");
        other.release();
        notHeld.silent = true;
        assertThatThrownBy(() -> other.isHeldOnServer(Duration.ofMillis(50)))
                .isExactlyInstanceOf(DistributedLockException.class).hasMessageContaining("did not answer within 50.0 ms");
        assertThat(notHeld.aborted.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aBoundedQuestionWaitsForACallStuckOnTheSameLockNoLongerThanItsBound() throws Exception {
        Server server = new Server();
        DistributedLock lock = server.lock("busy");
        server.silent = true;
        // the watch's check gets stuck first and holds the lock object's turn
        lock.watch(WatchOptions.every(Duration.ofSeconds(SANITY_SECONDS)).confirmWithin(Duration.ofSeconds(20)),
                lost -> { });
        await(java.util.concurrent.CompletableFuture.runAsync(() -> {
            while (server.checks.get() == 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }));
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofMillis(50))).isInstanceOf(LockLostException.class);
        assertThat(server.aborted.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * On a session only dlock uses, the watches of one cadence fall due together, on a grid of the cadence, and one
     * statement answers them all: four locks cost about one statement a tick, not four.
     */
    @Test
    void watchesOfOneCadenceOnASessionOnlyDlockUsesShareEachTicksStatement() throws Exception {
        Server shared = new Server();
        ConnectionState.of(shared.connection).ownedByDlock(true);
        Server alone = new Server(); // one lock: one statement a tick, the count of ticks
        Duration cadence = Duration.ofMillis(50);
        List<LockWatch> watches = new ArrayList<>();
        for (String key : List.of("a", "b", "c", "d")) {
            watches.add(shared.lock(key).watch(cadence, lost -> { }));
            // started at different points of the cadence, the watches still fall due together (not a wait for
            // anything: the spread is the point)
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(11));
        }
        watches.add(alone.lock("x").watch(cadence, lost -> { }));
        int ticks;
        int statements;
        try {
            await(java.util.concurrent.CompletableFuture.runAsync(() -> {
                while (alone.checks.get() < 12) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }));
            ticks = alone.checks.get();
            statements = shared.checks.get();
            // an answer covers only the checks due before it began: a loss after it is still found, by each
            shared.holds = false;
            for (LockWatch watch : watches.subList(0, 4)) {
                assertThat(await(watch.lost())).isNotNull();
            }
        } finally {
            watches.forEach(LockWatch::close);
        }
        // each first check runs as its watch starts, off the grid; then about one a tick (a late tick may cost one
        // more); four a tick if each lock asked for itself
        assertThat(statements).as("statements for four locks over %d ticks", ticks)
                .isLessThanOrEqualTo(4 + 2 * ticks);
    }

    @Test
    void aThousandWatchesOnTwentyConnectionsUseAThreadPerConnectionAtMost() throws Exception {
        int connections = 20;
        int locksEach = 50;
        int rounds = 5;
        List<Server> servers = new ArrayList<>();
        List<LockWatch> watches = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Server server = new Server();
            servers.add(server);
            for (int k = 0; k < locksEach; k++) {
                watches.add(server.lock("k" + k).watch(Duration.ofMillis(20), lost -> { }));
            }
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger peak = new AtomicInteger();
        // a sample a millisecond: each one stops every thread for a moment (Thread.getAllStackTraces)
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                peak.accumulateAndGet(watchThreads(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        });
        sampler.start();
        try {
            await(java.util.concurrent.CompletableFuture.runAsync(() -> {
                while (servers.stream().mapToInt(s -> s.checks.get()).min().orElse(0) < rounds * locksEach) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }));
        } finally {
            done.set(true);
            sampler.join();
            watches.forEach(LockWatch::close);
        }
        System.out.println("[dlock-reliability] LossWatchTest: " + watches.size() + " watches on " + connections
                + " connections, every 20 ms: at most " + peak.get() + " dlock-watch threads alive at once");
        assertThat(watches).allSatisfy(w -> assertThat(w.lost()).isNotDone());
        // a lane thread per connection, the timer, and pool threads caught between two tasks: the count follows
        // the connections, never the thousand watches
        assertThat(peak.get()).isLessThanOrEqualTo(3 * connections + 2);
    }

    private static int watchThreads() {
        int count = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("dlock-watch")) {
                count++;
            }
        }
        return count;
    }
}
