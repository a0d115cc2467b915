package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.Locks;
import dev.dlock.WatchOptions;
import dev.dlock.internal.FakeDialects.FakeConnection;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Locks over a pool ({@link Locks#forDataSource}): which connection each borrows, when it goes back, and what
 * happens to it when the work around the lock fails. The {@link FakeDialects} stand in for the database; the
 * pool is a data source that hands out a new fake connection each time and remembers them.
 */
class PooledLocksTest {
    private final List<FakeConnection> borrowed = new CopyOnWriteArrayList<>();
    private final AtomicInteger borrowAttempts = new AtomicInteger();
    private volatile SQLException poolFailure;
    /** When set, the pool lends its next connection only once this gate opens. */
    private volatile FakeDialects.Gate poolGate;

    private final DataSource pool = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {DataSource.class}, (self, method, args) -> {
                if (!method.getName().equals("getConnection")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                borrowAttempts.incrementAndGet();
                if (poolFailure != null) {
                    throw poolFailure;
                }
                FakeDialects.Gate gate = poolGate;
                if (gate != null) {
                    poolGate = null;
                    gate.pass();
                }
                FakeConnection connection = new FakeConnection("FakeDB", "1.0");
                borrowed.add(connection);
                return connection.connection;
            });

    @AfterEach
    void nothingStaysHeld() {
        FakeDialects.gate = null;
        synchronized (FakeDialects.SERVER) {
            FakeDialects.SERVER.clear();
        }
    }

    private static boolean heldOnServer(String key) {
        synchronized (FakeDialects.SERVER) {
            return FakeDialects.SERVER.contains(LockKey.of(key).toString()); // what the fake dialect locks
        }
    }

    @Test
    void theDialectIsFoundOnOneBorrowedConnectionThatGoesStraightBack() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        assertThat(locks.dialect()).isEqualTo("FakeDB");
        assertThat(locks).hasToString("DataSourceLocks(FakeDB, up to 1000 locks per session)");
        assertThat(borrowed).hasSize(1);
        assertThat(borrowed.get(0).closed).as("given back").isTrue();
    }

    @Test
    void aPoolThatCannotLendAConnectionIsADistributedLockExceptionWithItsReason() {
        poolFailure = new SQLException("pool exhausted");
        assertThatThrownBy(() -> Locks.forDataSource(pool)).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("dialect").hasMessageContaining("pool exhausted").hasCause(poolFailure);
        poolFailure = null;
        DataSourceLocks locks = Locks.forDataSource(pool);
        poolFailure = new SQLException("pool exhausted");
        assertThatThrownBy(() -> locks.lock("k").tryAcquire()).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("cannot borrow a connection for pooled FakeDB lock")
                .hasMessageContaining("pool exhausted").hasCause(poolFailure);
        assertThatThrownBy(() -> locks.inTransaction("k", Duration.ZERO, connection -> null))
                .isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("cannot borrow a connection for FakeDB lock").hasCause(poolFailure);
    }

    @Test
    void aPoolThatGaveUpBecauseTheThreadWasInterruptedIsALockInterruptedExceptionAndTheInterruptStays() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        // as HikariCP does: the interrupt restored, and the InterruptedException as the cause
        poolFailure = new SQLException("Interrupted during connection acquisition", new InterruptedException());
        try {
            assertThatThrownBy(() -> locks.lock("k").acquire()).isInstanceOf(LockInterruptedException.class)
                    .hasMessageContaining("cannot borrow a connection").hasCause(poolFailure);
            assertThat(Thread.interrupted()).as("the interrupt is the caller's").isTrue();
            assertThatThrownBy(() -> locks.lock("k").tryAcquire()).isInstanceOf(LockInterruptedException.class);
            assertThat(Thread.interrupted()).isTrue();
            poolFailure = new SQLException("pool exhausted");
            assertThatThrownBy(() -> locks.lock("k").tryAcquire())
                    .as("a pool failure with no interrupt is not one")
                    .isExactlyInstanceOf(DistributedLockException.class);
            assertThat(Thread.interrupted()).isFalse();
        } finally {
            Thread.interrupted();
        }
        assertThat(heldOnServer("k")).isFalse();
    }

    @Test
    void aLockKeepsItsConnectionExactlyWhileItHolds() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        DistributedLock lock = locks.lock("k");
        assertThat(borrowed).as("nothing borrowed before the lock is asked for").hasSize(1);
        assertThat(lock.key()).isEqualTo(LockKey.of("k"));
        assertThat(lock.databaseKey()).isEqualTo(LockKey.of("k").toString());
        assertThat(lock.dialect()).isEqualTo("FakeDB");
        assertThat(lock.options()).isEqualTo(LockOptions.DEFAULT);

        assertThat(lock.toString()).startsWith("pooled FakeDB lock").endsWith(" [not held]");
        assertThat(lock.tryAcquire()).isTrue();
        assertThat(lock.toString()).endsWith(" [held]");
        FakeConnection holding = borrowed.get(1);
        assertThat(holding.closed).as("kept while held").isFalse();
        assertThat(lock.isLocked()).isTrue();
        assertThat(lock.isHeldOnServer()).isTrue();
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(5))).isTrue();
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already held");

        lock.release();
        assertThat(holding.closed).as("given back once released").isTrue();
        assertThat(holding.aborts).as("a confirmed release keeps the session").hasValue(0);
        assertThat(heldOnServer("k")).isFalse();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.isHeldOnServer()).isFalse();
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(5))).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class)
                .hasMessageContaining("pooled FakeDB lock \"k\"").hasMessageContaining("is not held");
        assertThatThrownBy(() -> lock.watch(WatchOptions.every(Duration.ofSeconds(1)), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing to watch");
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void locksThatDoNotWaitShareAConnectionUpToTheCapAndItGoesBackWithItsLastLock() {
        DataSourceLocks locks = Locks.forDataSource(pool, 2);
        DistributedLock a = locks.lock("a");
        DistributedLock b = locks.lock("b");
        DistributedLock c = locks.lock("c");
        assertThat(a.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isTrue();
        assertThat(c.tryAcquire()).isTrue();
        assertThat(borrowed).as("the dialect's connection, then one for a and b, one for c").hasSize(3);
        FakeConnection first = borrowed.get(1);
        a.release();
        assertThat(first.closed).as("b still holds on it").isFalse();
        b.release();
        assertThat(first.closed).as("given back with its last lock").isTrue();
        assertThat(first.aborts).hasValue(0);
        c.release();
        assertThat(borrowed.get(2).closed).isTrue();
    }

    /** A {@code "gated..."} request started in another thread, inside its statement when this returns. */
    private CompletableFuture<Boolean> gatedRequestUnderWay(DataSourceLocks locks) throws InterruptedException {
        FakeDialects.gate = new FakeDialects.Gate();
        CompletableFuture<Boolean> request = CompletableFuture.supplyAsync(() -> locks.lock("gated").tryAcquire());
        assertThat(FakeDialects.gate.entered.await(30, TimeUnit.SECONDS)).as("the gated statement started").isTrue();
        return request;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 30 s for: " + what).isNegative();
            Thread.onSpinWait();
        }
    }

    @Test
    void aRequestThatFindsTheSharedConnectionBusyIsServedOnAnotherConnectionInsteadOfQueueing() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        CompletableFuture<Boolean> gated = gatedRequestUnderWay(locks);
        FakeConnection busy = borrowed.get(1);
        DistributedLock other = locks.lock("other");
        assertThat(CompletableFuture.supplyAsync(other::tryAcquire).get(30, TimeUnit.SECONDS))
                .as("granted while the shared connection's statement is still under way").isTrue();
        assertThat(borrowed).as("the dialect's connection, the busy one, one borrowed for the waiting request")
                .hasSize(3);
        FakeDialects.gate.open.countDown();
        assertThat(gated.get(30, TimeUnit.SECONDS)).isTrue();
        other.release();
        assertThat(borrowed.get(2).closed).as("given back with its one lock").isTrue();
        assertThat(busy.closed).as("still holds the gated lock").isFalse();
        locks.lock("gated").close(); // another lock object: holds nothing, releases nothing
        assertThat(heldOnServer("gated")).isTrue();
    }

    @Test
    void whenThePoolCannotLendMoreARequestWaitsForTheTurnOnTheBusySharedConnection() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        CompletableFuture<Boolean> gated = gatedRequestUnderWay(locks);
        FakeConnection shared = borrowed.get(1);
        poolFailure = new SQLException("pool exhausted");
        DistributedLock other = locks.lock("other");
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(other::tryAcquire);
        await("the borrow for the waiting request was tried", () -> borrowAttempts.get() == 3);
        assertThat(waiting).as("still waiting for the turn: the pool's failure is not the request's").isNotDone();
        FakeDialects.gate.open.countDown();
        assertThat(waiting.get(30, TimeUnit.SECONDS)).as("granted in its turn on the shared connection").isTrue();
        assertThat(gated.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(borrowed).as("nothing more was lent").hasSize(2);
        other.release();
        assertThat(shared.closed).as("the gated lock still holds on it").isFalse();
        assertThat(heldOnServer("other")).isFalse();
    }

    @Test
    void aConnectionBorrowedForARequestThatGotItsTurnFirstGoesStraightBackToThePool() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        CompletableFuture<Boolean> gated = gatedRequestUnderWay(locks);
        FakeConnection shared = borrowed.get(1);
        FakeDialects.Gate slowPool = new FakeDialects.Gate();
        poolGate = slowPool;
        DistributedLock other = locks.lock("other");
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(other::tryAcquire);
        assertThat(slowPool.entered.await(30, TimeUnit.SECONDS)).as("a connection is being borrowed").isTrue();
        FakeDialects.gate.open.countDown();
        assertThat(waiting.get(30, TimeUnit.SECONDS)).as("served by the turn, which came first").isTrue();
        assertThat(gated.get(30, TimeUnit.SECONDS)).isTrue();
        slowPool.open.countDown();
        await("the pool lent the connection", () -> borrowed.size() == 3);
        FakeConnection late = borrowed.get(2);
        await("the late connection went back to the pool", () -> late.closed);
        assertThat(late.aborts).as("nothing was ever held on it").hasValue(0);
        assertThat(late.statements).hasValue(0);
        assertThat(shared.closed).as("both locks hold on the shared connection").isFalse();
        other.release();
        assertThat(shared.closed).isFalse();
    }

    @Test
    void locksPerSessionBelowOneIsRefusedBeforeAnythingIsBorrowed() {
        assertThatThrownBy(() -> Locks.forDataSource(pool, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("locksPerSession");
        assertThat(borrowed).isEmpty();
    }

    @Test
    void aFailedRequestOnASharedConnectionEndsItAndTheNextRequestGoesElsewhere() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        DistributedLock held = locks.lock("held");
        assertThat(held.tryAcquire()).isTrue();
        FakeConnection shared = borrowed.get(1);
        assertThatThrownBy(locks.lock("broken")::tryAcquire).isInstanceOf(DistributedLockException.class);
        assertThat(shared.aborts).as("a lock may be held on it: the session ends, with every lock on it")
                .hasValue(1);
        DistributedLock next = locks.lock("next");
        assertThat(next.tryAcquire()).isTrue();
        assertThat(borrowed).as("the next request on a connection of its own, not the ended one").hasSize(3);
        next.release();
        assertThat(borrowed.get(2).closed).isTrue();
        assertThat(borrowed.get(2).aborts).hasValue(0);
    }

    @Test
    void aSharedConnectionThatWasAbortedIsNotOfferedAgain() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        DistributedLock held = locks.lock("held");
        assertThat(held.tryAcquire()).isTrue();
        FakeConnection shared = borrowed.get(1);
        shared.connection.abort(Runnable::run); // as a watch does when its check goes unanswered
        DistributedLock next = locks.lock("next");
        assertThat(next.tryAcquire()).as("granted elsewhere, not failed on the dead connection").isTrue();
        assertThat(borrowed).as("a connection of its own for the next lock").hasSize(3);
        next.release();
        assertThat(borrowed.get(2).closed).isTrue();
    }

    @Test
    void closeReleasesOnlyWhatIsHeld() {
        DistributedLock lock = Locks.forDataSource(pool).lock("k");
        lock.close();
        assertThat(borrowed).as("closing an idle lock borrows nothing").hasSize(1);
        lock.acquire(Duration.ofSeconds(1));
        lock.close();
        assertThat(heldOnServer("k")).isFalse();
        assertThat(borrowed.get(1).closed).isTrue();
    }

    @Test
    void aTransactionScopedLockCannotOwnAPooledConnection() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        assertThatThrownBy(() -> locks.lock("k", LockOptions.builder().scope(LockScope.TRANSACTION).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("session-scoped");
        assertThatThrownBy(() -> locks.lock("a key longer than twenty characters"))
                .as("the dialect's key check comes before any connection is borrowed")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("20 characters");
        assertThat(borrowed).hasSize(1);
    }

    @Test
    void withLockRunsTheActionHoldingTheLockAndReleasesAfter() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        String answer = locks.withLock("k", Duration.ofSeconds(1), () -> heldOnServer("k") ? "held" : "not held");
        assertThat(answer).isEqualTo("held");
        assertThat(heldOnServer("k")).isFalse();
        assertThat(borrowed.get(1).closed).isTrue();
    }

    @Test
    void aFailingActionReleasesTheLockAndIsRethrownAsItIs() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        IOException failure = new IOException("disk full");
        assertThatThrownBy(() -> locks.withLock("k", Duration.ofSeconds(1), () -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(heldOnServer("k")).isFalse();
        assertThat(borrowed.get(1).closed).isTrue();
        assertThat(failure.getSuppressed()).isEmpty();
    }

    @Test
    void runIfFreeRunsTheActionHoldingTheLockAndRethrowsItsFailure() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        List<Boolean> heldWhileRunning = new ArrayList<>();
        assertThat(locks.runIfFree("k", () -> heldWhileRunning.add(heldOnServer("k")))).isTrue();
        assertThat(heldWhileRunning).containsExactly(true);
        assertThat(heldOnServer("k")).isFalse();
        IllegalStateException failure = new IllegalStateException("boom");
        assertThatThrownBy(() -> locks.runIfFree("k", () -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(heldOnServer("k")).isFalse();
    }

    @Test
    void inTransactionCommitsTheWorkAndGivesTheConnectionBackAsItWas() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        List<Boolean> autoCommitDuringWork = new ArrayList<>();
        String result = locks.inTransaction("k", Duration.ofSeconds(1), connection -> {
            autoCommitDuringWork.add(connection.getAutoCommit());
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(autoCommitDuringWork).containsExactly(false);
        FakeConnection used = borrowed.get(1);
        assertThat(used.commits).hasValue(1);
        assertThat(used.rollbacks).hasValue(0);
        assertThat(used.autoCommit).as("auto-commit restored").isTrue();
        assertThat(used.closed).isTrue();
        assertThat(used.aborts).as("a clean end keeps the session").hasValue(0);
    }

    @Test
    void inTransactionRollsBackFailedWorkAndRethrowsIt() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        IOException failure = new IOException("constraint violated");
        assertThatThrownBy(() -> locks.inTransaction("k", Duration.ofSeconds(1), connection -> {
            throw failure;
        })).isSameAs(failure);
        FakeConnection used = borrowed.get(1);
        assertThat(used.rollbacks).hasValue(1);
        assertThat(used.commits).hasValue(0);
        assertThat(used.autoCommit).isTrue();
        assertThat(used.closed).isTrue();
        assertThat(used.aborts).as("rolled back cleanly: the session can be reused").hasValue(0);
        assertThat(failure.getSuppressed()).isEmpty();
    }

    @Test
    void inTransactionChecksItsArgumentsBeforeBorrowing() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        assertThatThrownBy(() -> locks.inTransaction((LockKey) null, Duration.ZERO, c -> null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> locks.inTransaction("k", Duration.ofNanos(-1), c -> null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> locks.inTransaction("k", Duration.ZERO, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> locks.inTransaction("a key longer than twenty characters", Duration.ZERO, c -> null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(borrowed).hasSize(1);
    }

    @Test
    void theJavaUtilConcurrentViewLocksAndUnlocksThroughThePool() throws Exception {
        DistributedLock lock = Locks.forDataSource(pool).lock("k");
        Lock view = lock.asLock();
        assertThat(view.tryLock()).isTrue();
        assertThat(heldOnServer("k")).isTrue();
        view.unlock();
        assertThat(heldOnServer("k")).isFalse();
        assertThat(view.tryLock(1, TimeUnit.SECONDS)).isTrue();
        view.unlock();
        view.lock();
        assertThat(lock.isLocked()).isTrue();
        view.unlock();
        view.lockInterruptibly();
        assertThat(lock.isLocked()).isTrue();
        view.unlock();
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(view::newCondition).isInstanceOf(UnsupportedOperationException.class);
        assertThat(view).hasToString(lock.toString());
    }

    @Test
    void theAsyncViewCompletesWithTheAnswersOfTheLock() throws Exception {
        DistributedLock lock = Locks.forDataSource(pool).lock("k");
        assertThat(lock.async().tryAcquire().get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.isLocked()).isTrue();
        lock.async().release().get(30, TimeUnit.SECONDS);
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.async().acquire(Duration.ofSeconds(1)).get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(heldOnServer("k")).isTrue();
        lock.async(Runnable::run).release().get(30, TimeUnit.SECONDS);
        assertThat(lock.async(Runnable::run).tryAcquire(Duration.ofSeconds(1)).get()).isTrue();
        lock.release();
        assertThat(lock.async().acquire().get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(lock.isLocked()).isTrue();
        lock.release();
        assertThat(heldOnServer("k")).isFalse();
    }

    @Test
    void aKeyHeldElsewhereRunsNothingAndGivesTheConnectionBack() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool);
        List<String> ran = new ArrayList<>();
        assertThat(locks.runIfFree("busy", () -> ran.add("ran"))).isFalse();
        assertThat(ran).isEmpty();
        DistributedLock lock = locks.lock("busy");
        assertThat(lock.tryAcquire()).isFalse();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.asLock().tryLock()).isFalse();
        assertThat(lock.asLock().tryLock(0, TimeUnit.SECONDS)).as("no time: one attempt").isFalse();
        assertThat(lock.async().tryAcquire().get(30, TimeUnit.SECONDS)).isFalse();
        assertThat(borrowed.subList(1, borrowed.size())).hasSize(5).allSatisfy(connection -> {
            assertThat(connection.closed).as("given back").isTrue();
            assertThat(connection.aborts).as("nothing held on it: the session is kept").hasValue(0);
        });
    }

    @Test
    void aFailedRequestEndsTheSessionOfItsConnection() {
        DistributedLock lock = Locks.forDataSource(pool).lock("broken");
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(DistributedLockException.class)
                .hasRootCauseMessage("connection reset by peer");
        FakeConnection used = borrowed.get(1);
        assertThat(used.aborts).as("the lock may be held on it: aborted, not reused").hasValue(1);
        assertThat(used.closed).isTrue();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aFailedReleaseEndsTheSessionOfItsConnectionSoTheLockEndsWithIt() {
        DistributedLock lock = Locks.forDataSource(pool).lock("stuck");
        assertThat(lock.tryAcquire()).isTrue();
        assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class);
        FakeConnection used = borrowed.get(1);
        assertThat(used.aborts).hasValue(1);
        assertThat(used.closed).isTrue();
    }

    @Test
    void aFailingActionWhoseReleaseFailsTooCarriesTheReleaseFailure() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        IOException failure = new IOException("disk full");
        assertThatThrownBy(() -> locks.withLock("stuck", Duration.ofSeconds(1), () -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(failure.getSuppressed()).singleElement().isInstanceOf(DistributedLockException.class);
        assertThat(borrowed.get(1).aborts).hasValue(1);
    }

    @Test
    void inTransactionWhoseRollbackFailsEndsTheSessionAndCarriesTheRollbackFailure() {
        DataSourceLocks locks = Locks.forDataSource(pool);
        SQLException rollbackFailure = new SQLException("connection reset by peer", "08006");
        IOException failure = new IOException("constraint violated");
        assertThatThrownBy(() -> locks.inTransaction("k", Duration.ofSeconds(1), connection -> {
            borrowed.get(1).rollbackFailure = rollbackFailure;
            throw failure;
        })).isSameAs(failure);
        assertThat(failure.getSuppressed()).containsExactly(rollbackFailure);
        assertThat(borrowed.get(1).aborts).as("the transaction may still be open on it").hasValue(1);
    }

    @Test
    void theAsyncViewIsOfItsLock() {
        DistributedLock lock = Locks.forDataSource(pool).lock("k");
        assertThat(lock.async().lock()).isSameAs(lock);
        assertThat(lock.async().isLocked()).isFalse();
        lock.acquire(Duration.ofSeconds(1));
        assertThat(lock.async().isLocked()).isTrue();
        lock.release();
    }

    @Test
    void lockInterruptiblyRefusesAnInterruptedThreadAndLockKeepsTheInterrupt() throws Exception {
        DistributedLock lock = Locks.forDataSource(pool).lock("k");
        Lock view = lock.asLock();
        Thread.currentThread().interrupt();
        assertThatThrownBy(view::lockInterruptibly).isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).as("the flag is consumed, as java.util.concurrent does").isFalse();
        assertThat(lock.isLocked()).isFalse();
        Thread.currentThread().interrupt();
        try {
            view.lock();
            assertThat(lock.isLocked()).isTrue();
        } finally {
            assertThat(Thread.interrupted()).as("lock() keeps the interrupt for the caller").isTrue();
        }
        view.unlock();
    }
}
