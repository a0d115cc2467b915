package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.Locks;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.DialectFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What only PostgreSQL has: pg_locks, lock_timeout, transaction locks, aborted transactions. */
class PostgresAdvisoryLockTest extends DialectFixture {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void myResourceKeyShowsInPgLocksAsSqlalchemyDlockTakesIt() throws SQLException {
        Connection connection = connect();
        DistributedLock lock = Locks.forConnection(connection, "my-resource-key");
        lock.acquire();
        try (PreparedStatement statement = observer.prepareStatement("SELECT classid::bigint, objid::bigint, objsubid"
                + " FROM pg_locks WHERE locktype = 'advisory' AND pid = ? AND granted")) {
            statement.setInt(1, PostgresDialect.backendPid(connection));
            try (ResultSet rs = statement.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(2261014045L);
                assertThat(rs.getLong(2)).isEqualTo(1526958240L);
                assertThat(rs.getInt(3)).isEqualTo(1);
                assertThat(rs.next()).isFalse();
            }
        }
        assertThat(lock.databaseKey()).isEqualTo(-8735762693110921056L);
        lock.release();
    }

    @Test
    void acquireWithoutTimeoutWaitsPastTheSessionsLockTimeout() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        Connection waiting = connect();
        execute(waiting, "SET lock_timeout = '1ms'");
        DistributedLock waiter = Locks.forConnection(waiting, key);
        holder.acquire();
        Future<?> acquired = threads.submit(() -> {
            waiter.acquire();
            return null;
        });
        awaitWaiter(holder);
        holder.release();
        acquired.get(30, TimeUnit.SECONDS);
        assertThat(isLockedOnServer(waiter)).isTrue();
        assertThat(show(waiting, "lock_timeout")).isEqualTo("1ms");
        waiter.release();
    }

    @Test
    void timedAttemptsLeaveTheSessionsLockTimeoutAsTheyFoundIt() throws SQLException {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        Connection connection = connect();
        execute(connection, "SET lock_timeout = '7s'");
        DistributedLock lock = Locks.forConnection(connection, key);
        holder.acquire();
        assertThat(lock.tryAcquire(Duration.ofMillis(30))).isFalse();
        assertThat(show(connection, "lock_timeout")).isEqualTo("7s");
        holder.release();
        assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
        assertThat(show(connection, "lock_timeout")).isEqualTo("7s");
        lock.release();
    }

    @Test
    void timedAttemptsInsideATransactionKeepTheCallersLocalLockTimeout() throws SQLException {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        Connection connection = connect();
        execute(connection, "SET lock_timeout = '7s'");
        connection.setAutoCommit(false);
        execute(connection, "SET LOCAL lock_timeout = '3s'");
        DistributedLock lock = Locks.forConnection(connection, key);
        holder.acquire();
        assertThat(lock.tryAcquire(Duration.ofMillis(30))).isFalse();
        assertThat(show(connection, "lock_timeout")).isEqualTo("3s");
        holder.release();
        assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
        assertThat(show(connection, "lock_timeout")).isEqualTo("3s");
        connection.commit();
        assertThat(show(connection, "lock_timeout")).isEqualTo("7s");
        assertThat(isLockedOnServer(lock)).as("a session lock outlives the commit").isTrue();
        lock.release();
    }

    @Test
    void transactionLockTakenWithTimeoutSurvivesUntilCommit() throws SQLException {
        Connection connection = connect();
        connection.setAutoCommit(false);
        LockOptions transaction = LockOptions.builder().scope(LockScope.TRANSACTION).build();
        DistributedLock lock = Locks.forConnection(connection, uniqueKey(), transaction);
        assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
        // the savepoint that guarded the wait was released, not rolled back: the lock is still there
        assertThat(isLockedOnServer(lock)).isTrue();
        execute(connection, "SELECT 1");
        assertThat(isLockedOnServer(lock)).isTrue();
        connection.commit();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void sharedTransactionLocksCoexistAndExcludeExclusive() throws SQLException {
        String key = uniqueKey();
        LockOptions sharedTransaction = LockOptions.builder().mode(LockMode.SHARED).scope(LockScope.TRANSACTION).build();
        Connection one = connect();
        Connection two = connect();
        one.setAutoCommit(false);
        two.setAutoCommit(false);
        assertThat(Locks.forConnection(one, key, sharedTransaction).tryAcquire(Duration.ofSeconds(1))).isTrue();
        assertThat(Locks.forConnection(two, key, sharedTransaction).tryAcquire()).isTrue();
        DistributedLock writer = Locks.forConnection(connect(), key);
        assertThat(writer.tryAcquire(Duration.ofMillis(20))).isFalse();
        one.commit();
        two.commit();
        assertThat(writer.tryAcquire()).isTrue();
        writer.release();
    }

    @Test
    void unlockBehindDlocksBackIsLockLost() throws SQLException {
        Connection connection = connect();
        DistributedLock lock = Locks.forConnection(connection, uniqueKey());
        lock.acquire();
        execute(connection, "SELECT pg_advisory_unlock_all()");
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class).hasMessageContaining("not held");
        assertThat(lock.isLocked()).isFalse();
        // and the key is free to take again on the same connection
        assertThat(lock.tryAcquire()).isTrue();
        lock.release();
    }

    @Test
    void terminatedSessionLosesTheLockAndAWaiterGetsIt() throws Exception {
        String key = uniqueKey();
        Connection holding = connect();
        DistributedLock holder = Locks.forConnection(holding, key);
        holder.acquire();
        DistributedLock waiter = Locks.forConnection(connect(), key);
        Future<Boolean> waiting = threads.submit(() -> waiter.tryAcquire(Duration.ofSeconds(30)));
        awaitWaiter(holder);
        try (PreparedStatement kill = observer.prepareStatement("SELECT pg_terminate_backend(?)")) {
            kill.setInt(1, PostgresDialect.backendPid(holding));
            kill.execute();
        }
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(holder::release).isInstanceOf(LockLostException.class);
        assertThat(holder.isLocked()).isFalse();
        waiter.release();
    }

    @Test
    void insideAnAbortedTransactionNothingIsReleasedAndNothingRolledBack() throws SQLException {
        Connection connection = connect();
        DistributedLock lock = Locks.forConnection(connection, uniqueKey());
        connection.setAutoCommit(false);
        lock.acquire();
        assertThatThrownBy(() -> execute(connection, "SELECT 1/0")).isInstanceOf(SQLException.class);
        assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("stays marked held")
                .cause().isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
        assertThat(lock.isLocked()).isTrue();
        assertThat(isLockedOnServer(lock)).isTrue();
        DistributedLock other = Locks.forConnection(connection, uniqueKey());
        assertThatThrownBy(() -> other.tryAcquire(Duration.ofMillis(50))).isInstanceOf(DistributedLockException.class)
                .cause().isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
        assertThat(isLockedOnServer(other)).isFalse();
        // dlock rolled nothing back: the transaction is still the caller's, still aborted
        assertThatThrownBy(() -> execute(connection, "SELECT 1")).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
        connection.rollback();
        lock.release();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void interruptedTransactionLockWaitHoldsNothingAndKeepsTheTransaction() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        Connection caller = connect();
        caller.setAutoCommit(false);
        execute(caller, "CREATE TEMP TABLE probe (id int)");
        execute(caller, "INSERT INTO probe VALUES (1)");
        DistributedLock waiter = Locks.forConnection(caller, key,
                LockOptions.builder().scope(LockScope.TRANSACTION).build());
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Throwable> outcome = threads.submit(() -> {
            thread.set(Thread.currentThread());
            try {
                waiter.acquire();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        awaitWaiter(holder);
        thread.get().interrupt();
        assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(LockInterruptedException.class);
        holder.release();
        assertThat(isLockedOnServer(holder)).as("the interrupted waiter holds nothing").isFalse();
        execute(caller, "INSERT INTO probe VALUES (2)");
        try (Statement statement = caller.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM probe")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
        caller.commit();
    }

    @Test
    void providerHandlesOnlyPostgresql() {
        PostgresLockProvider provider = new PostgresLockProvider();
        assertThat(provider.handles("PostgreSQL", "17.1")).isTrue();
        assertThat(provider.handles("MySQL", "8.4")).isFalse();
        assertThat(provider.handles("H2", "PostgreSQL mode")).isFalse();
    }
}
