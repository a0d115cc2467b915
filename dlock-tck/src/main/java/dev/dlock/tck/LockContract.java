package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.AsyncDistributedLock;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockTimeoutException;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every dialect promises, run against a real database. A dialect's test extends this class and
 * says how to reach its database and how to ask, from a second connection, who holds or waits for a key.
 * Each {@link Nested} class is one behaviour; those that need a mode or scope the dialect lacks are skipped
 * (and the refusal of that option is tested in {@link Options}).
 */
public abstract class LockContract {
    /** Keys shaped like SQL injection, comments, escapes and odd characters: each must lock just itself. */
    protected static final List<String> HOSTILE_KEYS = List.of(
            "'; DROP TABLE dlock_probe; --", "\" OR 1=1 --", "x'); SELECT pg_sleep(5); --",
            "/* comment */ key", "back\\slash\\", "semi;colon", "nul\u0000byte", "rtl\u202emark",
            "emoji \uD83D\uDD12", "quote''s");

    /** Longer than any wait a passing test makes: only a hang reaches it. */
    protected static final Duration SANITY = Duration.ofSeconds(30);
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static final String RUN = Long.toHexString(System.nanoTime() & 0xffffffL);

    private final List<Connection> connections = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "dlock-tck-waiter");
        thread.setDaemon(true);
        return thread;
    });
    /** A connection of its own from which the tests look at the server. */
    protected Connection observer;

    /** @return the database to run against */
    protected abstract TestDatabase database();

    /**
     * @param observer a connection that holds nothing
     * @param lock     the lock in question (its {@link DistributedLock#databaseKey()} names the server's lock)
     * @return whether any session holds that lock on the server
     * @throws SQLException if the question fails
     */
    protected abstract boolean isLockedOnServer(Connection observer, DistributedLock lock) throws SQLException;

    /**
     * @param observer a connection that holds nothing
     * @param lock     the lock in question
     * @return how many sessions are waiting for that lock on the server
     * @throws SQLException if the question fails
     */
    protected abstract int waitersOnServer(Connection observer, DistributedLock lock) throws SQLException;

    /** @return the modes the dialect supports */
    protected abstract Set<LockMode> supportedModes();

    /** @return the scopes the dialect supports */
    protected abstract Set<LockScope> supportedScopes();

    /** @return a key just past the dialect's length limit, if it has one */
    protected Optional<LockKey> keyTooLong() {
        return Optional.empty();
    }

    /**
     * @return those of the contract's injection-shaped keys that the dialect refuses with
     *         {@link IllegalArgumentException} instead of locking (MySQL and MariaDB cut names at NUL)
     */
    protected Set<String> hostileKeysRefused() {
        return Set.of();
    }

    /** @return whether the dialect can release a transaction-scoped lock before its transaction ends */
    protected boolean transactionLocksReleasable() {
        return false;
    }

    /**
     * Ends {@code victim}'s session from {@code observer}, as an administrator would ({@code pg_terminate_backend},
     * {@code KILL}). The default skips the tests that need it.
     *
     * @param observer a connection that may end other sessions
     * @param victim   the session to end
     * @throws SQLException if it fails
     */
    protected void killSession(Connection observer, Connection victim) throws SQLException {
        assumeTrue(false, "this dialect's test does not know how to end another session");
    }

    /** @return a statement that creates the table {@code dlock_probe (id INT)} if it is missing */
    protected String createProbeTable() {
        return "CREATE TABLE IF NOT EXISTS dlock_probe (id INT)";
    }

    @BeforeEach
    void openObserver() throws SQLException {
        observer = connect();
    }

    @AfterEach
    void closeEverything() throws SQLException {
        threads.shutdownNow();
        for (Connection connection : connections) {
            connection.close();
        }
    }

    /**
     * @return a new connection, closed after the test
     * @throws SQLException if the database cannot be reached
     */
    protected Connection connect() throws SQLException {
        Connection connection = database().connect();
        connections.add(connection);
        return connection;
    }

    /** @return a key no other test uses */
    protected static String uniqueKey() {
        return "tck-" + RUN + "-" + KEYS.incrementAndGet();
    }

    /**
     * Waits, by asking the database, until {@code condition} holds; fails the test after {@link #SANITY}.
     *
     * @param what      what is awaited, for the failure message
     * @param condition the question to the database
     * @throws Exception if the question fails
     */
    protected static void awaitServer(String what, ServerCondition condition) throws Exception {
        condition.await(what, SANITY);
    }

    private void awaitWaiter(DistributedLock lock) throws Exception {
        awaitServer("a session waiting for " + lock, () -> waitersOnServer(observer, lock) > 0);
    }

    private <T> Future<T> inThread(java.util.concurrent.Callable<T> task) {
        return threads.submit(task);
    }

    private static <T> T result(Future<T> future) throws Exception {
        return future.get(SANITY.toSeconds(), TimeUnit.SECONDS);
    }

    /** @return a query that answers one row with the number 1 ({@code SELECT 1 FROM DUAL} before Oracle 23ai) */
    protected String selectOne() {
        return "SELECT 1";
    }

    private boolean isUsable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(selectOne())) {
            return rs.next() && rs.getInt(1) == 1;
        }
    }

    private LockOptions options(LockMode mode, LockScope scope) {
        return LockOptions.builder().mode(mode).scope(scope).build();
    }

    /** Taking and giving back a lock on one connection. */
    @Nested
    class AcquireAndRelease {
        @Test
        void acquiredLockShowsOnServerUntilReleased() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            assertThat(isLockedOnServer(observer, lock)).isFalse();
            lock.acquire();
            assertThat(lock.isLocked()).isTrue();
            assertThat(isLockedOnServer(observer, lock)).isTrue();
            lock.release();
            assertThat(lock.isLocked()).isFalse();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void tryAcquireTakesFreeLock() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            assertThat(lock.tryAcquire()).isTrue();
            assertThat(isLockedOnServer(observer, lock)).isTrue();
            lock.release();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void tryWithResourcesReleasesAtTheEnd() throws Exception {
            DistributedLock outside;
            try (DistributedLock lock = Locks.forConnection(connect(), uniqueKey()).acquire(Duration.ofSeconds(5))) {
                outside = lock;
                assertThat(isLockedOnServer(observer, lock)).isTrue();
            }
            assertThat(outside.isLocked()).isFalse();
            assertThat(isLockedOnServer(observer, outside)).isFalse();
        }

        @Test
        void lockCanBeTakenAgainAfterRelease() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            for (int i = 0; i < 3; i++) {
                assertThat(lock.tryAcquire()).isTrue();
                lock.release();
            }
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void closeWhenNotHeldIsQuiet() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            lock.close();
            lock.acquire();
            lock.close();
            lock.close();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void releaseWhenNotHeldIsLockNotHeld() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey());
            assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class)
                    .hasMessageContaining(lock.key().toString());
            lock.acquire();
            lock.release();
            int sent = counting.statements();
            assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class);
            assertThat(counting.statements()).isEqualTo(sent);
        }

        @Test
        void acquireOnHoldingObjectIsIllegalState() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            lock.acquire();
            assertThatThrownBy(lock::acquire).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class);
            lock.release();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void secondLockObjectForHeldKeyOnSameConnectionIsRefused() throws Exception {
            Connection connection = connect();
            String key = uniqueKey();
            DistributedLock first = Locks.forConnection(connection, key);
            DistributedLock second = Locks.forConnection(connection, key);
            first.acquire();
            assertThatThrownBy(second::tryAcquire).isInstanceOf(LockAlreadyHeldException.class);
            assertThatThrownBy(second::acquire).isInstanceOf(LockAlreadyHeldException.class);
            assertThat(second.isLocked()).isFalse();
            first.release();
            // one release freed it: the refused attempts took nothing on the server
            assertThat(isLockedOnServer(observer, first)).isFalse();
            assertThat(second.tryAcquire()).isTrue();
            second.release();
            assertThat(isLockedOnServer(observer, second)).isFalse();
        }

        @Test
        void accessorsDescribeTheLock() throws Exception {
            String key = uniqueKey();
            DistributedLock lock = Locks.forConnection(connect(), key);
            assertThat(lock.key()).isEqualTo(LockKey.of(key));
            assertThat(lock.databaseKey()).isNotNull();
            assertThat(lock.options()).isEqualTo(LockOptions.DEFAULT);
            assertThat(lock.dialect()).isNotBlank();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void longAndByteKeysLockTheirOwnDatabaseKey() throws Exception {
            Connection connection = connect();
            long number = 7_000_000L + KEYS.incrementAndGet();
            DistributedLock byNumber = Locks.forConnection(connection, LockKey.of(number));
            DistributedLock byBytes = Locks.forConnection(connection, LockKey.of(uniqueKey().getBytes(StandardCharsets.UTF_8)));
            byNumber.acquire();
            byBytes.acquire();
            assertThat(isLockedOnServer(observer, byNumber)).isTrue();
            assertThat(isLockedOnServer(observer, byBytes)).isTrue();
            byNumber.release();
            byBytes.release();
            assertThat(isLockedOnServer(observer, byNumber)).isFalse();
            assertThat(isLockedOnServer(observer, byBytes)).isFalse();
        }
    }

    /** Two connections, one key. */
    @Nested
    class Exclusion {
        @Test
        void secondConnectionCannotAcquireHeldKey() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            DistributedLock other = Locks.forConnection(connect(), key);
            holder.acquire();
            assertThat(other.tryAcquire()).isFalse();
            assertThat(other.tryAcquire(Duration.ofMillis(50))).isFalse();
            assertThat(other.isLocked()).isFalse();
            holder.release();
            assertThat(other.tryAcquire()).isTrue();
            other.release();
        }

        @Test
        void lockObjectOfAnotherConnectionCannotRelease() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            DistributedLock other = Locks.forConnection(connect(), key);
            holder.acquire();
            assertThatThrownBy(other::release).isInstanceOf(LockNotHeldException.class);
            assertThat(isLockedOnServer(observer, holder)).isTrue();
            holder.release();
        }

        @Test
        void closingTheConnectionFreesTheLock() throws Exception {
            String key = uniqueKey();
            Connection holding = connect();
            DistributedLock holder = Locks.forConnection(holding, key);
            holder.acquire();
            holding.close();
            DistributedLock other = Locks.forConnection(connect(), key);
            assertThat(other.tryAcquire(SANITY)).isTrue();
            holder.close(); // quiet: the server already freed it with the session
            assertThat(holder.isLocked()).isFalse();
            other.release();
        }

        @Test
        void blockedAcquireGetsTheLockWhenReleased() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            DistributedLock waiter = Locks.forConnection(connect(), key);
            holder.acquire();
            Future<Boolean> waiting = inThread(() -> {
                waiter.acquire();
                return waiter.isLocked();
            });
            awaitWaiter(holder);
            assertThat(waiting).isNotDone();
            holder.release();
            assertThat(result(waiting)).isTrue();
            assertThat(isLockedOnServer(observer, waiter)).isTrue();
            waiter.release();
        }
    }

    /** Timeouts: exact, checked, and never leaving anything behind. */
    @Nested
    class Timeouts {
        @Test
        void zeroTimeoutIsOneAttempt() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            DistributedLock other = Locks.forConnection(connect(), key);
            assertThat(other.tryAcquire(Duration.ZERO)).isTrue();
            other.release();
            holder.acquire();
            assertThat(other.tryAcquire(Duration.ZERO)).isFalse();
            assertThatThrownBy(() -> other.acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
            holder.release();
        }

        @Test
        void timedAcquireThrowsAfterTheTimeoutAndHoldsNothing() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            DistributedLock other = Locks.forConnection(connect(), key);
            holder.acquire();
            Duration timeout = Duration.ofMillis(200);
            assertThatThrownBy(() -> other.acquire(timeout))
                    .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                        assertThat(e.timeout()).isEqualTo(timeout);
                        assertThat(e.waited()).isGreaterThanOrEqualTo(timeout).isLessThan(SANITY);
                        assertThat(e.getMessage()).contains(other.key().toString(), "200.0 ms");
                    });
            assertThat(other.isLocked()).isFalse();
            holder.release();
            assertThat(isLockedOnServer(observer, holder)).isFalse();
        }

        @Test
        void timedTryAcquireGetsLockReleasedDuringTheWait() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            DistributedLock waiter = Locks.forConnection(connect(), key);
            holder.acquire();
            Future<Boolean> waiting = inThread(() -> waiter.tryAcquire(SANITY));
            awaitWaiter(holder);
            holder.release();
            assertThat(result(waiting)).isTrue();
            waiter.release();
        }

        @Test
        void negativeOrNullTimeoutIsRefusedBeforeAnySql() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey());
            assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
            assertThatThrownBy(() -> lock.acquire(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> lock.tryAcquire(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(NullPointerException.class);
            assertThat(counting.statements()).isZero();
            assertThat(lock.isLocked()).isFalse();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void timeoutInsideTransactionLeavesItUsable() throws Exception {
            String key = uniqueKey();
            createProbeTableIfMissing();
            int id = KEYS.incrementAndGet();
            DistributedLock holder = Locks.forConnection(connect(), key);
            holder.acquire();
            Connection caller = connect();
            caller.setAutoCommit(false);
            insertProbe(caller, id);
            DistributedLock other = Locks.forConnection(caller, key);
            assertThat(other.tryAcquire(Duration.ofMillis(100))).isFalse();
            assertThatThrownBy(() -> other.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class);
            insertProbe(caller, id);
            caller.commit();
            assertThat(probeRows(id)).isEqualTo(2);
            holder.release();
        }
    }

    private void createProbeTableIfMissing() throws SQLException {
        try (Statement ddl = observer.createStatement()) {
            ddl.execute(createProbeTable());
        }
    }

    private static void insertProbe(Connection connection, int id) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO dlock_probe (id) VALUES (" + id + ")");
        }
    }

    private int probeRows(int id) throws SQLException {
        try (Statement statement = observer.createStatement();
             ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM dlock_probe WHERE id = " + id)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A waiting thread that is interrupted. */
    @Nested
    class Interrupts {
        @Test
        void interruptCancelsTheWaitAndKeepsTheFlag() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            Connection waiting = connect();
            DistributedLock waiter = Locks.forConnection(waiting, key);
            holder.acquire();
            AtomicReference<Thread> thread = new AtomicReference<>();
            Future<Boolean> outcome = inThread(() -> {
                thread.set(Thread.currentThread());
                try {
                    waiter.acquire();
                    return false;
                } catch (LockInterruptedException expected) {
                    return Thread.currentThread().isInterrupted();
                }
            });
            awaitWaiter(holder);
            thread.get().interrupt();
            assertThat(result(outcome)).as("LockInterruptedException with the flag restored").isTrue();
            assertThat(waiter.isLocked()).isFalse();
            awaitServer("the cancelled wait gone", () -> waitersOnServer(observer, holder) == 0);
            assertThat(isUsable(waiting)).isTrue();
            holder.release();
            assertThat(isLockedOnServer(observer, holder)).as("the waiter holds nothing").isFalse();
            assertThat(waiter.tryAcquire()).isTrue();
            waiter.release();
        }

        @Test
        void interruptedThreadIsRefusedBeforeWaiting() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey());
            Future<Boolean> outcome = inThread(() -> {
                Thread.currentThread().interrupt();
                try {
                    lock.acquire();
                    return false;
                } catch (LockInterruptedException expected) {
                    return Thread.currentThread().isInterrupted();
                }
            });
            assertThat(result(outcome)).isTrue();
            assertThat(counting.statements()).isZero();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void interruptInsideTransactionLeavesItUsable() throws Exception {
            String key = uniqueKey();
            createProbeTableIfMissing();
            int id = KEYS.incrementAndGet();
            DistributedLock holder = Locks.forConnection(connect(), key);
            holder.acquire();
            Connection caller = connect();
            caller.setAutoCommit(false);
            insertProbe(caller, id);
            DistributedLock waiter = Locks.forConnection(caller, key);
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Void> started = new CompletableFuture<>();
            Future<Class<?>> outcome = inThread(() -> {
                thread.set(Thread.currentThread());
                started.complete(null);
                try {
                    waiter.acquire(SANITY);
                    return null;
                } catch (RuntimeException e) {
                    return e.getClass();
                }
            });
            started.get();
            awaitWaiter(holder);
            thread.get().interrupt();
            assertThat(result(outcome)).isEqualTo(LockInterruptedException.class);
            insertProbe(caller, id);
            caller.commit();
            assertThat(probeRows(id)).isEqualTo(2);
            holder.release();
        }
    }

    /** Locks that the transaction owns. */
    @Nested
    class TransactionScope {
        private final LockOptions transaction = LockOptions.builder().scope(LockScope.TRANSACTION).build();

        @BeforeEach
        void onlyWhereSupported() {
            assumeTrue(supportedScopes().contains(LockScope.TRANSACTION), "the dialect has no transaction scope");
        }

        @Test
        void refusedInAutoCommitMode() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey(), transaction);
            assertThatThrownBy(lock::acquire).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class);
            assertThat(counting.statements()).isZero();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
        }

        @Test
        void releasedAtCommit() throws Exception {
            Connection connection = connect();
            connection.setAutoCommit(false);
            DistributedLock lock = Locks.forConnection(connection, uniqueKey(), transaction);
            lock.acquire();
            assertThat(isLockedOnServer(observer, lock)).isTrue();
            connection.commit();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
            lock.close();
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void releasedAtRollback() throws Exception {
            Connection connection = connect();
            connection.setAutoCommit(false);
            DistributedLock lock = Locks.forConnection(connection, uniqueKey(), transaction);
            assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
            assertThat(isLockedOnServer(observer, lock)).isTrue();
            connection.rollback();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
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
            if (transactionLocksReleasable()) {
                lock.release();
                assertThat(isLockedOnServer(observer, lock)).isFalse();
            } else {
                assertThatThrownBy(lock::release).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("commit or rollback");
                assertThat(isLockedOnServer(observer, lock)).isTrue();
                connection.rollback();
                assertThat(isLockedOnServer(observer, lock)).isFalse();
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
            assumeTrue(supportedModes().contains(LockMode.SHARED), "the dialect has no shared mode");
        }

        @Test
        void sharedHoldersCoexist() throws Exception {
            String key = uniqueKey();
            DistributedLock one = Locks.forConnection(connect(), key, shared);
            DistributedLock two = Locks.forConnection(connect(), key, shared);
            assertThat(one.tryAcquire()).isTrue();
            assertThat(two.tryAcquire()).isTrue();
            one.release();
            assertThat(isLockedOnServer(observer, two)).isTrue();
            two.release();
            assertThat(isLockedOnServer(observer, two)).isFalse();
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

    /** Options a dialect cannot do are refused up front. */
    @Nested
    class Options {
        @Test
        void everyUnsupportedOptionIsRefusedBeforeAnySql() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            int refused = 0;
            for (LockMode mode : LockMode.values()) {
                for (LockScope scope : LockScope.values()) {
                    LockOptions options = options(mode, scope);
                    if (supportedModes().contains(mode) && supportedScopes().contains(scope)) {
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
                    - supportedModes().size() * supportedScopes().size());
            assertThat(counting.statements()).isZero();
        }
    }

    /** Bad keys, connections and arguments: a clear error, nothing sent, nothing held. */
    @Nested
    class BadInput {
        @Test
        void nullArgumentsAreNullPointerExceptions() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            Connection connection = counting.connection();
            assertThatThrownBy(() -> Locks.forConnection(null, "k")).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("connection");
            assertThatThrownBy(() -> Locks.forConnection(connection, (String) null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
            assertThatThrownBy(() -> Locks.forConnection(connection, (LockKey) null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
            assertThatThrownBy(() -> Locks.forConnection(connection, "k", null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("options");
            assertThat(counting.statements()).isZero();
        }

        @Test
        void emptyKeysAreIllegalArguments() throws Exception {
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            Connection connection = counting.connection();
            assertThatThrownBy(() -> Locks.forConnection(connection, "")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> Locks.forConnection(connection, LockKey.of(new byte[0])))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(counting.statements()).isZero();
        }

        @Test
        void keyPastTheDialectsLimitIsIllegalArgument() throws Exception {
            Optional<LockKey> tooLong = keyTooLong();
            assumeFalse(tooLong.isEmpty(), "the dialect has no key length limit");
            StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
            assertThatThrownBy(() -> Locks.forConnection(counting.connection(), tooLong.get(), LockOptions.DEFAULT))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(counting.statements()).isZero();
        }

        @Test
        void closedConnectionIsIllegalState() throws Exception {
            Connection connection = connect();
            DistributedLock made = Locks.forConnection(connection, uniqueKey());
            connection.close();
            assertThatThrownBy(() -> Locks.forConnection(connection, uniqueKey()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(made::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(made::tryAcquire).isInstanceOf(IllegalStateException.class);
            assertThat(isLockedOnServer(observer, made)).isFalse();
        }

        @Test
        void injectionShapedKeysLockExactlyThemselves() throws Exception {
            assertThat(hostileKeysRefused()).as("only keys of this test can be refused").isSubsetOf(HOSTILE_KEYS);
            createProbeTableIfMissing();
            List<String> hostile = HOSTILE_KEYS;
            Connection holding = connect();
            Connection other = connect();
            for (String text : hostile) {
                if (hostileKeysRefused().contains(text)) {
                    assertThatThrownBy(() -> Locks.forConnection(holding, text)).as(text)
                            .isInstanceOf(IllegalArgumentException.class);
                    continue;
                }
                DistributedLock lock = Locks.forConnection(holding, text);
                lock.acquire();
                assertThat(isLockedOnServer(observer, lock)).as(text).isTrue();
                assertThat(Locks.forConnection(other, text).tryAcquire()).as(text).isFalse();
                // a near neighbour is a different lock
                DistributedLock neighbour = Locks.forConnection(other, text + "x");
                assertThat(neighbour.tryAcquire()).as(text + "x").isTrue();
                neighbour.release();
                lock.release();
                assertThat(isLockedOnServer(observer, lock)).as(text).isFalse();
            }
            try (Statement statement = observer.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM dlock_probe")) {
                assertThat(rs.next()).as("the probe table is still there").isTrue();
            }
        }
    }

    /** The {@link java.util.concurrent.CompletableFuture} form. */
    @Nested
    class Async {
        @Test
        void acquireCompletesHeldAndReleaseFrees() throws Exception {
            AsyncDistributedLock lock = Locks.forConnection(connect(), uniqueKey()).async();
            assertThat(lock.acquire().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(lock);
            assertThat(lock.isLocked()).isTrue();
            assertThat(isLockedOnServer(observer, lock.lock())).isTrue();
            lock.release().get(SANITY.toSeconds(), TimeUnit.SECONDS);
            assertThat(isLockedOnServer(observer, lock.lock())).isFalse();
        }

        @Test
        void busyKeyAnswersFalseOrTimesOut() throws Exception {
            String key = uniqueKey();
            Locks.forConnection(connect(), key).acquire();
            AsyncDistributedLock lock = Locks.forConnection(connect(), key).async(threads);
            assertThat(lock.tryAcquire().get()).isFalse();
            assertThat(lock.tryAcquire(Duration.ofMillis(50)).get()).isFalse();
            assertThatThrownBy(() -> lock.acquire(Duration.ofMillis(50)).get())
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(LockTimeoutException.class);
            assertThat(lock.isLocked()).isFalse();
        }

        @Test
        void badArgumentsThrowAtOnce() throws Exception {
            AsyncDistributedLock lock = Locks.forConnection(connect(), uniqueKey()).async();
            assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> lock.lock().async(null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void cancellingAPendingAcquireCancelsTheServerWaitAndHoldsNothing() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            holder.acquire();
            Connection waiting = connect();
            AsyncDistributedLock lock = Locks.forConnection(waiting, key).async(threads);
            CompletableFuture<AsyncDistributedLock> pending = lock.acquire();
            awaitWaiter(holder);
            assertThat(pending.cancel(true)).isTrue();
            awaitServer("the cancelled wait gone", () -> waitersOnServer(observer, holder) == 0);
            holder.release();
            assertThat(isLockedOnServer(observer, holder)).as("the cancelled request holds nothing").isFalse();
            assertThat(lock.isLocked()).isFalse();
            assertThat(isUsable(waiting)).isTrue();
            assertThat(lock.tryAcquire().get()).isTrue();
            lock.release().get();
        }

        @Test
        void secondRequestOnABusyConnectionIsRefused() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            holder.acquire();
            Connection shared = connect();
            AsyncDistributedLock first = Locks.forConnection(shared, key).async(threads);
            AsyncDistributedLock second = Locks.forConnection(shared, uniqueKey()).async(threads);
            CompletableFuture<AsyncDistributedLock> waiting = first.acquire();
            awaitWaiter(holder);
            assertThatThrownBy(() -> second.tryAcquire().get(SANITY.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("under way");
            assertThat(second.isLocked()).isFalse();
            holder.release();
            assertThat(waiting.get(SANITY.toSeconds(), TimeUnit.SECONDS).isLocked()).isTrue();
            first.release().get();
        }
    }

    /** The {@link java.util.concurrent.locks.Lock} adapter. */
    @Nested
    class JavaUtilConcurrent {
        @Test
        void lockAndUnlock() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            Lock juc = lock.asLock();
            juc.lock();
            assertThat(isLockedOnServer(observer, lock)).isTrue();
            juc.unlock();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
            assertThatThrownBy(juc::unlock).isInstanceOf(IllegalMonitorStateException.class);
            assertThatThrownBy(juc::newCondition).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void tryLockFormsOnABusyKey() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            Lock juc = Locks.forConnection(connect(), key).asLock();
            holder.acquire();
            assertThat(juc.tryLock()).isFalse();
            assertThat(juc.tryLock(50, TimeUnit.MILLISECONDS)).isFalse();
            holder.release();
            assertThat(juc.tryLock(-1, TimeUnit.SECONDS)).as("a negative time is one attempt").isTrue();
            juc.unlock();
        }

        @Test
        void lockInterruptiblyCancelsTheWaitAndThrowsInterruptedException() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            holder.acquire();
            DistributedLock waiter = Locks.forConnection(connect(), key);
            AtomicReference<Thread> thread = new AtomicReference<>();
            Future<String> outcome = inThread(() -> {
                thread.set(Thread.currentThread());
                try {
                    waiter.asLock().lockInterruptibly();
                    return "acquired";
                } catch (InterruptedException e) {
                    return Thread.currentThread().isInterrupted() ? "flag still set" : "interrupted";
                }
            });
            awaitWaiter(holder);
            thread.get().interrupt();
            assertThat(result(outcome)).isEqualTo("interrupted");
            awaitServer("the cancelled wait gone", () -> waitersOnServer(observer, holder) == 0);
            holder.release();
            assertThat(isLockedOnServer(observer, holder)).isFalse();
        }

        @Test
        void lockWaitsThroughAnInterruptAndRestoresTheFlag() throws Exception {
            String key = uniqueKey();
            DistributedLock holder = Locks.forConnection(connect(), key);
            holder.acquire();
            DistributedLock waiter = Locks.forConnection(connect(), key);
            AtomicReference<Thread> thread = new AtomicReference<>();
            Future<Boolean> outcome = inThread(() -> {
                thread.set(Thread.currentThread());
                waiter.asLock().lock();
                return Thread.currentThread().isInterrupted();
            });
            awaitWaiter(holder);
            thread.get().interrupt();
            assertThat(outcome).isNotDone();
            holder.release();
            assertThat(result(outcome)).as("held, with the interrupt restored").isTrue();
            assertThat(isLockedOnServer(observer, waiter)).isTrue();
            waiter.release();
        }

        @Test
        void readWriteLockSharesReadsAndExcludesWrites() throws Exception {
            assumeTrue(supportedModes().contains(LockMode.SHARED), "the dialect has no shared mode");
            String key = uniqueKey();
            ReadWriteLock one = Locks.readWriteLock(connect(), key);
            ReadWriteLock two = Locks.readWriteLock(connect(), key);
            ReadWriteLock three = Locks.readWriteLock(connect(), key);
            assertThat(one.readLock().tryLock()).isTrue();
            assertThat(two.readLock().tryLock()).isTrue();
            assertThat(three.writeLock().tryLock(50, TimeUnit.MILLISECONDS)).isFalse();
            assertThatThrownBy(() -> one.writeLock().tryLock()).as("no upgrade on one connection")
                    .isInstanceOf(LockAlreadyHeldException.class);
            one.readLock().unlock();
            two.readLock().unlock();
            assertThat(three.writeLock().tryLock()).isTrue();
            assertThat(one.readLock().tryLock()).isFalse();
            three.writeLock().unlock();
        }

        @Test
        void readWriteLockIsRefusedWithoutSharedMode() throws Exception {
            assumeFalse(supportedModes().contains(LockMode.SHARED), "the dialect has a shared mode");
            assertThatThrownBy(() -> Locks.readWriteLock(connect(), uniqueKey()))
                    .isInstanceOf(UnsupportedLockOptionException.class);
        }
    }

    /** Locks that borrow their own connection from a pool. */
    @Nested
    class Pooled {
        private final List<HikariDataSource> pools = new ArrayList<>();

        @AfterEach
        void closePools() {
            pools.forEach(HikariDataSource::close);
        }

        private HikariDataSource pool(int size) {
            HikariConfig config = new HikariConfig();
            config.setDataSource(new TestDataSource(database()));
            config.setMaximumPoolSize(size);
            config.setMinimumIdle(0);
            config.setPoolName("dlock-tck-" + size);
            HikariDataSource pool = new HikariDataSource(config);
            pools.add(pool);
            return pool;
        }

        @Test
        void lockHoldsAConnectionExactlyWhileHeld() throws Exception {
            HikariDataSource pool = pool(1);
            DataSourceLocks locks = Locks.forDataSource(pool);
            assertThat(locks.dialect()).isNotBlank();
            DistributedLock lock = locks.lock(uniqueKey());
            assertThat(lock.databaseKey()).isNotNull();
            lock.acquire();
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
            assertThat(isLockedOnServer(observer, lock)).isTrue();
            assertThat(lock.isHeldOnServer()).isTrue();
            lock.release();
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
            assertThat(isLockedOnServer(observer, lock)).isFalse();
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
            assertThat(locks.withLock(key, Duration.ofSeconds(5), () -> isLockedOnServer(observer, probe))).isTrue();
            assertThat(isLockedOnServer(observer, probe)).isFalse();
            IOException failure = new IOException("boom");
            assertThatThrownBy(() -> locks.withLock(key, Duration.ofSeconds(5), () -> {
                throw failure;
            })).isSameAs(failure);
            assertThat(isLockedOnServer(observer, probe)).isFalse();
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
                    heldDuring.set(isLockedOnServer(observer, probe));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            })).isTrue();
            assertThat(heldDuring.get()).isTrue();
            assertThat(isLockedOnServer(observer, probe)).isFalse();
            DistributedLock other = Locks.forConnection(connect(), key);
            other.acquire();
            AtomicInteger ran = new AtomicInteger();
            assertThat(locks.runIfFree(key, ran::incrementAndGet)).isFalse();
            assertThat(ran).hasValue(0);
            other.release();
        }

        @Test
        void inTransactionHoldsTheLockForTheTransactionAndCommitsTheWork() throws Exception {
            createProbeTableIfMissing();
            HikariDataSource pool = pool(2);
            DataSourceLocks locks = Locks.forDataSource(pool);
            String key = uniqueKey();
            DistributedLock probe = locks.lock(key);
            int id = KEYS.incrementAndGet();
            boolean heldDuring = locks.inTransaction(key, Duration.ofSeconds(5), connection -> {
                assertThat(connection.getAutoCommit()).as("inside a transaction").isFalse();
                insertProbe(connection, id);
                assertThat(probeRows(id)).as("not committed yet").isZero();
                return isLockedOnServer(observer, probe);
            });
            assertThat(heldDuring).isTrue();
            assertThat(probeRows(id)).as("committed").isEqualTo(1);
            assertThat(isLockedOnServer(observer, probe)).as("ended with the transaction").isFalse();
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
            assertThat(Locks.forConnection(connect(), key).tryAcquire()).isTrue();
        }

        @Test
        void inTransactionRollsBackAndFreesTheLockWhenTheWorkFails() throws Exception {
            createProbeTableIfMissing();
            HikariDataSource pool = pool(1);
            DataSourceLocks locks = Locks.forDataSource(pool);
            String key = uniqueKey();
            DistributedLock probe = locks.lock(key);
            int id = KEYS.incrementAndGet();
            IOException failure = new IOException("boom");
            assertThatThrownBy(() -> locks.inTransaction(key, Duration.ofSeconds(5), connection -> {
                insertProbe(connection, id);
                throw failure;
            })).isSameAs(failure);
            assertThat(failure.getSuppressed()).isEmpty();
            assertThat(probeRows(id)).as("rolled back").isZero();
            assertThat(isLockedOnServer(observer, probe)).isFalse();
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

    /** Asking the server whether a lock is still held, and watching for its loss. */
    @Nested
    class LossDetection {
        @Test
        void isHeldOnServerFollowsTheLock() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            assertThat(lock.isHeldOnServer()).isFalse();
            lock.acquire();
            assertThat(lock.isHeldOnServer()).isTrue();
            lock.release();
            assertThat(lock.isHeldOnServer()).isFalse();
        }

        @Test
        void anotherConnectionsHoldIsNotOurs() throws Exception {
            String key = uniqueKey();
            Locks.forConnection(connect(), key).acquire();
            assertThat(Locks.forConnection(connect(), key).isHeldOnServer()).isFalse();
        }

        @Test
        void watchRequiresAHeldLockAndASaneCadence() throws Exception {
            DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
            assertThatThrownBy(() -> lock.watch(Duration.ofMillis(10), l -> { })).isInstanceOf(IllegalStateException.class);
            lock.acquire();
            assertThatThrownBy(() -> lock.watch(Duration.ZERO, l -> { })).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> lock.watch(Duration.ofMillis(10), null)).isInstanceOf(NullPointerException.class);
            lock.release();
        }

        @Test
        void killedSessionFreesTheLockAndTheWatchTells() throws Exception {
            String key = uniqueKey();
            Connection holding = connect();
            DistributedLock holder = Locks.forConnection(holding, key);
            holder.acquire();
            CountDownLatch told = new CountDownLatch(1);
            LockWatch watch = holder.watch(Duration.ofMillis(500), lost -> told.countDown());
            DistributedLock waiter = Locks.forConnection(connect(), key);
            Future<Boolean> waiting = inThread(() -> waiter.tryAcquire(SANITY));
            awaitWaiter(holder);
            killSession(observer, holding);
            assertThat(result(waiting)).as("a waiter gets the freed lock").isTrue();
            assertThat(watch.lost().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(holder);
            assertThat(told.await(SANITY.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(holder::release).isInstanceOf(LockLostException.class);
            assertThat(holder.isLocked()).isFalse();
            waiter.release();
        }
    }
}
