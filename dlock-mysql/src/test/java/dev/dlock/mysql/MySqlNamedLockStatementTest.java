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
    private static final String TRY_LOCK = "SELECT GET_LOCK(?, ?), CONNECTION_ID()";
    /** The session's max_execution_time overridden, past the longest wait (3600 s) with a minute to spare. */
    private static final String WAIT_LOCK = "SELECT /*+ MAX_EXECUTION_TIME(3660000) */ GET_LOCK(?, ?),"
            + " CONNECTION_ID()";
    private static final String IS_HELD = "SELECT IS_USED_LOCK(?), CONNECTION_ID()";
    private static final String RELEASE_LOCK = "SELECT IF(CONNECTION_ID() = COALESCE(?, CONNECTION_ID()),"
            + " RELEASE_LOCK(?), NULL), CONNECTION_ID()";
    private static final long SESSION = 42;

    private final ScriptedConnection db = ScriptedConnection.of("MySQL", "8.4.3");

    @AfterEach
    void theScriptWasFollowedExactly() {
        db.verify();
    }

    /** The first request on a connection asks whether the server is a read-only replica. */
    private void expectReadOnlyQuestion() {
        db.expectPrepare("SELECT @@read_only").executeQuery().returnsRows(new Object[] {0});
    }

    private ExpectedStatement expectGetLock(long seconds) {
        return db.expectPrepare(seconds == 0 ? TRY_LOCK : WAIT_LOCK).setString(1, "job").setLong(2, seconds)
                .execute();
    }

    private static Object[] row(Long answer) {
        return new Object[] {answer, SESSION};
    }

    private ExpectedStatement expectIsHeld(Long holder) {
        return db.expectPrepare(IS_HELD).setString(1, "job").execute().returnsRows(row(holder));
    }

    private void expectRelease() {
        db.expectPrepare(RELEASE_LOCK).setLong(1, SESSION).setString(2, "job").execute().returnsRows(row(1L));
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
        assertThat(Locks.forConnection(db.connection(), "job").dialect()).isEqualTo("MySQL");
    }

    @Test
    void aReadOnlyServerIsRefused() {
        db.expectPrepare("SELECT @@read_only").executeQuery().returnsRows(new Object[] {1});
        assertThatThrownBy(() -> Locks.forConnection(db.connection(), "job").tryAcquire())
                .isInstanceOf(dev.dlock.DialectNotFoundException.class).hasMessageContaining("read-only");
    }

    @Test
    void tryAcquireIsOneAttemptWithTimeoutZero() {
        expectReadOnlyQuestion();
        expectGetLock(0).returnsRows(row(0L));
        assertThat(lock().tryAcquire()).isFalse();
    }

    @Test
    void acquireWaitsAnHourAtATime() {
        expectReadOnlyQuestion();
        expectGetLock(3600).returnsRows(row(1L));
        expectRelease();
        DistributedLock lock = lock();
        assertThat(lock.acquire()).isSameAs(lock);
        lock.release();
    }

    @Test
    void wholeSecondsAreTheTimeLeftRoundedUp() {
        expectReadOnlyQuestion();
        expectGetLock(3).returnsRows(row(1L));
        expectRelease();
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofMillis(2500))).isTrue();
        lock.release();
    }

    @Test
    void subSecondWaitIsCutAtTheDeadlineNotAtTheWholeSecond() {
        expectReadOnlyQuestion();
        ExpectedStatement wait = expectGetLock(1).blocksUntilCancelled().fails(queryInterrupted());
        expectIsHeld(null); // the grant did not cross the cut
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
        expectReadOnlyQuestion();
        expectGetLock(1).blocksUntilCancelled().fails(queryInterrupted());
        expectIsHeld(SESSION);
        expectRelease();
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofMillis(50))).isTrue();
        lock.release();
    }

    @Test
    void nullWithoutACancelOfDlocksIsAnErrorNeverAQuietFalse() {
        expectReadOnlyQuestion();
        expectGetLock(0).returnsRows(row(null));
        assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("GET_LOCK returned NULL");
    }

    @Test
    void interruptKillsTheWaitAndIsAnInterrupt() throws Exception {
        expectReadOnlyQuestion();
        ExpectedStatement wait = expectGetLock(3600).blocksUntilCancelled().fails(queryInterrupted());
        expectIsHeld(null);
        DistributedLock lock = lock();
        CallInThread<Boolean> call = CallInThread.expectingInterrupt(lock::acquire);
        wait.awaitExecuting();
        call.interrupt();
        assertThat(call.result()).as("LockInterruptedException with the interrupt flag kept").isTrue();
        assertThat(wait.cancels()).isPositive();
    }

    @Test
    void namesOfSixtyFourCharactersAreTheLongestMySqlTakes() {
        String euro = "\u20ac";
        assertThat(Locks.forConnection(db.connection(), "k".repeat(64)).databaseKey()).isEqualTo("k".repeat(64));
        assertThat(Locks.forConnection(db.connection(), euro.repeat(64)).databaseKey())
                .as("counted in characters, not bytes").isEqualTo(euro.repeat(64));
        assertThatThrownBy(() -> Locks.forConnection(db.connection(), "k".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 64")
                .hasMessageContaining("has 65");
    }

    @Test
    void aNulAnywhereInTheNameIsRefusedEvenFirst() {
        // the server would cut the name at the NUL: "\0job" would lock "", the same lock as every other such name
        for (String name : new String[] {"\0job", "jo\0b", "job\0"}) {
            assertThatThrownBy(() -> Locks.forConnection(db.connection(), name)).as(name)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        }
    }
}
