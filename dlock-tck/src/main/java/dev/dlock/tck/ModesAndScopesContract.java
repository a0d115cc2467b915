package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlock.DistributedLock;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Lock modes and scopes: options a dialect cannot do are refused before any SQL, transaction-scoped locks end with
 * their transaction, and shared holders sit beside each other but never beside an exclusive one.
 */
public abstract class ModesAndScopesContract extends DialectFixture {
    private LockOptions options(LockMode mode, LockScope scope) {
        return LockOptions.builder().mode(mode).scope(scope).build();
    }

    @Test
    void everyUnsupportedOptionIsRefusedBeforeAnySql() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        int refused = 0;
        for (LockMode mode : LockMode.values()) {
            for (LockScope scope : LockScope.values()) {
                LockOptions options = options(mode, scope);
                if (dialect().supportedModes().contains(mode) && dialect().supportedScopes().contains(scope)) {
                    assertThat(Locks.forConnection(counting.connection(), uniqueKey(), options).options())
                            .isEqualTo(options);
                } else {
                    refused++;
                    assertThatThrownBy(() -> Locks.forConnection(counting.connection(), uniqueKey(), options))
                            .isInstanceOf(UnsupportedLockOptionException.class)
                            .hasMessageContaining(mode.toString())
                            .hasMessageContaining("supports");
                }
            }
        }
        assertThat(refused).isEqualTo(LockMode.values().length * LockScope.values().length
                - dialect().supportedModes().size() * dialect().supportedScopes().size());
        assertThat(counting.statements()).isZero();
    }

    /** Locks that the transaction owns. */
    @Nested
    class TransactionScope {
        private final LockOptions transaction = LockOptions.builder().scope(LockScope.TRANSACTION).build();

        @BeforeEach
        void onlyWhereSupported() {
            assumeTrue(dialect().supportedScopes().contains(LockScope.TRANSACTION), "the dialect has no transaction scope");
        }

        @Test
        void refusedInAutoCommitMode() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey(), transaction);
            assertThatThrownBy(lock::acquire).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class);
            assertThat(counting.statements()).isZero();
            assertThat(isLockedOnServer(lock)).isFalse();
        }

        @Test
        void releasedAtCommit() throws Exception {
            Connection connection = connect();
            connection.setAutoCommit(false);
            DistributedLock lock = Locks.forConnection(connection, uniqueKey(), transaction);
            lock.acquire();
            assertThat(isLockedOnServer(lock)).isTrue();
            connection.commit();
            assertThat(isLockedOnServer(lock)).isFalse();
            lock.close();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void releasedAtRollback() throws Exception {
            Connection connection = connect();
            connection.setAutoCommit(false);
            DistributedLock lock = Locks.forConnection(connection, uniqueKey(), transaction);
            assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
            assertThat(isLockedOnServer(lock)).isTrue();
            connection.rollback();
            assertThat(isLockedOnServer(lock)).isFalse();
        }

        @Test
        void excludesOtherTransactions() throws Exception {
            String key = uniqueKey();
            Connection first = connect();
            Connection second = connect();
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            DistributedLock holder = Locks.forConnection(first, key, transaction);
            DistributedLock other = Locks.forConnection(second, key, transaction);
            holder.acquire();
            assertThat(other.tryAcquire()).isFalse();
            assertThat(other.tryAcquire(Duration.ofMillis(50))).isFalse();
            first.commit();
            assertThat(other.tryAcquire(Duration.ofSeconds(5))).isTrue();
            second.commit();
        }

        @Test
        void releaseBeforeTheTransactionEnds() throws Exception {
            Connection connection = connect();
            connection.setAutoCommit(false);
            DistributedLock lock = Locks.forConnection(connection, uniqueKey(), transaction);
            lock.acquire();
            if (dialect().transactionLocksReleasable()) {
                lock.release();
                assertThat(isLockedOnServer(lock)).isFalse();
            } else {
                assertThatThrownBy(lock::release).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("commit or rollback");
                assertThat(isLockedOnServer(lock)).isTrue();
                connection.rollback();
                assertThat(isLockedOnServer(lock)).isFalse();
            }
            connection.rollback();
        }
    }

    /** Shared holders beside each other, never beside an exclusive one. */
    @Nested
    class SharedMode {
        private final LockOptions shared = LockOptions.builder().mode(LockMode.SHARED).build();

        @BeforeEach
        void onlyWhereSupported() {
            assumeTrue(dialect().supportedModes().contains(LockMode.SHARED), "the dialect has no shared mode");
        }

        @Test
        void sharedHoldersCoexist() throws Exception {
            String key = uniqueKey();
            DistributedLock one = Locks.forConnection(connect(), key, shared);
            DistributedLock two = Locks.forConnection(connect(), key, shared);
            assertThat(one.tryAcquire()).isTrue();
            assertThat(two.tryAcquire()).isTrue();
            one.release();
            assertThat(isLockedOnServer(two)).isTrue();
            two.release();
            assertThat(isLockedOnServer(two)).isFalse();
        }

        @Test
        void sharedExcludesExclusiveBothWays() throws Exception {
            String key = uniqueKey();
            DistributedLock reader = Locks.forConnection(connect(), key, shared);
            DistributedLock writer = Locks.forConnection(connect(), key);
            reader.acquire();
            assertThat(writer.tryAcquire(Duration.ofMillis(50))).isFalse();
            reader.release();
            writer.acquire();
            assertThat(reader.tryAcquire(Duration.ofMillis(50))).isFalse();
            writer.release();
            assertThat(reader.tryAcquire()).isTrue();
            reader.release();
        }
    }
}
