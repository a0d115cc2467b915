package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.spi.LockRequest;
import dev.dlock.tck.stub.ExpectedStatement;
import dev.dlock.tck.stub.ScriptedConnection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the dialect makes of a wait that {@code lock_timeout} ended, over a scripted connection: the instant in
 * which PostgreSQL grants the lock as the timeout fires cannot be brought about on a real server on purpose,
 * so its answers are scripted here, statement by statement.
 */
class PostgresLockTimeoutStatementTest {
    /** Advisory key 0x0000000100000002: classid 1 and objid 2 in {@code pg_locks}. */
    private static final long KEY = 0x1_0000_0002L;
    private static final int BACKEND = 4242;
    private static final String WAIT = "SELECT set_config('lock_timeout', ?, true),"
            + " set_config('statement_timeout', '0', true); SELECT pg_advisory_lock(?), pg_backend_pid()";
    private static final String LOOK = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            + " AND pid = pg_backend_pid() AND granted AND mode = ?"
            + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            + " AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1), pg_backend_pid()";
    private static final String UNLOCK = "SELECT CASE WHEN pg_backend_pid() = COALESCE(?, pg_backend_pid())"
            + " THEN pg_advisory_unlock(?) END, pg_backend_pid()";

    private final ScriptedConnection db = ScriptedConnection.of("PostgreSQL", "17.11");
    private final AdvisoryLock lock = new AdvisoryLock(KEY, false, false);

    @AfterEach
    void theScriptWasFollowedExactly() {
        db.verify();
    }

    private static SQLException lockTimeout() {
        return new SQLException("ERROR: canceling statement due to lock timeout", "55P03");
    }

    private void expectWaitOf(String millis, SQLException failure) {
        db.expectPrepare(WAIT).setString(1, millis).setLong(2, KEY).fails(failure);
    }

    private ExpectedStatement expectLook() {
        return db.expectPrepare(LOOK).setString(1, "ExclusiveLock").setLong(2, 1L).setLong(3, 2L).executeQuery();
    }

    @Test
    void aGrantThatCameAsTheTimeoutFiredIsKeptAndItsSessionIsTheOneToUnlock() throws Exception {
        expectWaitOf("250", lockTimeout());
        expectLook().returnsRows(new Object[] {true, BACKEND});
        db.expectPrepare(UNLOCK).setInt(1, BACKEND).setLong(2, KEY).executeQuery()
                .returnsRows(new Object[] {true, BACKEND});
        assertThat(lock.request(db.connection(), new Waits(250))).isTrue();
        assertThat(lock.session()).isEqualTo(BACKEND);
        assertThat(lock.unlock(db.connection())).isTrue();
    }

    @Test
    void aTimeoutWithTheLockNowhereInPgLocksIsNotGrantedAndLeavesNoSessionToUnlock() throws Exception {
        expectWaitOf("30", lockTimeout());
        expectLook().returnsRows(new Object[] {false, BACKEND});
        db.expectPrepare(UNLOCK).bind(1, "setNull", Types.INTEGER).setLong(2, KEY).executeQuery()
                .returnsRows(new Object[] {false, BACKEND});
        assertThat(lock.request(db.connection(), new Waits(30))).isFalse();
        assertThat(lock.session()).as("the look ran on this backend").isEqualTo(BACKEND);
        assertThat(lock.unlock(db.connection())).as("an unlock of a lock never granted names no session").isFalse();
    }

    @Test
    void aLookThatFailsAfterTheTimeoutThrowsTheTimeoutWithTheLooksFailureInIt() {
        SQLException timeout = lockTimeout();
        SQLException reset = new SQLException("An I/O error occurred while sending to the backend.", "08006");
        expectWaitOf("30", timeout);
        expectLook().fails(reset);
        assertThatThrownBy(() -> lock.request(db.connection(), new Waits(30))).isSameAs(timeout);
        assertThat(timeout.getSuppressed()).containsExactly(reset);
    }

    @Test
    void otherFailuresOfTheWaitAreThrownWithoutALook() {
        SQLException cancelled = new SQLException("ERROR: canceling statement due to user request", "57014");
        expectWaitOf("30", cancelled);
        assertThatThrownBy(() -> lock.request(db.connection(), new Waits(30))).isSameAs(cancelled);
    }

    /** A request that may wait the given milliseconds, and runs its statement at once. */
    private static final class Waits implements LockRequest {
        private final long millis;

        Waits(long millis) {
            this.millis = millis;
        }

        @Override
        public long timeout(TimeUnit unit, long max) {
            assertThat(unit).as("lock_timeout counts milliseconds").isEqualTo(TimeUnit.MILLISECONDS);
            return Math.min(millis, max);
        }

        @Override
        public <T> T cancellable(Statement statement, SqlCall<T> execution) throws SQLException {
            return execution.call();
        }

        @Override
        public <T> T cancellableUntilDeadline(Statement statement, SqlCall<T> execution) {
            throw new AssertionError("lock_timeout ends the wait at the deadline: no cancel is needed");
        }

        @Override
        public boolean abandoned() {
            return false;
        }
    }
}
