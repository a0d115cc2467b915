package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import dev.dlock.tck.stub.CallInThread;
import dev.dlock.tck.stub.ExpectedStatement;
import dev.dlock.tck.stub.ScriptedConnection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MySQL 8, which cannot run here: every statement of its whole-second waits, pinned over the scripted connection
 * (MariaDB's fractional waits run live in the other tests of this module).
 */
class MySqlNamedLockStatementTest {
    private static final String GET_LOCK = "SELECT GET_LOCK(?, ?)";
    private static final String IS_HELD = "SELECT IS_USED_LOCK(?) = CONNECTION_ID()";
    private static final String RELEASE_LOCK = "SELECT RELEASE_LOCK(?)";

    private final ScriptedConnection db = ScriptedConnection.of("MySQL", "8.4.3");

    @AfterEach
    void theScriptWasFollowedExactly() {
        db.verify();
    }

    private ExpectedStatement expectGetLock(long seconds) {
        return db.expectPrepare(GET_LOCK).setString(1, "job").setLong(2, seconds).executeQuery();
    }

    private ExpectedStatement expectIsHeld(Long answer) {
        return db.expectPrepare(IS_HELD).setString(1, "job").executeQuery().returnsRows(new Object[] {answer});
    }

    private void expectRelease() {
        db.expectPrepare(RELEASE_LOCK).setString(1, "job").executeQuery().returnsRows(new Object[] {1L});
    }

    private DistributedLock lock() {
        return Locks.forConnection(db.connection(), "job");
    }

    /** MySQL 8 ends a killed statement with error 1317 (MariaDB answers NULL instead). */
    private static SQLException queryInterrupted() {
        return new SQLException("Query execution was interrupted", "70100", 1317);
    }

    @Test
    void mySqlGetsTheMySqlDialect() {
        assertThat(lock().dialect()).isEqualTo("MySQL");
    }

    @Test
    void tryAcquireIsOneAttemptWithTimeoutZero() {
        expectGetLock(0).returnsRows(new Object[] {0L});
        assertThat(lock().tryAcquire()).isFalse();
    }

    @Test
    void acquireWaitsAnHourAtATime() {
        expectGetLock(3600).returnsRows(new Object[] {1L});
        expectRelease();
        DistributedLock lock = lock();
        assertThat(lock.acquire()).isSameAs(lock);
        lock.release();
    }

    @Test
    void wholeSecondsAreTheTimeLeftRoundedUp() {
        expectGetLock(3).returnsRows(new Object[] {1L});
        expectRelease();
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofMillis(2500))).isTrue();
        lock.release();
    }

    @Test
    void subSecondWaitIsCutAtTheDeadlineNotAtTheWholeSecond() {
        ExpectedStatement wait = expectGetLock(1).blocksUntilCancelled().fails(queryInterrupted());
        expectIsHeld(0L); // the grant did not cross the cut
        DistributedLock lock = lock();
        long start = System.nanoTime();
        assertThatThrownBy(() -> lock.acquire(Duration.ofMillis(200)))
                .isInstanceOfSatisfying(LockTimeoutException.class,
                        e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200))
                .as("sanity: cut at the deadline, not at MySQL's second").isLessThan(Duration.ofMillis(900));
        assertThat(wait.cancels()).isPositive();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aGrantThatCrossedTheCutIsKept() {
        expectGetLock(1).blocksUntilCancelled().fails(queryInterrupted());
        expectIsHeld(1L);
        expectRelease();
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofMillis(50))).isTrue();
        lock.release();
    }

    @Test
    void nullWithoutACancelOfDlocksIsAnErrorNeverAQuietFalse() {
        expectGetLock(0).returnsRows(new Object[] {null});
        assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("GET_LOCK returned NULL");
    }

    @Test
    void interruptKillsTheWaitAndIsAnInterrupt() throws Exception {
        ExpectedStatement wait = expectGetLock(3600).blocksUntilCancelled().fails(queryInterrupted());
        expectIsHeld(0L);
        DistributedLock lock = lock();
        CallInThread<Boolean> call = CallInThread.expectingInterrupt(lock::acquire);
        wait.awaitExecuting();
        call.interrupt();
        assertThat(call.result()).as("LockInterruptedException with the interrupt flag kept").isTrue();
        assertThat(wait.cancels()).isPositive();
    }
}
