package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Faults, on a real database: what happens to holders, waiters and the caller's transaction when sessions are
 * killed, the server stops, threads are interrupted or requests cancelled in storms, and statements fail. It
 * extends {@link LossContract}'s killed holder with a waiter and a watch, and {@link WaitingContract}'s transaction
 * tests (a timed-out and an interrupted session-lock wait), without repeating them.
 *
 * <p>What it proves:
 * <ul>
 *   <li>a killed holder's lock goes to exactly one waiter; the old holder's {@code release()} and {@code close()}
 *       are {@link LockLostException}s; a killed waiter gets a {@link DistributedLockException} that keeps the
 *       driver's SQLException, holds nothing, and leaves the holder's lock alone;</li>
 *   <li>a timed-out attempt that races a release never leaves the lock held behind a {@code false};</li>
 *   <li>a server stopped under a waiter ends the wait with a {@link DistributedLockException} within the driver's
 *       socket timeout (in auto-commit and inside a transaction), leaves no thread blocked, and new locks work once
 *       it is started again;</li>
 *   <li>after storms of interrupts and of {@link CompletableFuture#cancel} on 16 waiters (own connections), no lock
 *       is held, nobody waits, every connection answers and can lock again, and no two holders ever overlapped;
 *       the same storms through a pool ({@link Locks#forDataSource}, where requests that do not wait share
 *       connections) leave every connection back in the pool;</li>
 *   <li>a killed session that several pooled locks share hands each of its keys to exactly one waiter, and each
 *       of its holders' {@code release()} is a {@link LockLostException};</li>
 *   <li>a timed-out acquire in every supported mode and scope, and a release that fails (lost behind dlock's back,
 *       or a statement the driver fails to send), leave the caller's transaction able to commit its rows, and
 *       dlock makes no commit, rollback or auto-commit call of its own.</li>
 * </ul>
 */
public abstract class FaultContract extends DialectFixture {
    private static final int STORM_WORKERS = 16;
    private static final int STORM_ATTEMPTS = 20;
    /** Timed-out attempts that race a release: each one a chance for a grant to hide behind a 'false'. */
    private static final int RACING_TIMEOUTS = 150;
    private static final String PROBE = "dlock_fault_probe";
    /** The longest pause between two blows of a storm. */
    private static final long STORM_SPACING_NANOS = TimeUnit.MICROSECONDS.toNanos(400);

    private DistributedLock lockOn(Connection connection, String key) {
        return Locks.forConnection(connection, key);
    }

    private Object databaseKey(String key) throws SQLException {
        return Locks.forConnection(observer, key).databaseKey();
    }

    private void awaitWaiters(String key, int count) throws Exception {
        Object databaseKey = databaseKey(key);
        awaitServer(count + " sessions waiting for " + key, () -> dialect().waitersOnServer(observer, databaseKey) == count);
    }

    @Test
    void killedHolderWithoutAWatchFindsItsLockLostOnReleaseAndOnClose() throws Exception {
        String releasedKey = uniqueKey();
        String closedKey = uniqueKey();
        Connection first = connect();
        Connection second = connect();
        DistributedLock released = lockOn(first, releasedKey);
        DistributedLock closed = lockOn(second, closedKey);
        released.acquire();
        closed.acquire();
        dialect().killSession(observer, dialect().sessionId(first));
        tally.fault();
        dialect().killSession(observer, dialect().sessionId(second));
        tally.fault();
        awaitServer("the killed sessions' locks gone", () -> !dialect().isLockedOnServer(observer, released.databaseKey())
                && !dialect().isLockedOnServer(observer, closed.databaseKey()));
        assertThatThrownBy(released::release).isInstanceOf(LockLostException.class)
                .hasMessageContaining(released.key().toString());
        assertThatThrownBy(closed::close).isInstanceOf(LockLostException.class);
        assertThat(released.isLocked()).isFalse();
        assertThat(closed.isLocked()).isFalse();
        assertThat(released.isHeldOnServer()).isFalse();
        DistributedLock next = lockOn(connect(), releasedKey);
        assertThat(next.tryAcquire()).as("the key is free for a new session").isTrue();
        next.release();
    }

    @Test
    void killedHolderHandsTheLockToExactlyOneOfManyWaiters() throws Exception {
        String key = uniqueKey();
        Connection holding = connect();
        long holdingSession = dialect().sessionId(holding);
        lockOn(holding, key).acquire();
        int waiters = 4;
        CompletionService<DistributedLock> granted = new ExecutorCompletionService<>(threads);
        for (int i = 0; i < waiters; i++) {
            DistributedLock waiter = lockOn(connect(), key);
            granted.submit(() -> waiter.tryAcquire(SANITY) ? waiter : null);
        }
        awaitWaiters(key, waiters);
        dialect().killSession(observer, holdingSession);
        tally.fault();
        for (int remaining = waiters - 1; remaining >= 0; remaining--) {
            Future<DistributedLock> next = granted.poll(SANITY.toSeconds(), TimeUnit.SECONDS);
            assertThat(next).as("a waiter was granted the lock").isNotNull();
            DistributedLock holder = next.get();
            assertThat(holder).as("granted, not timed out").isNotNull();
            assertThat(dialect().waitersOnServer(observer, holder.databaseKey())).as("still waiting").isEqualTo(remaining);
            assertThat(granted.poll()).as("no second waiter granted beside the holder").isNull();
            tally.grants(1);
            holder.release();
        }
        assertThat(dialect().isLockedOnServer(observer, databaseKey(key))).isFalse();
    }

    @Test
    void killedWaiterGetsAClearErrorAndTheHolderKeepsItsLock() throws Exception {
        String key = uniqueKey();
        Connection holding = connect();
        long holdingSession = dialect().sessionId(holding);
        DistributedLock holder = lockOn(holding, key);
        holder.acquire();
        Connection waiting = connect();
        long waitingSession = dialect().sessionId(waiting);
        DistributedLock waiter = lockOn(waiting, key);
        Future<RuntimeException> outcome = threads.submit(() -> {
            try {
                waiter.acquire();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        awaitWaiters(key, 1);
        dialect().killSession(observer, waitingSession);
        tally.fault();
        RuntimeException failure = outcome.get(SANITY.toSeconds(), TimeUnit.SECONDS);
        assertThat(failure).as("the killed wait fails, neither granted nor 'interrupted'")
                .isExactlyInstanceOf(DistributedLockException.class)
                .hasMessageContaining(waiter.key().toString());
        assertThat(waiter.isLocked()).isFalse();
        // a killed session can stay in the server's process list for a moment after its client saw the error
        awaitWaiters(key, 0);
        assertThat(dialect().isHeldBy(observer, holder.databaseKey(), holdingSession)).as("the holder keeps it").isTrue();
        holder.release();
        assertThat(dialect().isLockedOnServer(observer, holder.databaseKey())).isFalse();
    }

    @Test
    void timedOutAttemptsRacingAReleaseNeverLeaveTheLockHeld() throws Exception {
        String key = uniqueKey();
        Connection churning = connect();
        Connection trying = connect();
        long tryingSession = dialect().sessionId(trying);
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> churn = threads.submit(() -> {
            DistributedLock holder = lockOn(churning, key);
            int cycles = 0;
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop.get()) {
                if (holder.tryAcquire(Duration.ofMillis(50))) {
                    // hold for 0 to 4 ms, around the other side's 1 to 3 ms waits: many of them time out, and
                    // some as the release lands (work inside the lock, not a wait for anything)
                    LockSupport.parkNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(4)));
                    holder.release();
                    cycles++;
                }
            }
            return cycles;
        });
        int answeredFalse = 0;
        try {
            for (int i = 0; i < 5_000 && answeredFalse < RACING_TIMEOUTS; i++) {
                DistributedLock attempt = lockOn(trying, key);
                if (attempt.tryAcquire(Duration.ofMillis(1 + i % 3))) {
                    attempt.release();
                } else {
                    answeredFalse++;
                    // a grant that raced the timeout must not stay behind a 'false'
                    assertThat(dialect().isHeldBy(observer, attempt.databaseKey(), tryingSession))
                            .as("attempt " + i + " answered false but its session holds the lock").isFalse();
                }
            }
        } finally {
            stop.set(true);
        }
        assertThat(churn.get(SANITY.toSeconds(), TimeUnit.SECONDS)).isPositive();
        tally.faults(answeredFalse);
        tally.print(answeredFalse + " timed-out attempts raced a release; none left the lock held");
        assertThat(answeredFalse).as("timed-out attempts within 5,000 tries (the race this test is for)")
                .isEqualTo(RACING_TIMEOUTS);
        assertThat(dialect().isLockedOnServer(observer, databaseKey(key))).isFalse();
    }

    @Test
    void stoppedServerFailsItsWaitersAndNewLocksWorkAfterRestart() throws Exception {
        Path directory = WorkDirectory.of("restartable").resolve(getClass().getSimpleName() + "-" + System.nanoTime());
        try (RestartableServer server = dialect().startRestartableServer(directory)) {
            TestDatabase database = server.database();
            String key = uniqueKey();
            Connection watching = closedAfterTest(database.connect());
            Connection holding = closedAfterTest(database.connect());
            Connection waitingInAutoCommit = closedAfterTest(database.connect());
            Connection waitingInTransaction = closedAfterTest(database.connect());
            waitingInTransaction.setAutoCommit(false);
            DistributedLock holder = lockOn(holding, key);
            holder.acquire();
            ExecutorService waiters = Executors.newFixedThreadPool(2);
            List<Future<RuntimeException>> outcomes = new ArrayList<>();
            for (Connection waiting : List.of(waitingInAutoCommit, waitingInTransaction)) {
                DistributedLock waiter = lockOn(waiting, key);
                outcomes.add(waiters.submit(() -> {
                    try {
                        waiter.acquire();
                        return null;
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            Object databaseKey = holder.databaseKey();
            awaitServer("two waiters", () -> dialect().waitersOnServer(watching, databaseKey) == 2);
            long stopped = System.nanoTime();
            server.stop();
            tally.fault();
            for (Future<RuntimeException> outcome : outcomes) {
                RuntimeException failure = outcome.get(server.socketTimeout().plus(SANITY).toSeconds(), TimeUnit.SECONDS);
                assertThat(failure).as("the wait ends with an error").isInstanceOf(DistributedLockException.class)
                        .isNotInstanceOf(LockInterruptedException.class).isNotInstanceOf(LockTimeoutException.class)
                        .satisfies(e -> assertThat(e.getCause()).as("the driver's error").isInstanceOf(SQLException.class));
            }
            Duration failedWithin = Duration.ofNanos(System.nanoTime() - stopped);
            assertThat(failedWithin).as("the waiters failed within the socket timeout").isLessThan(server.socketTimeout());
            waiters.shutdown();
            assertThat(waiters.awaitTermination(SANITY.toSeconds(), TimeUnit.SECONDS)).as("no thread left blocked").isTrue();
            assertThatThrownBy(holder::release).as("the holder's session died with the server")
                    .isInstanceOf(LockLostException.class);
            assertThat(holder.isLocked()).isFalse();

            server.start();
            Connection first = closedAfterTest(database.connect());
            Connection second = closedAfterTest(database.connect());
            DistributedLock again = lockOn(first, key);
            assertThat(again.tryAcquire()).as("the key is free after the restart").isTrue();
            assertThat(lockOn(second, key).tryAcquire(Duration.ofMillis(20))).as("and excludes again").isFalse();
            again.release();
            assertThat(lockOn(second, key).tryAcquire()).isTrue();
            tally.print("waiters failed "
                    + failedWithin.toMillis() + " ms after the server stopped (socket timeout "
                    + server.socketTimeout().toMillis() + " ms)");
        }
    }

    @Test
    void interruptStormLeavesNothingHeldAndEveryConnectionUsable() throws Exception {
        String key = uniqueKey();
        List<Connection> connections = new ArrayList<>();
        for (int w = 0; w < STORM_WORKERS; w++) {
            connections.add(connect());
        }
        // a statement while holding, where an interrupt may land too
        interruptStorm("interrupt storm", w -> lockOn(connections.get(w), key), 4,
                (w, lock) -> isUsable(connections.get(w)));
        assertNothingLeftAndAllUsable(key, connections);
    }

    @Test
    void interruptStormThroughSharedConnectionsLeavesNothingHeldAndEveryConnectionBackInThePool() throws Exception {
        String key = uniqueKey();
        HikariDataSource pool = pool(STORM_WORKERS + 4); // a waiting request takes a connection of its own
        DataSourceLocks locks = Locks.forDataSource(pool);
        // five forms: the four waits, and tryAcquire(), which takes its turn on a shared connection
        interruptStorm("interrupt storm through shared connections", w -> locks.lock(key), 5,
                (w, lock) -> lock.isHeldOnServer());
        assertNothingLeftThroughThePool(key, pool, locks);
    }

    /** A statement a worker runs while it holds, where the storm may land too. */
    private interface WhileHolding {
        void run(int worker, DistributedLock lock) throws Exception;
    }

    /**
     * {@link #STORM_WORKERS} workers make {@link #STORM_ATTEMPTS} requests each on one key, in turn through
     * {@code forms} of {@link #request}, while this thread interrupts them at random.
     */
    private void interruptStorm(String name, IntFunction<DistributedLock> lockOfWorker, int forms,
            WhileHolding whileHolding) throws Exception {
        AtomicReferenceArray<Thread> workerThreads = new AtomicReferenceArray<>(STORM_WORKERS);
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger grants = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        AtomicInteger interruptedInsideTheCall = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < STORM_WORKERS; w++) {
            int id = w;
            workers.add(threads.submit(() -> {
                workerThreads.set(id, Thread.currentThread());
                for (int attempt = 0; attempt < STORM_ATTEMPTS; attempt++) {
                    Thread.interrupted(); // a stale interrupt from the last round is not this attempt's
                    DistributedLock lock = lockOfWorker.apply(id);
                    boolean acquired;
                    boolean interruptedBefore = Thread.currentThread().isInterrupted();
                    try {
                        acquired = request(lock, (id + attempt) % forms);
                    } catch (LockInterruptedException | InterruptedException e) {
                        interrupted.incrementAndGet();
                        if (!interruptedBefore) {
                            interruptedInsideTheCall.incrementAndGet(); // it landed while the request ran
                        }
                        if (lock.isLocked()) {
                            overlaps.incrementAndGet(); // an interrupted request must hold nothing
                        }
                        continue;
                    }
                    if (acquired) {
                        grants.incrementAndGet();
                        if (holders.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        whileHolding.run(id, lock);
                        holders.decrementAndGet();
                        lock.release();
                    }
                }
                return null;
            }));
        }
        int delivered = 0;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!workers.stream().allMatch(Future::isDone)) {
            Thread victim = workerThreads.get(random.nextInt(STORM_WORKERS));
            if (victim != null) {
                victim.interrupt();
                delivered++;
            }
            // random spacing, so interrupts land before, during and after the waits; nothing waits on it
            LockSupport.parkNanos(random.nextLong(STORM_SPACING_NANOS));
        }
        for (Future<?> worker : workers) {
            worker.get(SANITY.toSeconds(), TimeUnit.SECONDS);
        }
        tally.faults(delivered);
        tally.grants(grants.get());
        tally.violations(overlaps.get());
        tally.print(name + ": " + delivered + " interrupts, " + interrupted.get() + " requests interrupted ("
                + interruptedInsideTheCall.get() + " while the request ran), " + grants.get() + " grants");
        assertThat(overlaps).as("overlapping or interrupted-yet-held grants").hasValue(0);
        assertThat(interruptedInsideTheCall.get()).as("interrupts that landed while a request ran").isPositive();
        assertThat(grants.get()).as("grants between the interrupts").isPositive();
    }

    /** One request in one of five forms; {@code true} when held. */
    private static boolean request(DistributedLock lock, int form) throws InterruptedException {
        switch (form) {
            case 0:
                lock.acquire();
                return true;
            case 1:
                lock.acquire(SANITY);
                return true;
            case 2:
                return lock.tryAcquire(SANITY);
            case 3:
                lock.asLock().lockInterruptibly();
                return true;
            default:
                return lock.tryAcquire();
        }
    }

    @Test
    void cancelStormOfAsyncRequestsLeavesNothingHeldAndEveryConnectionUsable() throws Exception {
        String key = uniqueKey();
        List<Connection> connections = new ArrayList<>();
        for (int w = 0; w < STORM_WORKERS; w++) {
            connections.add(connect());
        }
        cancelStorm("cancel storm", w -> lockOn(connections.get(w), key));
        assertNothingLeftAndAllUsable(key, connections);
    }

    @Test
    void cancelStormThroughSharedConnectionsLeavesNothingHeldAndEveryConnectionBackInThePool() throws Exception {
        String key = uniqueKey();
        HikariDataSource pool = pool(STORM_WORKERS + 4);
        DataSourceLocks locks = Locks.forDataSource(pool);
        cancelStorm("cancel storm through shared connections", w -> locks.lock(key));
        assertNothingLeftThroughThePool(key, pool, locks);
    }

    /**
     * {@link #STORM_WORKERS} workers make {@link #STORM_ATTEMPTS} asynchronous requests each on one lock object of
     * their own, while this thread cancels them at random.
     */
    private void cancelStorm(String name, IntFunction<DistributedLock> lockOfWorker) throws Exception {
        AtomicReferenceArray<CompletableFuture<AsyncDistributedLock>> pending = new AtomicReferenceArray<>(STORM_WORKERS);
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger grants = new AtomicInteger();
        AtomicInteger cancelled = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        List<ExecutorService> lanes = new ArrayList<>();
        for (int w = 0; w < STORM_WORKERS; w++) {
            // one thread per lock object: once a no-op has run on it, the request before it is over
            ExecutorService lane = Executors.newSingleThreadExecutor();
            lanes.add(lane);
            AsyncDistributedLock lock = lockOfWorker.apply(w).async(lane);
            int id = w;
            workers.add(threads.submit(() -> {
                for (int attempt = 0; attempt < STORM_ATTEMPTS; attempt++) {
                    CompletableFuture<AsyncDistributedLock> request = attempt % 2 == 0 ? lock.acquire() : lock.acquire(SANITY);
                    pending.set(id, request);
                    try {
                        request.get(SANITY.toSeconds(), TimeUnit.SECONDS);
                    } catch (CancellationException e) {
                        cancelled.incrementAndGet();
                        lane.submit(() -> { }).get(SANITY.toSeconds(), TimeUnit.SECONDS);
                        if (lock.isLocked()) {
                            overlaps.incrementAndGet(); // a cancelled request must hold nothing
                        }
                        continue;
                    }
                    grants.incrementAndGet();
                    if (holders.incrementAndGet() > 1) {
                        overlaps.incrementAndGet();
                    }
                    // hold for 0 to 2 ms, so that the other workers' requests wait on the server, where the
                    // cancels are meant to land (work inside the lock, not a wait for anything)
                    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(2)));
                    holders.decrementAndGet();
                    lock.lock().release();
                }
                pending.set(id, null);
                return null;
            }));
        }
        int delivered = 0;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!workers.stream().allMatch(Future::isDone)) {
            CompletableFuture<AsyncDistributedLock> victim = pending.get(random.nextInt(STORM_WORKERS));
            // cancel() also answers true for a future cancelled before: count only the first
            if (victim != null && !victim.isCancelled() && victim.cancel(true)) {
                delivered++;
            }
            // random spacing, so cancels land before, during and after the waits; nothing waits on it
            LockSupport.parkNanos(random.nextLong(STORM_SPACING_NANOS));
        }
        for (Future<?> worker : workers) {
            worker.get(SANITY.toSeconds(), TimeUnit.SECONDS);
        }
        for (ExecutorService lane : lanes) {
            lane.shutdown();
            assertThat(lane.awaitTermination(SANITY.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        tally.faults(delivered);
        tally.grants(grants.get());
        tally.violations(overlaps.get());
        tally.print(name + ": " + delivered + " cancels, " + grants.get() + " grants");
        assertThat(overlaps).as("overlapping or cancelled-yet-held grants").hasValue(0);
        assertThat(cancelled.get()).isEqualTo(delivered);
        assertThat(delivered).as("cancels delivered to pending requests (the storm this test is for)")
                .isGreaterThanOrEqualTo(STORM_WORKERS);
        assertThat(grants.get()).as("grants between the cancels").isPositive();
    }

    /** After a storm through {@code locks}: nothing held or waiting, every connection back, new locks granted. */
    private void assertNothingLeftThroughThePool(String key, HikariDataSource pool, DataSourceLocks locks)
            throws Exception {
        Object databaseKey = databaseKey(key);
        awaitServer("no waiter left for " + key, () -> dialect().waitersOnServer(observer, databaseKey) == 0);
        assertThat(dialect().isLockedOnServer(observer, databaseKey)).as("held after the storm").isFalse();
        // a connection whose release could not be confirmed is ended and given back from another thread
        awaitServer("every connection back in the pool", () -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
        for (int i = 0; i < STORM_WORKERS; i++) {
            DistributedLock fresh = locks.lock(key);
            assertThat(fresh.tryAcquire()).as("the pool's connections lock after the storm").isTrue();
            fresh.release();
        }
    }

    @Test
    void killedSharedSessionHandsEachOfItsLocksToExactlyOneWaiter() throws Exception {
        List<Connection> opened = new CopyOnWriteArrayList<>();
        HikariDataSource pool = pool(12, connection -> {
            opened.add(connection);
            return connection;
        });
        DataSourceLocks locks = Locks.forDataSource(pool);
        int keys = 3;
        int waitersPerKey = 2;
        List<DistributedLock> held = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            DistributedLock lock = locks.lock(uniqueKey());
            assertThat(lock.tryAcquire()).isTrue();
            held.add(lock);
        }
        long shared = -1;
        for (Connection connection : opened) {
            if (!connection.isClosed() && dialect().isHeldBy(observer, held.get(0).databaseKey(),
                    dialect().sessionId(connection))) {
                shared = dialect().sessionId(connection);
            }
        }
        assertThat(shared).as("the session the locks share").isNotNegative();
        List<CompletionService<DistributedLock>> granted = new ArrayList<>();
        for (DistributedLock holder : held) {
            assertThat(dialect().isHeldBy(observer, holder.databaseKey(), shared)).as("all on one session").isTrue();
            CompletionService<DistributedLock> ofKey = new ExecutorCompletionService<>(threads);
            for (int w = 0; w < waitersPerKey; w++) {
                DistributedLock waiter = locks.lock(holder.key());
                ofKey.submit(() -> waiter.tryAcquire(SANITY) ? waiter : null);
            }
            granted.add(ofKey);
            Object databaseKey = holder.databaseKey();
            awaitServer(waitersPerKey + " waiting", () -> dialect().waitersOnServer(observer, databaseKey) == waitersPerKey);
        }
        dialect().killSession(observer, shared);
        tally.fault();
        for (int k = 0; k < keys; k++) {
            for (int remaining = waitersPerKey - 1; remaining >= 0; remaining--) {
                Future<DistributedLock> next = granted.get(k).poll(SANITY.toSeconds(), TimeUnit.SECONDS);
                assertThat(next).as("a waiter of key " + k + " was granted its lock").isNotNull();
                DistributedLock holder = next.get();
                assertThat(holder).as("granted, not timed out").isNotNull();
                assertThat(dialect().waitersOnServer(observer, holder.databaseKey())).isEqualTo(remaining);
                assertThat(granted.get(k).poll()).as("no second waiter granted beside the holder").isNull();
                tally.grants(1);
                holder.release();
            }
            DistributedLock lost = held.get(k);
            assertThatThrownBy(lost::release).as("the killed session's lock").isInstanceOf(LockLostException.class);
        }
        awaitServer("every connection back in the pool", () -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
    }

    private void assertNothingLeftAndAllUsable(String key, List<Connection> connections) throws Exception {
        Object databaseKey = databaseKey(key);
        awaitServer("no waiter left for " + key, () -> dialect().waitersOnServer(observer, databaseKey) == 0);
        assertThat(dialect().isLockedOnServer(observer, databaseKey)).as("held after the storm").isFalse();
        for (Connection connection : connections) {
            assertThat(isUsable(connection)).as("connection answers after the storm").isTrue();
            OptionalInt held = dialect().locksHeldBy(observer, dialect().sessionId(connection));
            if (held.isPresent()) {
                assertThat(held.getAsInt()).as("locks the session holds after the storm").isZero();
            }
            DistributedLock fresh = lockOn(connection, key);
            assertThat(fresh.tryAcquire()).as("connection can lock after the storm").isTrue();
            fresh.release();
        }
    }

    @Test
    void timedOutAcquireInEveryModeAndScopeLeavesTheTransactionCommittable() throws Exception {
        createProbeTable(PROBE);
        for (LockMode mode : dialect().supportedModes()) {
            for (LockScope scope : dialect().supportedScopes()) {
                String key = uniqueKey();
                LockOptions options = LockOptions.builder().mode(mode).scope(scope).build();
                DistributedLock holder = lockOn(connect(), key);
                holder.acquire();
                TransactionWatchingConnection watched = TransactionWatchingConnection.wrap(connect());
                Connection caller = watched.connection();
                caller.setAutoCommit(false);
                int id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
                insertProbe(caller, PROBE, id);
                DistributedLock waiter = Locks.forConnection(caller, key, options);
                assertThatThrownBy(() -> waiter.acquire(Duration.ofMillis(30))).as(options.toString())
                        .isInstanceOf(LockTimeoutException.class);
                tally.fault();
                assertThat(waiter.tryAcquire(Duration.ofMillis(10))).isFalse();
                tally.fault();
                insertProbe(caller, PROBE, id);
                caller.commit();
                assertThat(watched.transactionCalls()).as("dlock's own transaction calls")
                        .containsExactly("setAutoCommit", "commit");
                assertThat(probeRows(PROBE, id)).as(options + ": rows committed").isEqualTo(2);
                assertThat(dialect().isHeldBy(observer, holder.databaseKey(), dialect().sessionId(caller))).isFalse();
                holder.release();
            }
        }
    }

    @Test
    void releaseLostBehindDlocksBackLeavesTheTransactionCommittable() throws Exception {
        createProbeTable(PROBE);
        TransactionWatchingConnection watched = TransactionWatchingConnection.wrap(connect());
        Connection caller = watched.connection();
        caller.setAutoCommit(false);
        int id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        insertProbe(caller, PROBE, id);
        DistributedLock lock = lockOn(caller, uniqueKey());
        lock.acquire();
        insertProbe(caller, PROBE, id);
        Optional<String> releaseAll = dialect().releaseAllLocksQuery();
        assumeTrue(releaseAll.isPresent(), "the database has no statement that releases all of a session's locks");
        execute(caller, releaseAll.get());
        tally.fault();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
        assertThat(lock.isLocked()).isFalse();
        insertProbe(caller, PROBE, id);
        caller.commit();
        assertThat(probeRows(PROBE, id)).isEqualTo(3);
        assertThat(watched.transactionCalls()).containsExactly("setAutoCommit", "commit");
    }

    @Test
    void releaseThatTheDriverFailsToSendLeavesTheLockHeldAndTheTransactionCommittable() throws Exception {
        createProbeTable(PROBE);
        Connection physical = connect();
        long session = dialect().sessionId(physical);
        TransactionWatchingConnection watched = TransactionWatchingConnection.wrap(physical);
        Connection caller = watched.connection();
        caller.setAutoCommit(false);
        int id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        insertProbe(caller, PROBE, id);
        DistributedLock lock = lockOn(caller, uniqueKey());
        lock.acquire();
        watched.failNextStatement();
        tally.fault();
        assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class)
                .isNotInstanceOf(LockLostException.class)
                .hasMessageContaining("stays marked held")
                .cause().isInstanceOf(SQLException.class);
        assertThat(lock.isLocked()).as("not known released: still marked held").isTrue();
        assertThat(dialect().isHeldBy(observer, lock.databaseKey(), session)).isTrue();
        insertProbe(caller, PROBE, id);
        lock.release();
        assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).isFalse();
        caller.commit();
        assertThat(probeRows(PROBE, id)).isEqualTo(2);
        assertThat(watched.transactionCalls()).containsExactly("setAutoCommit", "commit");
    }

}
