package dev.dlock.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockAlreadyHeldException;
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
import dev.dlock.tck.stub.CallInThread;
import dev.dlock.tck.stub.ExpectedStatement;
import dev.dlock.tck.stub.ScriptedConnection;
import dev.dlock.tck.stub.SharedConnectionsScript;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every statement the Oracle dialect sends and every answer it can get, through the public API over a scripted
 * connection: exact PL/SQL text, each bound parameter and its setter, each documented DBMS_LOCK result.
 */
class UserLockStatementTest {
    private static final String REQUEST_SESSION = "BEGIN ? := SYS.DBMS_LOCK.REQUEST(id => ?, lockmode => ?,"
            + " timeout => ?, release_on_commit => FALSE); END;";
    private static final String REQUEST_TRANSACTION = "BEGIN ? := SYS.DBMS_LOCK.REQUEST(id => ?, lockmode => ?,"
            + " timeout => ?, release_on_commit => TRUE); END;";
    private static final String RELEASE = "BEGIN ? := SYS.DBMS_LOCK.RELEASE(id => ?); END;";
    /** "my-resource-key": sqlalchemy-dlock's lock id for it (the key vectors have it too). */
    private static final String KEY = "my-resource-key";
    private static final long ID = 453216416L;
    private static final int X_MODE = 6;
    /**
     * How late after the deadline its cancel may end a wait and the test still pass: generous for a loaded
     * machine, and short of Oracle's next whole second (where DBMS_LOCK's own timeout would have ended the
     * wait without the cancel) and of the stub's 30 s.
     */
    private static final Duration LATE_CANCEL = Duration.ofMillis(700);

    private final ScriptedConnection db = ScriptedConnection.of("Oracle",
            "Oracle Database 23ai Free Release 23.0.0.0.0");

    @AfterEach
    void theScriptWasFollowedExactly() {
        db.verify();
    }

    private ExpectedStatement expectRequest(String sql, long id, int mode) {
        return db.expectCall(sql).registerOut(1, Types.INTEGER).setLong(2, id).setInt(3, mode);
    }

    private ExpectedStatement expectRequest(int timeoutSeconds) {
        return expectRequest(REQUEST_SESSION, ID, X_MODE).setInt(4, timeoutSeconds);
    }

    /** isHeld: a zero-timeout REQUEST in NL_MODE, which keeps nobody from anything. */
    private ExpectedStatement expectProbe() {
        return expectRequest(REQUEST_SESSION, ID, 1).setInt(4, 0);
    }

    private ExpectedStatement expectRelease(long id) {
        return db.expectCall(RELEASE).registerOut(1, Types.INTEGER).setLong(2, id);
    }

    private DistributedLock lock() {
        return Locks.forConnection(db.connection(), KEY);
    }

    private static SQLException userRequestedCancel() {
        return new SQLException("ORA-01013: user requested cancel of current operation", "72000", 1013);
    }

    @Nested
    class ProviderSelection {
        @Test
        void oracleConnectionsGetTheOracleDialect() {
            DistributedLock lock = lock();
            assertThat(lock.dialect()).isEqualTo("Oracle");
            assertThat(lock.databaseKey()).isEqualTo(ID);
        }

        @Test
        void handlesOnlyTheProductNameOracle() {
            OracleLockProvider provider = new OracleLockProvider();
            assertThat(provider.handles("Oracle", "Oracle Database 19c Enterprise Edition")).isTrue();
            assertThat(provider.handles("Oracle", "")).isTrue();
            for (String other : List.of("PostgreSQL", "MySQL", "MariaDB", "Microsoft SQL Server", "ORACLE", "oracle",
                    "Oracle TimesTen", "H2")) {
                assertThat(provider.handles(other, "")).as(other).isFalse();
            }
        }

        @Test
        void isRegisteredAsAServiceProvider() {
            List<Class<?>> found = new ArrayList<>();
            ServiceLoader.load(LockProvider.class).forEach(p -> found.add(p.getClass()));
            assertThat(found).contains(OracleLockProvider.class);
        }

        @Test
        void otherProductsAreNotMistakenForOracle() {
            ScriptedConnection sqlServer = ScriptedConnection.of("Microsoft SQL Server");
            assertThatThrownBy(() -> Locks.forConnection(sqlServer.connection(), "k"))
                    .isInstanceOf(DialectNotFoundException.class).hasMessageContaining("Microsoft SQL Server");
            sqlServer.verify();
        }
    }

    @Nested
    class ModesAndScopes {
        static Stream<Arguments> modesAndScopes() {
            List<Arguments> cases = new ArrayList<>();
            Object[][] modes = {{LockMode.NULL, 1}, {LockMode.INTENT_SHARED, 2}, {LockMode.INTENT_EXCLUSIVE, 3},
                {LockMode.SHARED, 4}, {LockMode.SHARED_INTENT_EXCLUSIVE, 5}, {LockMode.EXCLUSIVE, 6}};
            for (Object[] mode : modes) {
                cases.add(Arguments.of(mode[0], LockScope.SESSION, mode[1], REQUEST_SESSION));
                cases.add(Arguments.of(mode[0], LockScope.TRANSACTION, mode[1], REQUEST_TRANSACTION));
            }
            return cases.stream();
        }

        @ParameterizedTest(name = "{0} {1} is lockmode {2}")
        @MethodSource("modesAndScopes")
        void eachModeAndScopeSendsItsLockModeAndReleaseOnCommit(LockMode mode, LockScope scope, int lockmode,
                                                                 String sql) {
            db.autoCommit(scope == LockScope.SESSION);
            expectRequest(sql, ID, lockmode).setInt(4, 0).returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = Locks.forConnection(db.connection(), KEY,
                    LockOptions.builder().mode(mode).scope(scope).build());
            assertThat(lock.tryAcquire()).isTrue();
            lock.release();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void updateModeIsRefusedBeforeAnySql() {
            assertThatThrownBy(() -> Locks.forConnection(db.connection(), "k",
                    LockOptions.builder().mode(LockMode.UPDATE).build()))
                    .isInstanceOf(UnsupportedLockOptionException.class)
                    .hasMessageContaining("Oracle").hasMessageContaining("UPDATE");
        }

        @Test
        void transactionLockIsRefusedInAutoCommitModeBeforeAnySql() {
            DistributedLock lock = Locks.forConnection(db.connection(), "k",
                    LockOptions.builder().scope(LockScope.TRANSACTION).build());
            assertThatThrownBy(lock::acquire).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
        }
    }

    @Test
    void aLeaseIsRefusedWithoutAStatementAndTheLockStaysHeld() {
        expectRequest(0).returnsOut(1, 0);
        expectRelease(ID).returnsOut(1, 0);
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire()).isTrue();
        assertThatThrownBy(() -> lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }))
                .isInstanceOf(UnsupportedLockOptionException.class).hasMessageContaining("lease cannot be kept");
        assertThat(lock.isLocked()).isTrue();
        lock.release();
    }

    /** One lock over several keys: the keys in the order of their lock ids (by value), all or none. */
    @Nested
    class SeveralKeys {
        private static long id(String key) {
            return (Long) new OracleLockProvider().lockFor(LockKey.of(key), LockOptions.DEFAULT).databaseKey();
        }

        @Test
        void keysAreRequestedInTheOrderOfTheirLockIdsAndReleasedInReverse() {
            long low = Math.min(id("a"), id("b"));
            long high = Math.max(id("a"), id("b"));
            expectRequest(REQUEST_SESSION, low, X_MODE).setInt(4, 0).returnsOut(1, 0);
            expectRequest(REQUEST_SESSION, high, X_MODE).setInt(4, 0).returnsOut(1, 0);
            expectRelease(high).returnsOut(1, 0);
            expectRelease(low).returnsOut(1, 0);
            DistributedLock both = Locks.forConnection(db.connection(), List.of("b", "a"));
            assertThat(both.databaseKey()).isEqualTo(List.of(low, high));
            assertThat(both.tryAcquire()).isTrue();
            both.release();
        }

        @Test
        void aKeyHeldElsewhereGivesBackTheKeyTakenBeforeIt() {
            long low = Math.min(id("a"), id("b"));
            long high = Math.max(id("a"), id("b"));
            expectRequest(REQUEST_SESSION, low, X_MODE).setInt(4, 0).returnsOut(1, 0);
            expectRequest(REQUEST_SESSION, high, X_MODE).setInt(4, 0).returnsOut(1, 1); // 1: timed out
            expectRelease(low).returnsOut(1, 0);
            assertThat(Locks.forConnection(db.connection(), List.of("b", "a")).tryAcquire()).isFalse();
        }
    }

    /** Locks through a pool: which connection each statement goes to. */
    @Nested
    class SharedConnections extends SharedConnectionsScript {
        @Override
        protected ScriptedConnection connection() {
            return ScriptedConnection.of("Oracle", "Oracle Database 23ai Free Release 23.0.0.0.0");
        }

        private static long id(String key) {
            return (Long) new OracleLockProvider().lockFor(LockKey.of(key), LockOptions.DEFAULT).databaseKey();
        }

        @Override
        protected void expectRequest(ScriptedConnection on, String key, boolean waits, boolean granted) {
            // 0: granted; 1: timed out, held elsewhere
            on.expectCall(REQUEST_SESSION).registerOut(1, Types.INTEGER).setLong(2, id(key)).setInt(3, X_MODE)
                    .setInt(4, waits ? 32766 : 0).returnsOut(1, granted ? 0 : 1);
        }

        @Override
        protected void expectRelease(ScriptedConnection on, String key) {
            on.expectCall(RELEASE).registerOut(1, Types.INTEGER).setLong(2, id(key)).returnsOut(1, 0);
        }
    }

    @Nested
    class Timeouts {
        @Test
        void tryAcquireIsOneAttemptWithTimeoutZero() {
            expectRequest(0).returnsOut(1, 1);
            assertThat(lock().tryAcquire()).isFalse();
        }

        @Test
        void acquireWaitsInRequestsOfOneSecondShortOfMaxwait() {
            expectRequest(32766).returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            assertThat(lock.acquire()).isSameAs(lock);
            lock.release();
        }

        @Test
        void wholeSecondWaitAsksForTheRemainingSecondsRoundedUp() {
            expectRequest(5).returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            assertThat(lock.tryAcquire(Duration.ofSeconds(5))).isTrue();
            lock.release();
        }

        @Test
        void subSecondWaitIsCutByACancelAtTheDeadline() throws Exception {
            Duration deadline = Duration.ofMillis(200);
            ExpectedStatement request = expectRequest(1).blocksUntilCancelled().fails(userRequestedCancel());
            expectProbe().returnsOut(1, 0); // the grant did not cross the cancel: the probe's null lock...
            expectRelease(ID).returnsOut(1, 0); // ...is given straight back
            DistributedLock lock = lock();
            long start = System.nanoTime();
            assertThatThrownBy(() -> lock.acquire(deadline))
                    .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                        assertThat(e.timeout()).isEqualTo(deadline);
                        assertThat(e.waited()).as("the wait the exception reports: the cancel's, at the deadline")
                                .isGreaterThanOrEqualTo(deadline).isLessThan(deadline.plus(LATE_CANCEL));
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(deadline)
                    .as("the cut came at the deadline, not at Oracle's whole second (nor the stub's 30 s)")
                    .isLessThan(deadline.plus(LATE_CANCEL));
            assertThat(request.cancels()).isPositive();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void grantThatCrossedTheDeadlineCancelIsKept() {
            Duration deadline = Duration.ofMillis(20);
            ExpectedStatement request = expectRequest(1).blocksUntilCancelled().fails(userRequestedCancel());
            expectProbe().returnsOut(1, 4); // "already own": granted as the cancel landed
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            long start = System.nanoTime();
            assertThat(lock.tryAcquire(deadline)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("cut by the deadline's cancel, in time")
                    .isGreaterThanOrEqualTo(deadline).isLessThan(deadline.plus(LATE_CANCEL));
            assertThat(request.cancels()).isPositive();
            lock.release();
        }

        @Test
        void waitLongerThanOneRequestStartsWithTheLongestRequest() {
            expectRequest(32766).returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            assertThat(lock.tryAcquire(Duration.ofHours(10))).isTrue();
            lock.release();
        }
    }

    @Nested
    class RequestResults {
        @Test
        void zeroIsSuccess() {
            expectRequest(0).returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            assertThat(lock.tryAcquire()).isTrue();
            assertThat(lock.isLocked()).isTrue();
            lock.release();
        }

        @Test
        void oneIsTimeout() {
            expectRequest(0).returnsOut(1, 1);
            assertThatThrownBy(() -> lock().acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
        }

        @Test
        void oneLongBeforeTheTimeoutIsAnErrorNotASpin() {
            expectRequest(32766).returnsOut(1, 1);
            DistributedLock lock = lock();
            assertThatThrownBy(lock::acquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("answered \"not granted\"");
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void twoIsDeadlock() {
            expectRequest(32766).returnsOut(1, 2);
            assertThatThrownBy(() -> lock().acquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("returned 2").hasMessageContaining("deadlock");
        }

        @Test
        void threeIsParameterError() {
            expectRequest(0).returnsOut(1, 3);
            assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("returned 3").hasMessageContaining("parameter error")
                    .hasMessageContaining("(mode 6, timeout 0 s)")
                    .hasMessageStartingWith("Oracle user lock 453216416 (lockmode 6, release_on_commit false)");
        }

        @Test
        void fourIsAlreadyOwnedOutsideThisLockObject() {
            expectRequest(0).returnsOut(1, 4);
            DistributedLock lock = lock();
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(LockAlreadyHeldException.class)
                    .hasMessageContaining("returned 4");
            assertThat(lock.isLocked()).as("not ours: our release would free the other owner's lock").isFalse();
        }

        @Test
        void fiveIsIllegalLockHandle() {
            expectRequest(0).returnsOut(1, 5);
            assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("returned 5").hasMessageContaining("illegal lock handle");
        }

        @Test
        void nullOrUndocumentedResultsAreErrors() {
            expectRequest(0).returnsOut(1, null);
            expectRequest(0).returnsOut(1, 6);
            DistributedLock lock = lock();
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("NULL");
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("undocumented");
        }

        @Test
        void missingExecuteGrantSaysWhichGrantToAdd() {
            SQLException notDeclared = new SQLException("ORA-06550: line 1, column 14:\nPLS-00201: identifier"
                    + " 'SYS.DBMS_LOCK' must be declared\nORA-06550: line 1, column 7:\nPL/SQL: Statement ignored\n",
                    "65000", 6550);
            expectRequest(0).fails(notDeclared);
            assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("GRANT EXECUTE ON SYS.DBMS_LOCK").hasMessageContaining("PLS-00201")
                    .hasCause(notDeclared);
        }

        @Test
        void executeGrantMissingOnANewerServerSaysWhichGrantToAddToo() {
            SQLException noPrivilege = new SQLException("ORA-06550: line 1, column 14:\nPLS-00904: insufficient"
                    + " privilege to access object SYS.DBMS_LOCK", "65000", 6550);
            expectRequest(0).fails(noPrivilege);
            assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("GRANT EXECUTE ON SYS.DBMS_LOCK").hasMessageContaining("PLS-00904")
                    .hasCause(noPrivilege);
        }

        @Test
        void otherPlsqlErrorsAboutDbmsLockAreNotBlamedOnTheGrant() {
            SQLException wrongCall = new SQLException("ORA-06550: line 1, column 14:\nPLS-00306: wrong number or"
                    + " types of arguments in call to 'REQUEST' of SYS.DBMS_LOCK", "65000", 6550);
            expectRequest(0).fails(wrongCall);
            assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasCause(wrongCall).message().doesNotContain("GRANT");
        }

        @Test
        void otherDriverErrorsKeepTheirSqlExceptionAsCause() {
            SQLException failure = new SQLException("ORA-03113: end-of-file on communication channel", "08000", 3113);
            expectRequest(0).fails(failure);
            assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                    .hasCause(failure);
        }
    }

    @Nested
    class ReleaseResults {
        private DistributedLock held() {
            expectRequest(0).returnsOut(1, 0);
            DistributedLock lock = lock();
            assertThat(lock.tryAcquire()).isTrue();
            return lock;
        }

        @Test
        void zeroIsReleased() {
            DistributedLock lock = held();
            expectRelease(ID).returnsOut(1, 0);
            lock.release();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void fourIsALostLock() {
            DistributedLock lock = held();
            expectRelease(ID).returnsOut(1, 4);
            assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
            assertThat(lock.isLocked()).isFalse();
        }

        @ParameterizedTest
        @ValueSource(ints = {3, 5, 1})
        void parameterErrorIllegalHandleAndUndocumentedResultsAreErrors(int result) {
            DistributedLock lock = held();
            expectRelease(ID).returnsOut(1, result);
            assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("RELEASE returned " + result);
        }

        @Test
        void missingGrantOnReleaseSaysSoToo() {
            DistributedLock lock = held();
            expectRelease(ID).fails(new SQLException("ORA-06550: line 1, column 14:\nPLS-00201: identifier"
                    + " 'SYS.DBMS_LOCK' must be declared", "65000", 6550));
            assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("GRANT EXECUTE ON SYS.DBMS_LOCK");
        }
    }

    @Nested
    class Interrupts {
        @Test
        void interruptCancelsTheWaitAndKeepsTheFlag() throws Exception {
            ExpectedStatement waiting = expectRequest(32766).blocksUntilCancelled().fails(userRequestedCancel());
            expectProbe().returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            CallInThread<Boolean> call = CallInThread.expectingInterrupt(lock::acquire);
            waiting.awaitExecuting();
            call.interrupt();
            assertThat(call.result()).as("LockInterruptedException with the interrupt flag kept").isTrue();
            assertThat(waiting.cancels()).isPositive();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void interruptDuringATimedWaitIsAnInterruptNotATimeout() throws Exception {
            ExpectedStatement waiting = expectRequest(REQUEST_SESSION, ID, X_MODE).setInt(4, 30)
                    .blocksUntilCancelled().fails(userRequestedCancel());
            expectProbe().returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            CallInThread<Class<?>> call = CallInThread.start(() -> {
                try {
                    lock.tryAcquire(Duration.ofSeconds(30));
                    return null;
                } catch (RuntimeException e) {
                    return e.getClass();
                }
            });
            waiting.awaitExecuting();
            call.interrupt();
            assertThat(call.result()).isEqualTo(LockInterruptedException.class);
        }

        @Test
        void lockGrantedAsTheInterruptLandsIsGivenBack() throws Exception {
            ExpectedStatement waiting = expectRequest(32766).blocksUntilCancelled().returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
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

    /** isHeldOnServer: a zero-timeout REQUEST in NL_MODE, whose 4 means "this session owns it". */
    @Nested
    class HeldOnServer {
        @Test
        void fourMeansThisSessionHoldsIt() {
            expectRequest(0).returnsOut(1, 0);
            expectProbe().returnsOut(1, 4);
            expectRelease(ID).returnsOut(1, 0);
            DistributedLock lock = lock();
            assertThat(lock.tryAcquire()).isTrue();
            assertThat(lock.isHeldOnServer()).isTrue();
            lock.release();
        }

        @Test
        void zeroMeansThisSessionDidNotHoldItAndTheProbeIsGivenBack() {
            expectProbe().returnsOut(1, 0);
            expectRelease(ID).returnsOut(1, 0);
            assertThat(lock().isHeldOnServer()).isFalse();
        }

        @Test
        void anythingElseIsAnError() {
            expectProbe().returnsOut(1, 1);
            assertThatThrownBy(() -> lock().isHeldOnServer()).isInstanceOf(DistributedLockException.class)
                    .hasMessageContaining("NL_MODE returned 1");
        }
    }
}
