package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dlock.DistributedLockException;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockWatch;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import dev.dlock.internal.FakeDialects.FakeConnection;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.sql.Connection;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a lock object on a caller's connection does once it holds, around a scripted dialect: release and close,
 * the one-lock-object-per-key bookkeeping, transaction-scoped locks, the server session a lock was granted on, a
 * lease's session settings, and a release that meets a loss while another call is stuck on the connection. The
 * dialect's answers are the test's; what real servers answer is tested in the dialect modules.
 */
class HeldLockTest {
    private static final long SANITY_SECONDS = 30;

    /** A dialect lock whose every answer the test sets. */
    static class Scripted implements DialectLock {
        final String key;
        volatile boolean grants = true;
        volatile boolean releasable = true;
        /** What {@code unlock} answers; thrown if an exception. */
        volatile Object unlockAnswer = true;
        /** What {@code isHeld} answers, thrown if an exception; {@code null}: whether this lock holds it. */
        volatile Object heldAnswer;
        /** Whether the server holds the lock for this dialect lock, as its requests and unlocks left it. */
        volatile boolean held;
        /** What happens on the connection while {@code isHeld} is asked, before it answers. */
        volatile Runnable whileAsked = () -> { };
        /** The server session the connection reaches now, as the dialect reads it; {@code null} if unknown. */
        volatile Object session;
        /** If set, {@code isHeld} waits for it: a read on a silent connection. */
        volatile CountDownLatch heldBlocksUntil;
        final CountDownLatch heldAsked = new CountDownLatch(1);
        final AtomicInteger unlocks = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        /** The timeout each request was told, in milliseconds, of at most 10 s. */
        final List<Long> timeouts = new CopyOnWriteArrayList<>();

        Scripted(String key) {
            this.key = key;
        }

        @Override
        public Object databaseKey() {
            return key;
        }

        @Override
        public boolean request(Connection connection, LockRequest request) {
            requests.incrementAndGet();
            timeouts.add(request.timeout(TimeUnit.MILLISECONDS, 10_000));
            held = held || grants;
            return grants;
        }

        @Override
        public boolean unlock(Connection connection) throws SQLException {
            unlocks.incrementAndGet();
            boolean answer = answer(unlockAnswer);
            held = false;
            return answer;
        }

        @Override
        public boolean isHeld(Connection connection) throws SQLException {
            heldAsked.countDown();
            CountDownLatch until = heldBlocksUntil;
            if (until != null) {
                awaitUninterruptibly(until);
            }
            whileAsked.run();
            Object answer = heldAnswer;
            return answer == null ? held : answer(answer);
        }

        @Override
        public Object session() {
            return session;
        }

        @Override
        public boolean releasable() {
            return releasable;
        }

        private static boolean answer(Object answer) throws SQLException {
            if (answer instanceof SQLException e) {
                throw e;
            }
            if (answer instanceof RuntimeException e) {
                throw e;
            }
            return (Boolean) answer;
        }
    }

    /** A connection of the FakeDB Plus dialect, which keeps a lease in a session setting. */
    private final FakeConnection fake = new FakeConnection("FakeDB", "1.0-Plus");

    private JdbcDistributedLock lock(Scripted dialect) {
        return lock(dialect, LockOptions.DEFAULT);
    }

    private JdbcDistributedLock lock(Scripted dialect, LockOptions options) {
        return new JdbcDistributedLock(fake.connection, ConnectionState.of(fake.connection), "ScriptDB",
                LockKey.of(dialect.key), options, dialect);
    }

    @AfterEach
    void leaveNoInterrupt() {
        Thread.interrupted();
    }

    // ----- release and close

    @Test
    void aReleaseTheServerSaysWasNotHeldIsALossAndFreesTheKey() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.unlockAnswer = false;
        assertThatThrownBy(lock::release).isInstanceOfSatisfying(LockLostException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_HELD))
                .hasMessageContaining("was not held on the server when released");
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(lock::release).as("reported once").isInstanceOf(LockNotHeldException.class)
                .hasMessageContaining("is not held by this lock object");
        JdbcDistributedLock other = lock(new Scripted("k"));
        assertThat(other.tryAcquire()).as("the key is free for another lock object").isTrue();
    }

    @Test
    void aReleaseThatFailsOnAnOpenConnectionStaysHeldAndCanBeTriedAgain() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        SQLException failure = new SQLException("deadlock detected", "40P01");
        dialect.unlockAnswer = failure;
        assertThatThrownBy(lock::release).isExactlyInstanceOf(DistributedLockException.class).hasCause(failure)
                .hasMessageContaining("could not be released and stays marked held")
                .hasMessageContaining("deadlock detected");
        assertThat(lock.isLocked()).isTrue();
        assertThatThrownBy(() -> lock(new Scripted("k")).tryAcquire()).isInstanceOf(LockAlreadyHeldException.class);
        dialect.unlockAnswer = true;
        lock.release();
        assertThat(lock.isLocked()).isFalse();
        assertThat(dialect.unlocks).hasValue(2);
    }

    @Test
    void aReleaseThatFailsWithItsConnectionIsTheSessionsEnd() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        SQLException failure = new SQLException("I/O error", "08006");
        dialect.unlockAnswer = failure;
        fake.closed = true;
        assertThatThrownBy(lock::release).isInstanceOfSatisfying(LockLostException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.SESSION_ENDED))
                .hasCause(failure).hasMessageContaining("lost with its connection");
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class);
    }

    @Test
    void closeReleasesWhatIsHeldAndNothingElse() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.close();
        assertThat(dialect.unlocks).as("nothing held, nothing released").hasValue(0);
        lock.acquire();
        lock.close();
        assertThat(dialect.unlocks).hasValue(1);
        assertThat(lock.isLocked()).isFalse();
        lock.close();
        assertThat(dialect.unlocks).hasValue(1);
    }

    @Test
    void closeOnAClosedConnectionSendsNothingTheSessionEndedTheLock() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        fake.closed = true;
        lock.close();
        assertThat(dialect.unlocks).hasValue(0);
        assertThat(lock.isLocked()).isFalse();
        fake.closed = false; // as a pool's connection that comes back, for the bookkeeping only
        assertThat(lock(new Scripted("k")).tryAcquire()).as("the key was freed").isTrue();
    }

    @Test
    void closeOfALockFoundNotHeldReportsTheLoss() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.unlockAnswer = false;
        assertThatThrownBy(lock::close).isInstanceOfSatisfying(LockLostException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_HELD));
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aConnectionClosedSinceTheLockWasMadeIsRefusedBeforeAnyRequest() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        fake.closed = true;
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class)
                .hasMessage("the connection is closed");
        assertThat(dialect.requests).hasValue(0);
    }

    @Test
    void anAbortThatFailsIsAddedToTheLoss() throws Exception {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        SQLException abortFailure = new SQLException("cannot abort: the pool has it", "08003");
        fake.abortFailure = abortFailure;
        CountDownLatch silence = new CountDownLatch(1);
        dialect.heldBlocksUntil = silence;
        try {
            Throwable thrown = catchThrowable(
                    () -> lock.isHeldOnServer(Duration.ofMillis(50)));
            assertThat(thrown).isInstanceOf(LockLostException.class);
            Throwable declared = thrown.getCause();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
            while (declared.getSuppressed().length == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // the abort runs on a pool thread: asking the loss, not timing it
            }
            assertThat(declared.getSuppressed()).containsExactly(abortFailure);
            assertThat(fake.aborts).hasValue(1);
        } finally {
            silence.countDown();
        }
    }

    // ----- transaction-scoped locks

    @Test
    void aTransactionScopedLockEndsWithItsTransactionAndIsNotCounted() {
        fake.autoCommit = false;
        LockOptions transaction = LockOptions.builder().scope(LockScope.TRANSACTION).build();
        Scripted dialect = new Scripted("k");
        dialect.releasable = false;
        JdbcDistributedLock lock = lock(dialect, transaction);
        lock.acquire();
        assertThatThrownBy(lock::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("transaction-scoped").hasMessageContaining("ScriptDB releases it only at commit");
        assertThat(lock.isLocked()).isTrue();
        Scripted again = new Scripted("k");
        again.releasable = false;
        assertThat(lock(again, transaction).tryAcquire()).as("not counted: the database grants it again").isTrue();

        lock.endedWithTransaction();
        assertThat(lock.isLocked()).isFalse();
        lock.endedWithTransaction(); // nothing held: nothing to do
        assertThat(lock.isLocked()).isFalse();

        lock.acquire();
        lock.close();
        assertThat(lock.isLocked()).as("closed: the transaction ends it").isFalse();
        assertThat(dialect.unlocks).hasValue(0);
    }

    @Test
    void aTransactionScopedLockNeedsATransactionAndItsModeMustBeReadable() {
        LockOptions transaction = LockOptions.builder().scope(LockScope.TRANSACTION).build();
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect, transaction);
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("auto-commit mode");
        assertThat(dialect.requests).hasValue(0);
        fake.autoCommit = false;
        assertThat(lock.tryAcquire()).isTrue();
    }

    @Test
    void aReleasableLockKeepsItsKeyAfterARefusalFree() {
        Scripted dialect = new Scripted("k");
        dialect.grants = false;
        JdbcDistributedLock lock = lock(dialect);
        assertThat(lock.tryAcquire()).isFalse();
        assertThat(lock(new Scripted("k")).tryAcquire()).as("the refused request gave the key back").isTrue();
    }

    @Test
    void aRefusedLockThatIsNotCountedFreesNoKeyAnotherLockObjectHolds() {
        JdbcDistributedLock session = lock(new Scripted("k"));
        session.acquire();
        fake.autoCommit = false;
        Scripted transactionScoped = new Scripted("k"); // the same database key, ending with its transaction
        transactionScoped.releasable = false;
        transactionScoped.grants = false;
        assertThat(lock(transactionScoped, LockOptions.builder().scope(LockScope.TRANSACTION).build()).tryAcquire())
                .isFalse();
        assertThatThrownBy(() -> lock(new Scripted("k")).tryAcquire()).as("still held by the first lock object")
                .isInstanceOf(LockAlreadyHeldException.class);
    }

    // ----- the server session the lock was granted on

    @Test
    void aReleaseThatReachedAnotherServerSessionSaysTheLockIsStranded() {
        Scripted dialect = new Scripted("k");
        dialect.session = "backend 101";
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.session = "backend 202"; // a transaction-pooling proxy handed the connection another session
        assertThatThrownBy(lock::release).isInstanceOfSatisfying(LockLostException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.SESSION_MOVED))
                .hasMessageContaining("taken on server session backend 101")
                .hasMessageContaining("now reaches session backend 202");
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void theSameSessionOrAnUnknownOneIsNoMove() {
        Scripted dialect = new Scripted("k");
        dialect.session = "backend 101";
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.session = new String("backend 101"); // equal, not the same object
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isTrue();
        dialect.session = null; // the dialect cannot tell now
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isTrue();
        lock.release();

        dialect.session = null; // unknown when granted
        lock.acquire();
        dialect.session = "backend 202";
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isTrue();
        lock.release();
    }

    @Test
    void aQuestionThatReachedAnotherSessionDeclaresTheLockLostWithoutAbortingTheConnection() {
        Scripted dialect = new Scripted("k");
        dialect.session = "backend 101";
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.session = "backend 202";
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)))
                .isInstanceOfSatisfying(LockLostException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.SESSION_MOVED));
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.loss()).isNotNull();
        assertThatThrownBy(lock::release).isInstanceOfSatisfying(LockLostException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.SESSION_MOVED))
                .hasMessageContaining("declared lost before this release");
        assertThat(fake.aborts).as("aborting this session would free nothing").hasValue(0);
        assertThat(lock.tryAcquire()).as("a new request starts afresh").isTrue();
    }

    @Test
    void aNewRequestAfterALossThatWasNeverReportedStartsAfresh() {
        Scripted dialect = new Scripted("k");
        dialect.session = "backend 101";
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.session = "backend 202";
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)))
                .isInstanceOf(LockLostException.class);
        assertThat(lock.tryAcquire()).isTrue();
        assertThat(lock.isLocked()).isTrue();
        lock.release();
        assertThat(dialect.unlocks).hasValue(1);
    }

    // ----- the answers of a bounded question

    @Test
    void aQuestionAnsweredWithAnErrorThrowsItAndAClosedConnectionIsNo() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        SQLException failure = new SQLException("current transaction is aborted", "25P02");
        dialect.heldAnswer = failure;
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)))
                .isExactlyInstanceOf(DistributedLockException.class).hasCause(failure)
                .hasMessageContaining("cannot ask the server whether it is held");
        assertThat(lock.isLocked()).as("a question does not declare a loss").isTrue();
        fake.closed = true;
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isFalse();
        dialect.heldAnswer = true;
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).as("closed: not even asked").isFalse();
    }

    @Test
    void theQuestionWithoutABoundWaitsTheConnectionsNetworkTimeout() {
        Scripted dialect = new Scripted("k");
        NetworkTimeoutConnection slow = new NetworkTimeoutConnection(40);
        JdbcDistributedLock lock = new JdbcDistributedLock(slow.connection, ConnectionState.of(slow.connection),
                "ScriptDB", LockKey.of("k"), LockOptions.DEFAULT, dialect);
        lock.acquire();
        CountDownLatch silence = new CountDownLatch(1);
        dialect.heldBlocksUntil = silence;
        try {
            assertThatThrownBy(lock::isHeldOnServer).isInstanceOf(LockLostException.class)
                    .hasMessageContaining("not confirmed by the server within 40.0 ms");
        } finally {
            silence.countDown();
        }
    }

    // ----- a lease's session settings

    @Test
    void aLeaseSetsTheSessionAndItsReleasePutsItBack() throws Exception {
        fake.settings.put("lease", "none");
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        LockWatch watch = lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { });
        assertThat(fake.settings).containsEntry("lease", "PT9S");
        LockWatch second = lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { });
        assertThatThrownBy(() -> lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("keeps a lease of PT9S already");
        lock.release();
        watch.close();
        second.close();
        assertThat(fake.settings).containsEntry("lease", "none");

        lock.acquire();
        LockWatch again = lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { });
        assertThat(fake.settings).as("the lease ended with the release: a new one may differ")
                .containsEntry("lease", "PT5S");
        again.close();
        lock.release();
    }

    @Test
    void aConnectionKeepsOneLeaseWhichIsFreeAgainAfterItsRelease() {
        JdbcDistributedLock first = lock(new Scripted("a"));
        JdbcDistributedLock second = lock(new Scripted("b"));
        first.acquire();
        second.acquire();
        first.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }).close();
        assertThatThrownBy(() -> second.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("a connection keeps one lease");
        second.watch(Duration.ofSeconds(1), lost -> { }).close(); // a watch without a lease is no lease
        first.release();
        second.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }).close();
        assertThat(fake.settings).containsEntry("lease", "PT9S");
        second.release();
        assertThat(fake.settings).doesNotContainKey("lease");
    }

    @Test
    void aLeaseTheSessionRefusesIsAnErrorAndLeavesTheConnectionsLeaseFree() {
        JdbcDistributedLock first = lock(new Scripted("a"));
        first.acquire();
        SQLClientInfoException refused = new SQLClientInfoException("permission denied", Map.of());
        fake.settingFailure = refused;
        assertThatThrownBy(() -> first.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }))
                .isExactlyInstanceOf(DistributedLockException.class).hasCause(refused)
                .hasMessageContaining("cannot set the session for a lease of PT9S")
                .hasMessageContaining("permission denied");
        fake.settingFailure = null;
        JdbcDistributedLock second = lock(new Scripted("b"));
        second.acquire();
        second.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }).close();
        second.release();
        first.release();
    }

    @Test
    void aLeaseTheDialectCannotKeepLeavesTheConnectionsLeaseFree() {
        FakeConnection plain = new FakeConnection("FakeDB", "1.0"); // the dialect without a lease
        JdbcDistributedLock lock = new JdbcDistributedLock(plain.connection, ConnectionState.of(plain.connection),
                "FakeDB", LockKey.of("k"), LockOptions.DEFAULT, new Scripted("k"));
        lock.acquire();
        assertThatThrownBy(() -> lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }))
                .isInstanceOf(UnsupportedLockOptionException.class);
        JdbcDistributedLock other = new JdbcDistributedLock(plain.connection, ConnectionState.of(plain.connection),
                "FakeDB", LockKey.of("j"), LockOptions.DEFAULT, new Scripted("j"));
        other.acquire();
        assertThatThrownBy(() -> other.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }))
                .as("refused for what the dialect cannot do, not for a lease the first one keeps")
                .isInstanceOf(UnsupportedLockOptionException.class);
    }

    @Test
    void settingsThatCannotBePutBackFailTheReleaseButTheLockIsReleased() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }).close();
        SQLClientInfoException failure = new SQLClientInfoException("connection is read-only", Map.of());
        fake.settingFailure = failure;
        assertThatThrownBy(lock::release).isExactlyInstanceOf(DistributedLockException.class).hasCause(failure)
                .hasMessageContaining("was released, but the session settings its lease changed could not be put back");
        assertThat(lock.isLocked()).isFalse();
        assertThat(dialect.unlocks).hasValue(1);
    }

    @Test
    void aReleaseThatFindsTheLockGoneCarriesTheSettingsThatCouldNotBePutBack() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }).close();
        SQLClientInfoException failure = new SQLClientInfoException("connection is read-only", Map.of());
        fake.settingFailure = failure;
        dialect.unlockAnswer = false;
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(failure));
    }

    @Test
    void aLossReportedAtReleasePutsTheLeaseSettingsBackOnAnOpenConnection() {
        fake.settings.put("lease", "none");
        Scripted dialect = new Scripted("k");
        dialect.session = "backend 101";
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }).close();
        dialect.session = "backend 202";
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)))
                .isInstanceOf(LockLostException.class);
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
        assertThat(fake.settings).containsEntry("lease", "none");

        dialect.session = "backend 101";
        lock.acquire();
        lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }).close();
        assertThat(fake.settings).as("the lease ended with the reported loss").containsEntry("lease", "PT5S");
        dialect.session = "backend 202";
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)))
                .isInstanceOf(LockLostException.class);
        SQLClientInfoException failure = new SQLClientInfoException("connection is read-only", Map.of());
        fake.settingFailure = failure;
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(failure));
    }

    @Test
    void aLossOnAClosedConnectionPutsNothingBack() throws Exception {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        LockWatch watch = lock.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { });
        assertThat(fake.settings).containsEntry("lease", "PT9S");
        fake.closed = true; // the session ended: the watch's next check, within 2 s, finds it closed
        watch.lost().get(SANITY_SECONDS, TimeUnit.SECONDS);
        assertThat(watch.loss().orElseThrow().reason()).isEqualTo(Reason.SESSION_ENDED);
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class)
                .hasMessageContaining("lost with its session");
        assertThat(fake.settings).as("nothing sent on a closed connection").containsEntry("lease", "PT9S");
        watch.close();
    }

    @Test
    void eachRequestOfAWaitStaysBelowTheDriversNetworkTimeout() {
        Scripted dialect = new Scripted("k");
        NetworkTimeoutConnection slow = new NetworkTimeoutConnection(4000);
        JdbcDistributedLock lock = new JdbcDistributedLock(slow.connection, ConnectionState.of(slow.connection),
                "ScriptDB", LockKey.of("k"), LockOptions.DEFAULT, dialect);
        lock.acquire();
        assertThat(dialect.timeouts).as("three quarters of the network timeout").containsExactly(3000L);
        lock.release();
        assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
        assertThat(dialect.timeouts).containsExactly(3000L, 1000L);
        lock.release();
        Scripted unlimited = new Scripted("j");
        lock(unlimited).acquire(); // FakeConnection cannot tell its network timeout
        assertThat(unlimited.timeouts).as("no network timeout: the dialect's longest").containsExactly(10_000L);
    }

    // ----- a release that meets a loss while another call is stuck

    @Test
    void aReleaseReportsALossDeclaredWhileACheckIsStuckWithoutWaitingForIt() throws Exception {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        CountDownLatch silence = new CountDownLatch(1);
        dialect.heldBlocksUntil = silence; // stays stuck even once the connection is aborted
        try {
            LockWatch watch = lock.watch(WatchOptions.every(Duration.ofSeconds(SANITY_SECONDS))
                    .confirmWithin(Duration.ofMillis(100)), lost -> { });
            assertThat(dialect.heldAsked.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
            Thread.currentThread().interrupt(); // a release does not answer interrupts, and keeps them
            assertThatThrownBy(lock::release).isInstanceOfSatisfying(LockLostException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.UNCONFIRMED))
                    .hasMessageContaining("declared lost before this release");
            assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
            assertThat(dialect.unlocks).hasValue(0);
            assertThat(silence.getCount()).as("the check is still stuck").isEqualTo(1);
            watch.close();
        } finally {
            silence.countDown();
        }
    }

    @Test
    void aReleaseWaitsItsTurnBehindACallUnderWay() throws Exception {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        CountDownLatch answer = new CountDownLatch(1);
        dialect.heldBlocksUntil = answer;
        CompletableFuture<Boolean> question = CompletableFuture.supplyAsync(
                () -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)));
        assertThat(dialect.heldAsked.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> release = new CompletableFuture<>();
        Thread releasing = new Thread(() -> {
            try {
                lock.release();
                release.complete(null);
            } catch (Throwable e) {
                release.completeExceptionally(e);
            }
        });
        releasing.start();
        awaitState(releasing, Thread.State.TIMED_WAITING); // waiting for the turn
        answer.countDown();
        release.get(SANITY_SECONDS, TimeUnit.SECONDS);
        assertThat(question.get(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(dialect.unlocks).hasValue(1);
        assertThat(lock.isLocked()).isFalse();
    }

    // ----- turns: one call at a time on a lock object

    @Test
    void everyCallGivesItsTurnBack() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        Duration bound = Duration.ofSeconds(SANITY_SECONDS);
        lock.acquire();
        lock.release();
        // asked on the connection's lane, another thread, which needs the turn the release had
        assertThat(lock.isHeldOnServer(bound)).isFalse();
        lock.acquire();
        lock.close();
        assertThat(lock.isHeldOnServer(bound)).isFalse();
        assertThat(lock.isHeldOnServer()).as("bounded by the default when the driver has no network timeout")
                .isFalse();

        fake.autoCommit = false;
        Scripted inTransaction = new Scripted("t");
        inTransaction.releasable = false;
        JdbcDistributedLock transaction = lock(inTransaction, LockOptions.builder().scope(LockScope.TRANSACTION)
                .build());
        transaction.acquire();
        assertThat(transaction.isHeldOnServer()).isTrue();
        transaction.endedWithTransaction();
        inTransaction.held = false; // the commit ended it on the server
        assertThat(transaction.isHeldOnServer(bound)).isFalse();
    }

    @Test
    void anInterruptedCallerOfABoundedQuestionGetsItsAnswerAndKeepsTheInterrupt() {
        JdbcDistributedLock lock = lock(new Scripted("k"));
        lock.acquire();
        Thread.currentThread().interrupt();
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isTrue();
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void aCheckThatCannotHaveItsTurnByItsDeadlineAsksNothingAndKeepsTheInterrupt() throws Exception {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        CountDownLatch answer = new CountDownLatch(1);
        dialect.heldBlocksUntil = answer;
        CompletableFuture<Boolean> question = CompletableFuture.supplyAsync(
                () -> lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS)));
        try {
            assertThat(dialect.heldAsked.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
            AtomicInteger asked = new AtomicInteger();
            dialect.whileAsked = asked::incrementAndGet;
            Thread.currentThread().interrupt();
            long now = System.nanoTime();
            lock.check(now, now + TimeUnit.MILLISECONDS.toNanos(20));
            assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
            answer.countDown();
            assertThat(question.get(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(asked).as("only the question was answered").hasValue(1);
            assertThat(lock.isLocked()).as("the watch's deadline, not the check, declares a loss").isTrue();
        } finally {
            answer.countDown();
        }
    }

    @Test
    void aQuestionThatFailsAsTheConnectionClosesIsNo() {
        Scripted dialect = new Scripted("k");
        JdbcDistributedLock lock = lock(dialect);
        lock.acquire();
        dialect.whileAsked = () -> fake.closed = true;
        dialect.heldAnswer = new SQLException("An I/O error occurred while sending to the backend", "08006");
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(SANITY_SECONDS))).isFalse();
    }

    @Test
    void aSecondThreadsRequestOnABusyConnectionIsRefusedNotQueued() throws Exception {
        CountDownLatch inRequest = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        Scripted slow = new Scripted("slow") {
            @Override
            public boolean request(Connection connection, LockRequest request) {
                inRequest.countDown();
                awaitUninterruptibly(answer);
                return true;
            }
        };
        JdbcDistributedLock first = lock(slow);
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(first::tryAcquire);
        try {
            assertThat(inRequest.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
            Scripted other = new Scripted("other");
            assertThatThrownBy(() -> lock(other).tryAcquire()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another thread's lock request is under way on this connection");
            assertThat(other.requests).hasValue(0);
        } finally {
            answer.countDown();
        }
        assertThat(waiting.get(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(lock(new Scripted("after")).tryAcquire()).as("the connection is free again").isTrue();
    }

    // ----- checks of many locks on a session only dlock uses

    @Test
    void onASessionOnlyDlockUsesACheckThatBeganAfterAnotherWasDueAnswersIt() {
        ConnectionState state = ConnectionState.of(fake.connection);
        state.ownedByDlock(true);
        AtomicInteger asked = new AtomicInteger();
        Scripted a = new Scripted("a");
        Scripted b = new Scripted("b");
        a.whileAsked = asked::incrementAndGet;
        b.whileAsked = asked::incrementAndGet;
        a.session = "backend 101";
        b.session = "backend 101";
        JdbcDistributedLock lockA = lock(a);
        JdbcDistributedLock lockB = lock(b);
        lockA.acquire();
        lockB.acquire();
        long far = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);

        long due = System.nanoTime();
        lockA.check(due, far);
        assertThat(asked).hasValue(1);
        lockB.check(due, far);
        assertThat(asked).as("answered by a's check, which began after b's was due").hasValue(1);
        lockB.check(System.nanoTime(), far);
        assertThat(asked).as("due after the latest check began: asked").hasValue(2);

        Scripted c = new Scripted("c");
        c.whileAsked = asked::incrementAndGet;
        c.session = "backend 202"; // granted on another server session than a and b
        JdbcDistributedLock lockC = lock(c);
        lockC.acquire();
        long later = System.nanoTime();
        lockA.check(later, far);
        assertThat(asked).hasValue(3);
        lockB.check(later, far);
        assertThat(asked).hasValue(3);
        lockC.check(later, far);
        assertThat(asked).as("a's session is not c's: c asks").hasValue(4);

        state.ownedByDlock(false); // back to a caller who may send statements of its own
        lockB.check(later, far);
        assertThat(asked).as("every check asks on a connection others use").hasValue(5);
        lockA.release();
        lockB.release();
        lockC.release();
    }

    @Test
    void aCheckThatFindsTheLockGoneConfirmsNothing() {
        ConnectionState state = ConnectionState.of(fake.connection);
        state.ownedByDlock(true);
        AtomicInteger asked = new AtomicInteger();
        Scripted a = new Scripted("a");
        Scripted b = new Scripted("b");
        a.whileAsked = asked::incrementAndGet;
        b.whileAsked = asked::incrementAndGet;
        JdbcDistributedLock lockA = lock(a);
        JdbcDistributedLock lockB = lock(b);
        lockA.acquire();
        lockB.acquire();
        long far = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
        long due = System.nanoTime();
        a.held = false;
        lockA.check(due, far);
        assertThat(lockA.loss()).isNotNull();
        lockB.check(due, far);
        assertThat(asked).as("a's no is not b's yes: b asks itself").hasValue(2);
        assertThat(lockB.isLocked()).isTrue();
        state.ownedByDlock(false);
    }

    // ----- helpers

    /** A connection of the plain FakeDB dialect whose driver has a network timeout. */
    private static final class NetworkTimeoutConnection {
        final FakeConnection fake = new FakeConnection("FakeDB", "1.0");
        final Connection connection;

        NetworkTimeoutConnection(int millis) {
            connection = (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (self, method, args) -> switch (method.getName()) {
                        case "getNetworkTimeout" -> millis;
                        case "unwrap" -> self;
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> method.invoke(fake.connection, args);
                    });
        }
    }

    private static void awaitState(Thread thread, Thread.State state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
        while (thread.getState() != state) {
            assertThat(System.nanoTime()).as("%s reaches %s", thread.getName(), state).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                if (!latch.await(SANITY_SECONDS, TimeUnit.SECONDS)) {
                    throw new AssertionError("never let go");
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true; // a socket read ignores interrupts; so does this stub
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
