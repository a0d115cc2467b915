package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Locks over a pool ({@link dev.dlock.DataSourceLocks}): a connection is held exactly while a lock is held on it,
 * failed requests give it back, and {@code withLock}, {@code runIfFree} and {@code inTransaction} run their work
 * under the lock and clean up after it. How held locks share connections is {@link SharedSessionsContract}'s.
 */
public abstract class PooledContract extends DialectFixture {
    private static final String PROBE = "dlock_probe";

    @Test
    void lockHoldsAConnectionExactlyWhileHeld() throws Exception {
        HikariDataSource pool = pool(1);
        DataSourceLocks locks = Locks.forDataSource(pool);
        assertThat(locks.dialect()).isNotBlank();
        DistributedLock lock = locks.lock(uniqueKey());
        assertThat(lock.databaseKey()).isNotNull();
        lock.acquire();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
        assertThat(isLockedOnServer(lock)).isTrue();
        assertThat(lock.isHeldOnServer()).isTrue();
        lock.release();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
        assertThat(isLockedOnServer(lock)).isFalse();
        // the one connection serves the next lock
        DistributedLock next = locks.lock(uniqueKey());
        assertThat(next.tryAcquire(Duration.ofSeconds(5))).isTrue();
        next.close();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
    }

    @Test
    void requestThatFailsGivesTheConnectionBack() throws Exception {
        String key = uniqueKey();
        Locks.forConnection(connect(), key).acquire();
        HikariDataSource pool = pool(1);
        DistributedLock lock = Locks.forDataSource(pool).lock(key);
        assertThat(lock.tryAcquire()).isFalse();
        assertThatThrownBy(() -> lock.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class);
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
        assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class);
    }

    @Test
    void withLockRunsWhileHoldingAndPassesExceptionsThrough() throws Exception {
        HikariDataSource pool = pool(2);
        DataSourceLocks locks = Locks.forDataSource(pool);
        String key = uniqueKey();
        DistributedLock probe = locks.lock(key);
        assertThat(locks.withLock(key, Duration.ofSeconds(5), () -> isLockedOnServer(probe))).isTrue();
        assertThat(isLockedOnServer(probe)).isFalse();
        IOException failure = new IOException("boom");
        assertThatThrownBy(() -> locks.withLock(key, Duration.ofSeconds(5), () -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(isLockedOnServer(probe)).isFalse();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
    }

    @Test
    void withLockTimesOutWithoutRunning() throws Exception {
        String key = uniqueKey();
        Locks.forConnection(connect(), key).acquire();
        DataSourceLocks locks = Locks.forDataSource(pool(1));
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> locks.withLock(key, Duration.ofMillis(50), ran::incrementAndGet))
                .isInstanceOf(LockTimeoutException.class);
        assertThat(ran).hasValue(0);
    }

    @Test
    void runIfFreeRunsOnlyWhenNobodyHoldsTheKey() throws Exception {
        String key = uniqueKey();
        DataSourceLocks locks = Locks.forDataSource(pool(1));
        DistributedLock probe = locks.lock(key);
        AtomicReference<Boolean> heldDuring = new AtomicReference<>();
        assertThat(locks.runIfFree(key, () -> {
            try {
                heldDuring.set(isLockedOnServer(probe));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        })).isTrue();
        assertThat(heldDuring.get()).isTrue();
        assertThat(isLockedOnServer(probe)).isFalse();
        DistributedLock other = Locks.forConnection(connect(), key);
        other.acquire();
        AtomicInteger ran = new AtomicInteger();
        assertThat(locks.runIfFree(key, ran::incrementAndGet)).isFalse();
        assertThat(ran).hasValue(0);
        other.release();
    }

    @Test
    void inTransactionHoldsTheLockForTheTransactionAndCommitsTheWork() throws Exception {
        createProbeTable(PROBE);
        HikariDataSource pool = pool(2);
        DataSourceLocks locks = Locks.forDataSource(pool);
        String key = uniqueKey();
        DistributedLock probe = locks.lock(key);
        int id = uniqueNumber();
        boolean heldDuring = locks.inTransaction(key, Duration.ofSeconds(5), connection -> {
            assertThat(connection.getAutoCommit()).as("inside a transaction").isFalse();
            insertProbe(connection, PROBE, id);
            assertThat(probeRows(PROBE, id)).as("not committed yet").isZero();
            return isLockedOnServer(probe);
        });
        assertThat(heldDuring).isTrue();
        assertThat(probeRows(PROBE, id)).as("committed").isEqualTo(1);
        assertThat(isLockedOnServer(probe)).as("ended with the transaction").isFalse();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
        assertThat(Locks.forConnection(connect(), key).tryAcquire()).isTrue();
    }

    @Test
    void inTransactionRollsBackAndFreesTheLockWhenTheWorkFails() throws Exception {
        createProbeTable(PROBE);
        HikariDataSource pool = pool(1);
        DataSourceLocks locks = Locks.forDataSource(pool);
        String key = uniqueKey();
        DistributedLock probe = locks.lock(key);
        int id = uniqueNumber();
        IOException failure = new IOException("boom");
        assertThatThrownBy(() -> locks.inTransaction(key, Duration.ofSeconds(5), connection -> {
            insertProbe(connection, PROBE, id);
            throw failure;
        })).isSameAs(failure);
        assertThat(failure.getSuppressed()).isEmpty();
        assertThat(probeRows(PROBE, id)).as("rolled back").isZero();
        assertThat(isLockedOnServer(probe)).isFalse();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
        try (Connection again = pool.getConnection()) {
            assertThat(again.getAutoCommit()).as("given back as it was borrowed").isTrue();
        }
    }

    @Test
    void inTransactionTimesOutWithoutRunning() throws Exception {
        String key = uniqueKey();
        Locks.forConnection(connect(), key).acquire();
        HikariDataSource pool = pool(1);
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> Locks.forDataSource(pool).inTransaction(key, Duration.ofMillis(50),
                connection -> ran.incrementAndGet())).isInstanceOf(LockTimeoutException.class);
        assertThat(ran).hasValue(0);
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
    }

    @Test
    void transactionScopeIsRefused() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(pool(1));
        assertThatThrownBy(() -> locks.lock(uniqueKey(), LockOptions.builder().scope(LockScope.TRANSACTION).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
