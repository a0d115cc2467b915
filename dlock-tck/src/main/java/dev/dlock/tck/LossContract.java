package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlock.DistributedLock;
import dev.dlock.LockLostException;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.WatchOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lock loss on a silent link, on a real database: the holder's connection goes through a {@link FreezingProxy},
 * which can stop forwarding both ways while closing nothing (what a cut link, a dead NAT entry or a paused
 * middlebox looks like to both ends; the server's session stays alive).
 *
 * <p>What it proves:
 * <ul>
 *   <li>a frozen holder's watch declares the loss ({@link Reason#UNCONFIRMED}) within its loss bound, aborts the
 *       connection, and {@code release()} reports it; once the link is back the aborted session ends and the lock
 *       is free;</li>
 *   <li>a check stuck on a frozen link hides no other lock's loss: another watch in the same JVM reports its
 *       killed session while the stuck one waits for its deadline;</li>
 *   <li>{@code isHeldOnServer(bound)} on a frozen link throws within its bound instead of hanging;</li>
 *   <li>a thousand watches on ten connections use a handful of threads;</li>
 *   <li>a holder paused with {@code SIGSTOP} keeps its lock past its lease (the kernel still answers the
 *       server's keepalives): nobody else is granted it for twice the lease;</li>
 *   <li>{@code isHeldOnServer()} follows the lock and tells this session's hold from another's, a watch needs a held
 *       lock and a sane cadence, and a session killed by an administrator frees the lock to a waiter while the
 *       holder's watch tells and {@code release()} throws {@link LockLostException}.</li>
 * </ul>
 */
public abstract class LossContract extends DialectFixture {
    private FreezingProxy proxy;
    private String proxiedUrl;
    private final List<Connection> proxied = new ArrayList<>();

    /** @return the database's URL through the test's {@link FreezingProxy}, started at the first call */
    private String proxiedUrl() throws Exception {
        if (proxy == null) {
            startProxy();
        }
        return proxiedUrl;
    }

    private void startProxy() throws Exception {
        String url = dialect().database().jdbcUrl().orElse(null);
        assumeTrue(url != null, "the database is not reached by a JDBC URL");
        Optional<InetSocketAddress> target = JdbcUrls.tcpAddress(url);
        assumeTrue(target.isPresent(), "no single TCP host in the database's URL");
        proxy = FreezingProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), target.get());
        proxiedUrl = JdbcUrls.at(url, proxy.address());
    }

    @AfterEach
    void stopProxy() throws Exception {
        // the proxy first: its closed sockets end every read stuck on the frozen link
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
        // then abort, off this thread: a driver's abort may wait for such a read to end (the MariaDB driver does)
        proxied.forEach(FreezingProxy::abortInBackground);
        proxied.clear();
    }

    /** @return a connection through the test's {@link FreezingProxy} (started at the first call), aborted after the test */
    protected Connection connectThroughProxy() throws Exception {
        Connection connection = DriverManager.getConnection(proxiedUrl());
        proxied.add(connection);
        return connection;
    }

    private static Reason reasonOf(Throwable e) {
        return ((LockLostException) e).reason();
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    @Test
    void aFrozenHoldersWatchDeclaresTheLossWithinItsBoundAndTheSessionEndsWhenTheLinkIsBack() throws Exception {
        Connection holding = connectThroughProxy();
        long session = dialect().sessionId(holding);
        DistributedLock lock = Locks.forConnection(holding, uniqueKey()).acquire();
        WatchOptions options = WatchOptions.every(Duration.ofMillis(200)).confirmWithin(Duration.ofMillis(100));
        CompletableFuture<Long> toldAt = new CompletableFuture<>();
        LockWatch watch = lock.watch(options, lost -> toldAt.complete(System.nanoTime()));

        long frozenAt = System.nanoTime();
        proxy.freeze();
        tally.fault();
        assertThat(watch.lost().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(lock);
        long told = toldAt.get() - frozenAt;
        tally.print("freeze to loss callback "
                + millis(told) + " (loss bound " + options.lossBound().toMillis() + " ms)");
        assertThat(Duration.ofNanos(told)).isLessThan(options.lossBound().plus(SANITY));
        assertThat(watch.loss()).hasValueSatisfying(loss -> assertThat(loss.reason()).isEqualTo(Reason.UNCONFIRMED));
        assertThat(lock.isLocked()).isFalse();
        assertThat(dialect().isHeldBy(observer, lock.databaseKey(), session))
                .as("the server still holds it: the link is only silent").isTrue();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.UNCONFIRMED));

        proxy.thaw(); // the abort's close reaches the server: the session ends, and the lock with it
        awaitServer("the aborted session's lock freed", () -> !dialect().isLockedOnServer(observer, lock.databaseKey()));
    }

    @Test
    void aPooledLockOnAFrozenLinkIsDeclaredLostAsItself() throws Exception {
        DistributedLock pooled = Locks.forDataSource(new TestDataSource(TestDatabase.atUrl(proxiedUrl(), "through the"
                + " freezing proxy"))).lock(uniqueKey()).acquire();
        LockWatch watch = pooled.watch(WatchOptions.every(Duration.ofMillis(100)), lost -> { });
        proxy.freeze();
        tally.fault();
        assertThat(watch.lost().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(pooled);
        assertThat(pooled.isLocked()).isFalse();
        assertThatThrownBy(pooled::release).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.UNCONFIRMED));
        assertThatThrownBy(pooled::release).isInstanceOf(dev.dlock.LockNotHeldException.class);
    }

    @Test
    void aCheckStuckOnAFrozenLinkHidesNoOtherLocksLoss() throws Exception {
        Connection frozen = connectThroughProxy();
        DistributedLock stuck = Locks.forConnection(frozen, uniqueKey()).acquire();
        proxy.freeze();
        // the first check starts at once and stays stuck until its bound, long after this test
        LockWatch stuckWatch = stuck.watch(WatchOptions.every(SANITY.multipliedBy(2)), lost -> { });

        Connection direct = connect();
        long session = dialect().sessionId(direct);
        DistributedLock other = Locks.forConnection(direct, uniqueKey()).acquire();
        LockWatch otherWatch = other.watch(Duration.ofMillis(500), lost -> { });
        dialect().killSession(observer, session);
        tally.fault();

        assertThat(otherWatch.lost().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(other);
        assertThat(otherWatch.loss().orElseThrow().reason()).isIn(Reason.SESSION_ENDED, Reason.NOT_HELD);
        assertThat(stuckWatch.lost()).as("the stuck check waits for its own deadline").isNotDone();
        stuckWatch.close();
    }

    @Test
    void aBoundedQuestionOnAFrozenLinkThrowsWithinItsBound() throws Exception {
        Connection holding = connectThroughProxy();
        DistributedLock lock = Locks.forConnection(holding, uniqueKey()).acquire();
        proxy.freeze();
        tally.fault();
        long start = System.nanoTime();
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofMillis(300))).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.UNCONFIRMED));
        long took = System.nanoTime() - start;
        tally.print("isHeldOnServer(300 ms) on a frozen"
                + " link threw after " + millis(took));
        assertThat(Duration.ofNanos(took)).isLessThan(SANITY);
        awaitServer("the connection aborted", holding::isClosed);
    }

    @Test
    void aThousandWatchesOnTenConnectionsUseAFewThreads() throws Exception {
        int connections = 10;
        int locksEach = 100;
        List<DistributedLock> locks = new ArrayList<>();
        List<Connection> connectionOf = new ArrayList<>();
        List<LockWatch> watches = new ArrayList<>();
        int before = watchThreads(); // idle pool threads of earlier tests, which the watches may reuse
        for (int c = 0; c < connections; c++) {
            Connection connection = connect();
            for (int k = 0; k < locksEach; k++) {
                locks.add(Locks.forConnection(connection, uniqueKey()).acquire());
                connectionOf.add(connection);
            }
        }
        // every 5 s: each check is one query, and on PostgreSQL it reads the server's whole lock table (pg_locks,
        // a thousand locks here), so a thousand checks cost about 2 s of server CPU on a 2-core machine; at one
        // check a second the queued checks outran a 1 s bound
        for (DistributedLock lock : locks) {
            watches.add(lock.watch(Duration.ofSeconds(5), lost -> { }));
        }
        // an observation window of 6 s: every watch checks twice (at once, and a cadence later)
        int peak = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        while (System.nanoTime() < end) {
            peak = Math.max(peak, watchThreads());
            // a sample a millisecond: each one stops every thread for a moment (Thread.getAllStackTraces)
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        watches.forEach(LockWatch::close);
        // a watch may only have declared a loss for a connection that really ended under it
        int endedUnderIt = 0;
        for (int i = 0; i < watches.size(); i++) {
            LockWatch watch = watches.get(i);
            if (watch.lost().isDone()) {
                assertThat(watch.loss().orElseThrow().reason()).as("%s, %s", watch,
                        causes(watch.loss().orElseThrow())).isEqualTo(Reason.SESSION_ENDED);
                assertThat(connectionOf.get(i).isClosed()).as("%s: its connection is closed", watch).isTrue();
                endedUnderIt++;
            }
        }
        tally.print(watches.size()
                + " watches on " + connections + " connections, every 5 s for 6 s: at most " + peak
                + " dlock-watch threads alive at once (" + before + " before); " + endedUnderIt
                + " declared lost because their connection ended under them");
        assertThat(dialect().isLockedOnServer(observer, locks.get(locks.size() - 1).databaseKey())).isTrue();
        // a thread per connection with checks under way, the timer, and pool threads caught between two tasks:
        // the count follows the connections, never the thousand watches
        assertThat(peak).isLessThanOrEqualTo(Math.max(before, 3 * connections + 2));
        for (int i = 0; i < locks.size(); i++) {
            if (!connectionOf.get(i).isClosed()) {
                locks.get(i).release();
            }
        }
    }

    @Test
    void aPausedHolderKeepsItsLockLongerThanItsLease() throws Exception {
        String url = dialect().database().jdbcUrl().orElseThrow();
        String key = uniqueKey();
        Duration lease = Duration.ofSeconds(2);
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HolderProcess.class.getName(), url, key, Long.toString(lease.toMillis())).redirectErrorStream(true)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("the holder process's first line").startsWith("held");
            DistributedLock contender = Locks.forConnection(connect(), key);
            signal(holder, "STOP");
            tally.fault();
            try {
                assertThat(contender.tryAcquire(lease.multipliedBy(2)))
                        .as("a contender granted the paused holder's lock").isFalse();
            } finally {
                signal(holder, "CONT");
            }
            holder.getOutputStream().close(); // the holder releases and exits
            assertThat(holder.waitFor(SANITY.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(contender.tryAcquire(SANITY)).isTrue();
            contender.release();
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void isHeldOnServerFollowsTheLock() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        assertThat(lock.isHeldOnServer()).isFalse();
        lock.acquire();
        assertThat(lock.isHeldOnServer()).isTrue();
        lock.release();
        assertThat(lock.isHeldOnServer()).isFalse();
    }

    @Test
    void anotherConnectionsHoldIsNotOurs() throws Exception {
        String key = uniqueKey();
        Locks.forConnection(connect(), key).acquire();
        assertThat(Locks.forConnection(connect(), key).isHeldOnServer()).isFalse();
    }

    @Test
    void watchRequiresAHeldLockAndASaneCadence() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        assertThatThrownBy(() -> lock.watch(Duration.ofMillis(10), l -> { })).isInstanceOf(IllegalStateException.class);
        lock.acquire();
        assertThatThrownBy(() -> lock.watch(Duration.ZERO, l -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.watch(Duration.ofMillis(10), null)).isInstanceOf(NullPointerException.class);
        lock.release();
    }

    @Test
    void killedSessionFreesTheLockAndTheWatchTells() throws Exception {
        String key = uniqueKey();
        Connection holding = connect();
        DistributedLock holder = Locks.forConnection(holding, key);
        holder.acquire();
        CountDownLatch told = new CountDownLatch(1);
        LockWatch watch = holder.watch(Duration.ofMillis(500), lost -> told.countDown());
        DistributedLock waiter = Locks.forConnection(connect(), key);
        Future<Boolean> waiting = inThread(() -> waiter.tryAcquire(SANITY));
        awaitWaiter(holder);
        dialect().killSession(observer, dialect().sessionId(holding));
        assertThat(result(waiting)).as("a waiter gets the freed lock").isTrue();
        assertThat(watch.lost().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(holder);
        assertThat(told.await(SANITY.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(holder::release).isInstanceOf(LockLostException.class);
        assertThat(holder.isLocked()).isFalse();
        waiter.release();
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(SANITY.toSeconds(), TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -" + signal).isTrue();
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
