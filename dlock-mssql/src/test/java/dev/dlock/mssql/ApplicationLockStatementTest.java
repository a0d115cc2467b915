package dev.dlock.mssql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import dev.dlock.spi.LockProvider;
import dev.dlock.spi.LockRequest;
import dev.dlock.tck.stub.CallInThread;
import dev.dlock.tck.stub.ExpectedStatement;
import dev.dlock.tck.stub.ScriptedConnection;
import dev.dlock.tck.stub.SharedConnectionsScript;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every statement the SQL Server dialect sends and every answer it can get, through the public API over a
 * scripted connection: exact SQL, each bound parameter and its setter, each documented return code.
 */
class ApplicationLockStatementTest {
    private static final String GET = "{? = call sp_getapplock(?, ?, ?, ?)}";
    private static final String RELEASE = "{? = call sp_releaseapplock(?, ?)}";
    private static final LockOptions TRANSACTION = LockOptions.builder().scope(LockScope.TRANSACTION).build();

    private final ScriptedConnection db = ScriptedConnection.of("Microsoft SQL Server", "16.00.4135");

    @AfterEach
    void theScriptWasFollowedExactly() {
        db.verify();
    }

    private ExpectedStatement expectGet(String resource, String mode, String owner) {
        return db.expectCall(GET).registerOut(1, Types.INTEGER)
                .setString(2, resource).setString(3, mode).setString(4, owner);
    }

    private ExpectedStatement expectGet(String resource, int timeoutMillis) {
        return expectGet(resource, "Exclusive", "Session").setInt(5, timeoutMillis);
    }

    private ExpectedStatement expectRelease(String resource, String owner) {
        return db.expectCall(RELEASE).registerOut(1, Types.INTEGER).setString(2, resource).setString(3, owner);
    }

    private DistributedLock lock(String key) {
        return Locks.forConnection(db.connection(), key);
    }

    /** The dialect itself, below the API: for what depends on the time left, which the test then sets. */
    private static ApplicationLock sessionLock(String resource) {
        return new ApplicationLock(resource, "Exclusive", false);
    }

    /** After dlock's own cancel, the API asks whether the grant crossed it. */
    private ExpectedStatement expectModeAsked(String answer) {
        return db.expectPrepare("SELECT APPLOCK_MODE('public', ?, ?)").setString(1, "k").setString(2, "Session")
                .executeQuery().returnsRows(new Object[] {answer});
    }

    private static SQLException cancelledByDriver() {
        return new SQLException("The query was canceled.", "HY008");
    }

    @Nested
    class ProviderSelection {
        @Test
        void microsoftSqlServerConnectionsGetTheSqlServerDialect() {
            DistributedLock lock = lock("k");
            assertThat(lock.dialect()).isEqualTo("SQL Server");
            assertThat(lock.databaseKey()).isEqualTo("k");
        }

        @Test
        void handlesOnlyTheProductNameMicrosoftSqlServer() {
            SqlServerLockProvider provider = new SqlServerLockProvider();
            assertThat(provider.handles("Microsoft SQL Server", "16.00.4135")).isTrue();
            assertThat(provider.handles("Microsoft SQL Server", "")).isTrue();
            for (String other : List.of("PostgreSQL", "MySQL", "MariaDB", "Oracle", "SQL Server",
                    "microsoft sql server", "Microsoft SQL Server Compact", "H2")) {
                assertThat(provider.handles(other, "")).as(other).isFalse();
            }
        }

        @Test
        void isRegisteredAsAServiceProvider() {
            List<Class<?>> found = new ArrayList<>();
            ServiceLoader.load(LockProvider.class).forEach(p -> found.add(p.getClass()));
            assertThat(found).contains(SqlServerLockProvider.class);
        }

        @Test
        void otherProductsAreNotMistakenForSqlServer() {
            ScriptedConnection oracle = ScriptedConnection.of("Oracle");
            assertThatThrownBy(() -> Locks.forConnection(oracle.connection(), "k"))
                    .isInstanceOf(DialectNotFoundException.class).hasMessageContaining("Oracle");
            oracle.verify();
        }
    }

    @Nested
    class ModesAndScopes {
        static Stream<Arguments> modesAndScopes() {
            List<Arguments> cases = new ArrayList<>();
            String[][] modes = {{"EXCLUSIVE", "Exclusive"}, {"SHARED", "Shared"}, {"UPDATE", "Update"},
                {"INTENT_SHARED", "IntentShared"}, {"INTENT_EXCLUSIVE", "IntentExclusive"}};
            for (String[] mode : modes) {
                cases.add(Arguments.of(LockMode.valueOf(mode[0]), LockScope.SESSION, mode[1], "Session"));
                cases.add(Arguments.of(LockMode.valueOf(mode[0]), LockScope.TRANSACTION, mode[1], "Transaction"));
            }
            return cases.stream();
        }

        @ParameterizedTest(name = "{0} {1} is @LockMode = ''{2}'', @LockOwner = ''{3}''")
        @MethodSource("modesAndScopes")
        void eachModeAndScopeSendsItsLockModeAndOwner(LockMode mode, LockScope scope, String lockMode, String owner)
                throws Exception {
            db.autoCommit(scope == LockScope.SESSION);
            expectGet("report", lockMode, owner).setInt(5, 0).returnsOut(1, 0);
            expectRelease("report", owner).returnsOut(1, 0);
            DistributedLock lock = Locks.forConnection(db.connection(), "report",
                    LockOptions.builder().mode(mode).scope(scope).build());
            assertThat(lock.tryAcquire()).isTrue();
            lock.release();
            assertThat(lock.isLocked()).isFalse();
        }

        @ParameterizedTest
        @EnumSource(value = LockMode.class, names = {"SHARED_INTENT_EXCLUSIVE", "NULL"})
        void modesSqlServerLacksAreRefusedBeforeAnySql(LockMode mode) {
            assertThatThrownBy(() -> Locks.forConnection(db.connection(), "k", LockOptions.builder().mode(mode).build()))
                    .isInstanceOf(UnsupportedLockOptionException.class)
                    .hasMessageContaining("SQL Server").hasMessageContaining(mode.toString());
        }

        @Test
        void transactionOwnedLockIsRefusedInAutoCommitModeBeforeAnySql() {
            DistributedLock lock = Locks.forConnection(db.connection(), "k", TRANSACTION);
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
        }

        @Test
        void transactionOwnedLockCanBeReleasedBeforeTheTransactionEnds() throws Exception {
            db.autoCommit(false);
            expectGet("k", "Exclusive", "Transaction").setInt(5, Integer.MAX_VALUE).returnsOut(1, 0);
            expectRelease("k", "Transaction").returnsOut(1, 0);
            DistributedLock lock = Locks.forConnection(db.connection(), "k", TRANSACTION);
            lock.acquire();
            lock.release();
            assertThat(lock.isLocked()).isFalse();
        }
    }

    @Test
    void aLeaseIsRefusedWithoutAStatementAndTheLockStaysHeld() {
        expectGet("k", 0).returnsOut(1, 0);
        expectRelease("k", "Session").returnsOut(1, 0);
        DistributedLock lock = lock("k");
        assertThat(lock.tryAcquire()).isTrue();
        assertThatThrownBy(() -> lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }))
                .isInstanceOf(UnsupportedLockOptionException.class).hasMessageContaining("lease cannot be kept");
        assertThat(lock.isLocked()).isTrue();
        lock.release();
    }

    /** One lock over several keys: the keys in the order of their names, all or none. */
    @Nested
    class SeveralKeys {
        @Test
        void keysAreRequestedInTheOrderOfTheirNamesAndReleasedInReverse() {
            expectGet("a", 0).returnsOut(1, 0);
            expectGet("b", 0).returnsOut(1, 0);
            expectRelease("b", "Session").returnsOut(1, 0);
            expectRelease("a", "Session").returnsOut(1, 0);
            DistributedLock both = Locks.forConnection(db.connection(), List.of("b", "a"));
            assertThat(both.databaseKey()).isEqualTo(List.of("a", "b"));
            assertThat(both.tryAcquire()).isTrue();
            both.release();
        }

        @Test
        void aKeyHeldElsewhereGivesBackTheKeyTakenBeforeIt() {
            expectGet("a", 0).returnsOut(1, 0);
            expectGet("b", 0).returnsOut(1, -1); // -1: held elsewhere
            expectRelease("a", "Session").returnsOut(1, 0);
            assertThat(Locks.forConnection(db.connection(), List.of("b", "a")).tryAcquire()).isFalse();
        }
    }

    /** Locks through a pool: which connection each statement goes to. */
    @Nested
    class SharedConnections extends SharedConnectionsScript {
        @Override
        protected ScriptedConnection connection() {
            return ScriptedConnection.of("Microsoft SQL Server", "16.00.4135");
        }

        @Override
        protected void expectRequest(ScriptedConnection on, String key, boolean waits, boolean granted) {
            // 0: granted at once; 1: granted after waiting; -1: held elsewhere
            on.expectCall(GET).registerOut(1, Types.INTEGER).setString(2, key).setString(3, "Exclusive")
                    .setString(4, "Session").setInt(5, waits ? Integer.MAX_VALUE : 0)
                    .returnsOut(1, granted ? (waits ? 1 : 0) : -1);
        }

        @Override
        protected void expectRelease(ScriptedConnection on, String key) {
            on.expectCall(RELEASE).registerOut(1, Types.INTEGER).setString(2, key).setString(3, "Session")
                    .returnsOut(1, 0);
        }
    }

    @Nested
    class Timeouts {
        @Test
        void tryAcquireIsOneAttemptWithLockTimeoutZero() {
            expectGet("k", 0).returnsOut(1, -1);
            assertThat(lock("k").tryAcquire()).isFalse();
        }

        @Test
        void zeroDurationIsOneAttemptWithLockTimeoutZero() {
            expectGet("k", 0).returnsOut(1, -1);
            assertThatThrownBy(() -> lock("k").acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
        }

        @Test
        void acquireWaitsAnIntOfMillisecondsAtATime() {
            ExpectedStatement get = expectGet("k", Integer.MAX_VALUE).returnsOut(1, 1);
            expectRelease("k", "Session").returnsOut(1, 0);
            DistributedLock lock = lock("k");
            assertThat(lock.acquire()).isSameAs(lock);
            assertThat(lock.isLocked()).isTrue();
            assertThat(get.queryTimeout()).as("a driver's default queryTimeout does not cut the wait").isZero();
            lock.close();
        }

        @Test
        void eachRequestStaysBelowTheDriversNetworkTimeout() {
            db.networkTimeout(2000); // a read past it would break the connection
            expectGet("k", 1500).returnsOut(1, 1);
            expectRelease("k", "Session").returnsOut(1, 0);
            DistributedLock lock = lock("k");
            lock.acquire();
            lock.release();
        }

        @Test
        void oneAttemptKeepsTheCallersQueryTimeout() {
            ExpectedStatement get = expectGet("k", 0).returnsOut(1, -1);
            assertThat(lock("k").tryAcquire()).isFalse();
            assertThat(get.queryTimeout()).as("not touched").isNull();
        }

        static Stream<Arguments> remainingTimes() {
            long ms = TimeUnit.MILLISECONDS.toNanos(1);
            return Stream.of(
                    Arguments.of(0L, 0),
                    Arguments.of(1L, 1),
                    Arguments.of(ms, 1),
                    Arguments.of(ms + 1, 2),
                    Arguments.of(249 * ms + 1, 250),
                    Arguments.of(250 * ms, 250),
                    Arguments.of(Integer.MAX_VALUE * ms, Integer.MAX_VALUE),
                    Arguments.of(Integer.MAX_VALUE * ms + 1, Integer.MAX_VALUE),
                    Arguments.of(TimeUnit.DAYS.toNanos(30), Integer.MAX_VALUE));
        }

        /**
         * The remaining time, which the API reads from its clock, is the test's here: the bound parameter is one
         * exact value, and a millisecond count rounded down (the deadline cut short) shows as one less.
         */
        @ParameterizedTest(name = "{0} ns left is @LockTimeout = {1}")
        @MethodSource("remainingTimes")
        void lockTimeoutIsTheRemainingTimeInMillisecondsRoundedUpAndCappedAtAnInt(long remainingNanos,
                                                                                  int lockTimeout) throws Exception {
            expectGet("k", lockTimeout).returnsOut(1, -1);
            assertThat(sessionLock("k").request(db.connection(), new RemainingTime(remainingNanos))).isFalse();
        }

        @Test
        void waitLongerThanAnIntOfMillisecondsStartsWithTheLongestRequest() {
            expectGet("k", Integer.MAX_VALUE).returnsOut(1, 1);
            expectRelease("k", "Session").returnsOut(1, 0);
            DistributedLock lock = lock("k");
            assertThat(lock.tryAcquire(Duration.ofDays(30))).isTrue();
            lock.release();
        }
    }

    @Nested
    class ReturnCodes {
        @Test
        void zeroIsGrantedAtOnce() {
            expectGet("k", 0).returnsOut(1, 0);
            expectRelease("k", "Session").returnsOut(1, 0);
            DistributedLock lock = lock("k");
            assertThat(lock.tryAcquire()).isTrue();
            lock.release();
        }

        @Test
        void oneIsGrantedAfterWaiting() throws Exception {
            expectGet("k", 5000).returnsOut(1, 1);
            assertThat(sessionLock("k").request(db.connection(), new RemainingTime(TimeUnit.SECONDS.toNanos(5))))
                    .isTrue();
        }

        @Test
        void minusOneIsTimedOut() throws Exception {
            expectGet("k", 50).returnsOut(1, -1);
            assertThat(sessionLock("k").request(db.connection(), new RemainingTime(TimeUnit.MILLISECONDS.toNanos(50))))
                    .isFalse();
        }

        @Test
        void minusOneLongBeforeTheTimeoutIsAnErrorNotASpin() {
            expectGet("k", Integer.MAX_VALUE).returnsOut(1, -1);
            DistributedLock lock = lock("k");
            assertThatThrownBy(lock::acquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("answered \"not granted\"");
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void minusTwoNotCausedByDlockIsAnError() {
            expectGet("k", 0).returnsOut(1, -2);
            assertThatThrownBy(() -> lock("k").tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("-2").hasMessageContaining("cancelled");
        }

        @Test
        void minusThreeIsADeadlockVictimError() {
            expectGet("k", Integer.MAX_VALUE).returnsOut(1, -3);
            DistributedLock lock = lock("k");
            assertThatThrownBy(lock::acquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("-3").hasMessageContaining("deadlock victim");
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void minus999IsAnErrorCarryingTheServersMessage() {
            expectGet("k", 0).returnsOut(1, -999).warns(new SQLWarning(
                    "You attempted to acquire a transactional application lock without an active transaction.",
                    "S0001", 15626));
            assertThatThrownBy(() -> lock("k").tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("-999").hasMessageContaining("without an active transaction");
        }

        @Test
        void minus999NamesTheLockAndEveryMessageTheServerSent() {
            SQLWarning first = new SQLWarning("The option 'X' is not recognized.", "S0001", 15625);
            first.setNextWarning(new SQLWarning("Parameter validation failed.", "S0001", 0));
            expectGet("k", 0).returnsOut(1, -999).warns(first);
            assertThatThrownBy(() -> lock("k").tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("SQL Server application lock \"k\" (@LockMode = 'Exclusive',"
                            + " @LockOwner = 'Session')")
                    .hasMessageEndingWith(": The option 'X' is not recognized.; Parameter validation failed.");
        }

        @Test
        void nullOrUndocumentedReturnCodesAreErrors() {
            expectGet("k", 0).returnsOut(1, null);
            expectGet("k", 0).returnsOut(1, 7);
            DistributedLock lock = lock("k");
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("no return code");
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("7").hasMessageContaining("undocumented");
        }

        @Test
        void driverErrorsKeepTheirSqlExceptionAsCause() {
            SQLException failure = new SQLException("Connection reset", "08S01", 0);
            expectGet("k", 0).fails(failure);
            assertThatThrownBy(() -> lock("k").tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasCause(failure);
        }

        @Test
        void releaseZeroIsReleased() {
            expectGet("k", 0).returnsOut(1, 0);
            expectRelease("k", "Session").returnsOut(1, 0);
            DistributedLock lock = lock("k");
            lock.tryAcquire();
            lock.release();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void releaseMinus999IsALostLock() {
            expectGet("k", 0).returnsOut(1, 0);
            expectRelease("k", "Session").returnsOut(1, -999);
            DistributedLock lock = lock("k");
            lock.tryAcquire();
            assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void releaseNotHeldErrorIsALostLock() {
            expectGet("k", 0).returnsOut(1, 0);
            expectRelease("k", "Session").fails(new SQLException("Cannot release the application lock (Database"
                    + " Principal: 'public', Resource: 'k') because it is not currently held.", "S0001", 1223));
            DistributedLock lock = lock("k");
            lock.tryAcquire();
            assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void releaseFailingOtherwiseKeepsTheLockMarkedHeld() {
            SQLException failure = new SQLException("Connection reset", "08S01", 0);
            expectGet("k", 0).returnsOut(1, 0);
            expectRelease("k", "Session").fails(failure);
            expectRelease("k", "Session").returnsOut(1, 5);
            DistributedLock lock = lock("k");
            lock.tryAcquire();
            assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class).hasCause(failure);
            assertThat(lock.isLocked()).isTrue();
            assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("returned 5");
        }
    }

    @Nested
    class Keys {
        @Test
        void stringKeyIsTheResourceAsItIs() {
            String key = "'; DROP TABLE t; -- \u0000 \uD83D\uDD12 Zürich";
            expectGet(key, 0).returnsOut(1, 0);
            expectRelease(key, "Session").returnsOut(1, 0);
            DistributedLock lock = lock(key);
            assertThat(lock.databaseKey()).isEqualTo(key);
            lock.tryAcquire();
            lock.release();
        }

        @Test
        void longKeyIsItsDecimalString() {
            expectGet("-42", 0).returnsOut(1, 0);
            expectRelease("-42", "Session").returnsOut(1, 0);
            DistributedLock lock = Locks.forConnection(db.connection(), LockKey.of(-42L));
            assertThat(lock.databaseKey()).isEqualTo("-42");
            lock.tryAcquire();
            lock.release();
        }

        @Test
        void byteKeyIsItsUtf8Text() {
            DistributedLock lock = Locks.forConnection(db.connection(), LockKey.of("日本語".getBytes(StandardCharsets.UTF_8)));
            assertThat(lock.databaseKey()).isEqualTo("日本語");
        }

        @Test
        void byteKeyThatIsNotUtf8IsIllegalArgument() {
            assertThatThrownBy(() -> Locks.forConnection(db.connection(), LockKey.of(new byte[] {(byte) 0xff, 0x41})))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
        }

        @Test
        void resourceOf255CharactersIsAccepted() {
            assertThat(lock("x".repeat(255)).databaseKey()).isEqualTo("x".repeat(255));
            assertThat(lock("\uD83D\uDD12".repeat(127) + "x").databaseKey()).asString().hasSize(255);
        }

        @ParameterizedTest
        @ValueSource(ints = {256, 1000})
        void resourceOverSqlServers255IsIllegalArgumentBeforeAnySql(int length) {
            assertThatThrownBy(() -> lock("x".repeat(length))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("255").hasMessageContaining(Integer.toString(length));
        }

        @Test
        void lengthCountsUtf16UnitsAsNvarcharDoes() {
            // 128 emoji are 128 code points but 256 nvarchar characters: SQL Server would cut the last one in half
            assertThatThrownBy(() -> lock("\uD83D\uDD12".repeat(128))).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void providerRefusesLongNamesItselfToo() {
            assertThatThrownBy(() -> new SqlServerLockProvider().lockFor(LockKey.of("y".repeat(256)),
                    LockOptions.DEFAULT)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Interrupts {
        @Test
        void interruptCancelsTheWaitAndKeepsTheFlag() throws Exception {
            ExpectedStatement waiting = expectGet("k", Integer.MAX_VALUE).blocksUntilCancelled()
                    .fails(cancelledByDriver());
            expectModeAsked("NoLock");
            DistributedLock lock = lock("k");
            CallInThread<Boolean> call = CallInThread.expectingInterrupt(lock::acquire);
            waiting.awaitExecuting();
            call.interrupt();
            assertThat(call.result()).as("LockInterruptedException with the interrupt flag kept").isTrue();
            assertThat(waiting.cancels()).isPositive();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void minusTwoAfterDlocksOwnCancelIsTheInterrupt() throws Exception {
            // a timed wait longer than an int of milliseconds: the first request is the longest, whatever the clock
            ExpectedStatement waiting = expectGet("k", Integer.MAX_VALUE).blocksUntilCancelled().returnsOut(1, -2);
            expectModeAsked("NoLock");
            DistributedLock lock = lock("k");
            CallInThread<Boolean> call = CallInThread.start(() -> {
                try {
                    return lock.tryAcquire(Duration.ofDays(30));
                } catch (LockInterruptedException expected) {
                    return null;
                }
            });
            waiting.awaitExecuting();
            call.interrupt();
            assertThat(call.result()).as("interrupted, neither granted nor timed out").isNull();
        }

        @Test
        void lockGrantedAsTheInterruptLandsIsGivenBack() throws Exception {
            ExpectedStatement waiting = expectGet("k", Integer.MAX_VALUE).blocksUntilCancelled().returnsOut(1, 1);
            expectRelease("k", "Session").returnsOut(1, 0);
            DistributedLock lock = lock("k");
            CallInThread<Class<?>> call = CallInThread.start(() -> {
                try {
                    lock.acquire();
                    return null;
                } catch (RuntimeException e) {
                    return e.getClass();
                }
            });
            waiting.awaitExecuting();
            call.interrupt();
            assertThat(call.result()).isEqualTo(LockInterruptedException.class);
            assertThat(lock.isLocked()).isFalse();
        }
    }

    /** isHeldOnServer: APPLOCK_MODE for this owner. */
    @Nested
    class HeldOnServer {
        private ExpectedStatement expectMode(String owner) {
            return db.expectPrepare("SELECT APPLOCK_MODE('public', ?, ?)").setString(1, "k").setString(2, owner)
                    .executeQuery();
        }

        @Test
        void anyModeButNoLockIsHeld() {
            expectGet("k", 0).returnsOut(1, 0);
            expectMode("Session").returnsRows(new Object[] {"Exclusive"});
            expectRelease("k", "Session").returnsOut(1, 0);
            expectMode("Session").returnsRows(new Object[] {"NoLock"});
            DistributedLock lock = lock("k");
            assertThat(lock.tryAcquire()).isTrue();
            assertThat(lock.isHeldOnServer()).isTrue();
            lock.release();
            assertThat(lock.isHeldOnServer()).isFalse();
        }

        @Test
        void transactionLocksAreAskedForTheTransactionOwner() throws SQLException {
            db.connection().setAutoCommit(false);
            expectMode("Transaction").returnsRows(new Object[] {"NoLock"});
            assertThat(Locks.forConnection(db.connection(), "k", TRANSACTION).isHeldOnServer()).isFalse();
        }
    }

    /**
     * A request with a fixed time left, answering {@link LockRequest#timeout} as its contract says (rounded up to
     * whole units, at most {@code max}; the API's own arithmetic is pinned by its PendingRequestTest). What is
     * SQL Server's here: the unit and the cap it asks for, and that it binds the answer as it is.
     */
    private static final class RemainingTime implements LockRequest {
        private final long remainingNanos;

        RemainingTime(long remainingNanos) {
            this.remainingNanos = remainingNanos;
        }

        @Override
        public long timeout(TimeUnit unit, long max) {
            long unitNanos = unit.toNanos(1);
            long wholeUnits = remainingNanos / unitNanos + (remainingNanos % unitNanos == 0 ? 0 : 1);
            return Math.min(wholeUnits, max);
        }

        @Override
        public <T> T cancellable(Statement statement, SqlCall<T> execution) throws SQLException {
            return execution.call();
        }

        @Override
        public <T> T cancellableUntilDeadline(Statement statement, SqlCall<T> execution) {
            throw new AssertionError("@LockTimeout ends SQL Server's wait at the deadline: no cancel is needed");
        }

        @Override
        public boolean abandoned() {
            return false;
        }
    }
}
