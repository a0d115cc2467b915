package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.testing.NullPointerTester;
import dev.dlock.AsyncDistributedLock;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Hostile and bad input, on a real database. Every refusal is checked to happen before any statement is made
 * (through a {@link StatementCountingConnection}) and to leave nothing held on the server.
 *
 * <p>What it proves:
 * <ul>
 *   <li>a null for any parameter of the public API ({@link Locks}' static methods, {@link LockKey}'s factories and
 *       records, {@link DistributedLock} and its async and {@link Lock} views, {@link LockOptions.Builder},
 *       {@link DataSourceLocks} and its locks) is a {@link NullPointerException} (guava-testlib's
 *       {@link NullPointerTester}), with no statement sent;</li>
 *   <li>empty keys, keys past the dialect's length limit, negative timeouts and cadences, options the dialect lacks,
 *       a transaction lock in auto-commit, and a transaction scope on a pooled lock are refused with the exception
 *       the API documents, with no statement sent;</li>
 *   <li>injection-shaped keys (quotes, {@code --}, {@code ;}, comments, backslashes, NUL, right-to-left marks,
 *       4-byte UTF-8 at the length limits) and extreme numeric keys lock exactly the database key README's "Keys" section derives
 *       (computed here without dlock's code), held by exactly the right session, and nothing else: their
 *       neighbours stay free and a sentinel table is untouched;</li>
 *   <li>connections in odd states: a lock whose connection the caller closed is lost, not hung; a read-only
 *       connection takes every lock; with auto-commit off dlock neither commits nor rolls back (its locks outlive a
 *       rollback, as the databases define); in a broken transaction (PostgreSQL 25P02) every request fails with the
 *       server's SQLSTATE, holds nothing, and dlock never rolls back for the caller.</li>
 * </ul>
 */
public abstract class HostileInputContract extends DialectFixture {

    /** Keys shaped like SQL, comments, escapes and odd Unicode; a dialect may refuse some (NUL on MySQL). */
    protected static final List<String> HOSTILE_KEYS = List.of(
            "'; DROP TABLE dlock_sentinel; --", "' OR '1'='1", "\"; SELECT pg_sleep(10); --",
            "x'); SELECT SLEEP(10); --", "--", ";", "/*", "*/", "/* comment */ key", "key -- comment", "\\",
            "\\'", "\\\\'; --", "back\\slash\\", "nul\u0000byte", "\u0000", "trailing nul\u0000",
            "rtl\u202Eevil", "\u202E", "\u200F\u200E\u2066", "emoji \uD83D\uDD12", "\uD83D\uDE00\uD83D\uDE01",
            "%", "_", "%_\\%", "?", "$1", ":name", "{fn now()}", "' UNION SELECT 1 --", "a\nb\tc\r",
            "\u00e9t\u00e9 caf\u00e9", "\u65e5\u672c\u8a9e", "null", "NULL", " ", "  leading and trailing  ");

    private StatementCountingConnection counting() throws SQLException {
        return StatementCountingConnection.wrap(connect());
    }

    private ThrowingCallable counted(ThrowingCallable call) {
        tally.badInput();
        return call;
    }

    /** A data source whose connections count their statements; statements() sums them. */
    private final class CountingDataSource implements DataSource {
        private final List<StatementCountingConnection> lent = new ArrayList<>();
        private final TestDataSource real = new TestDataSource(dialect().database());

        int statements() {
            return lent.stream().mapToInt(StatementCountingConnection::statements).sum();
        }

        @Override
        public Connection getConnection() throws SQLException {
            StatementCountingConnection connection = StatementCountingConnection.wrap(closedAfterTest(real.getConnection()));
            lent.add(connection);
            return connection.connection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return real.getConnection(username, password);
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {
            // no logging
        }

        @Override
        public void setLoginTimeout(int seconds) {
            // the test database's own
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws java.sql.SQLFeatureNotSupportedException {
            return real.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return real.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }

    @Test
    void nullForAnyParameterOfThePublicApiIsANullPointerExceptionWithNoStatementSent() throws Exception {
        StatementCountingConnection counting = counting();
        CountingDataSource dataSource = new CountingDataSource();
        String key = uniqueKey();
        NullPointerTester tester = new NullPointerTester()
                .setDefault(Connection.class, counting.connection())
                .setDefault(String.class, key)
                .setDefault(byte[].class, key.getBytes(StandardCharsets.UTF_8))
                .setDefault(LockKey.class, LockKey.of(key))
                .setDefault(LockOptions.class, LockOptions.DEFAULT)
                .setDefault(LockMode.class, LockMode.EXCLUSIVE)
                .setDefault(LockScope.class, LockScope.SESSION)
                .setDefault(Duration.class, Duration.ofMillis(1))
                .setDefault(WatchOptions.class, WatchOptions.every(Duration.ofSeconds(1)))
                .setDefault(DataSource.class, dataSource)
                .setDefault(Executor.class, Runnable::run)
                .setDefault(TimeUnit.class, TimeUnit.MILLISECONDS)
                .setDefault(Consumer.class, lost -> { })
                .setDefault(Callable.class, () -> null)
                .setDefault(Runnable.class, () -> { });
        int calls = 0;
        for (Class<?> type : List.of(Locks.class, LockKey.class, WatchOptions.class)) {
            calls += nullCallsOnStatics(tester, type);
        }
        for (Class<?> type : List.of(LockKey.Text.class, LockKey.Bytes.class)) {
            calls += nullCallsOnConstructors(tester, type);
        }
        DistributedLock lock = Locks.forConnection(counting.connection(), key);
        AsyncDistributedLock async = lock.async();
        Lock juc = lock.asLock();
        LockOptions.Builder builder = LockOptions.builder();
        DataSourceLocks pooled = Locks.forDataSource(dataSource);
        DistributedLock pooledLock = pooled.lock(key);
        WatchOptions watchOptions = WatchOptions.lease(Duration.ofSeconds(10));
        for (Object instance : List.of(lock, async, juc, builder, pooled, pooledLock, pooledLock.asLock(),
                watchOptions)) {
            calls += nullCallsOnInstance(tester, instance);
        }
        assertThat(calls).as("calls made with a null argument").isPositive();
        tally.badInputs(calls);
        tally.print("NullPointerTester made " + calls
                + " calls with a null argument");
        assertThat(counting.statements()).as("statements sent").isZero();
        assertThat(dataSource.statements()).as("statements sent on pooled connections").isZero();
        assertThat(lock.isLocked()).isFalse();
        assertThat(pooledLock.isLocked()).isFalse();
        assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).as("held after the null calls").isFalse();
        assertNoLocksHeldBy(counting.connection());
    }

    /*
     * NullPointerTester's testAll* methods do not say how many calls they made, so these make the same calls one
     * parameter at a time (testMethodParameter, testConstructorParameter) and count them. A primitive parameter
     * cannot be null and is skipped; the API marks no parameter @Nullable, so every other one is a call.
     */

    private static int nullCallsOnStatics(NullPointerTester tester, Class<?> type) {
        int calls = 0;
        for (Method method : type.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers()) && Modifier.isStatic(method.getModifiers())
                    && !method.isSynthetic()) {
                calls += nullCallsOn(method.getParameterTypes(), i -> tester.testMethodParameter(null, method, i));
            }
        }
        return calls;
    }

    private static int nullCallsOnConstructors(NullPointerTester tester, Class<?> type) {
        int calls = 0;
        for (Constructor<?> constructor : type.getConstructors()) {
            calls += nullCallsOn(constructor.getParameterTypes(), i -> tester.testConstructorParameter(constructor, i));
        }
        return calls;
    }

    private static int nullCallsOnInstance(NullPointerTester tester, Object instance) {
        int calls = 0;
        for (Method method : instance.getClass().getMethods()) {
            if (!Modifier.isStatic(method.getModifiers()) && !method.isSynthetic()
                    && method.getDeclaringClass() != Object.class && !method.getName().equals("equals")) {
                calls += nullCallsOn(method.getParameterTypes(), i -> tester.testMethodParameter(instance, method, i));
            }
        }
        return calls;
    }

    private static int nullCallsOn(Class<?>[] parameters, IntConsumer callWithNullAt) {
        int calls = 0;
        for (int i = 0; i < parameters.length; i++) {
            if (!parameters[i].isPrimitive()) {
                callWithNullAt.accept(i);
                calls++;
            }
        }
        return calls;
    }

    private void assertNoLocksHeldBy(Connection connection) throws SQLException {
        OptionalInt held = dialect().locksHeldBy(observer, dialect().sessionId(connection));
        if (held.isPresent()) {
            assertThat(held.getAsInt()).as("locks held by the session").isZero();
        }
    }

    @Test
    void emptyOversizedNegativeAndUnsupportedArgumentsAreRefusedBeforeAnySql() throws Exception {
        StatementCountingConnection counting = counting();
        Connection connection = counting.connection();
        CountingDataSource dataSource = new CountingDataSource();
        DataSourceLocks pooled = Locks.forDataSource(dataSource);
        String key = uniqueKey();
        DistributedLock lock = Locks.forConnection(connection, key);
        DistributedLock pooledLock = pooled.lock(key);
        AtomicInteger ran = new AtomicInteger();

        assertThatThrownBy(counted(() -> Locks.forConnection(connection, ""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(counted(() -> Locks.forConnection(connection, LockKey.of(new byte[0])))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(counted(() -> LockKey.of(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(counted(() -> pooled.lock(""))).isInstanceOf(IllegalArgumentException.class);
        for (String tooLong : dialect().keysPastTheLengthLimit()) {
            assertThatThrownBy(counted(() -> Locks.forConnection(connection, tooLong)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(counted(() -> pooled.lock(tooLong))).isInstanceOf(IllegalArgumentException.class);
        }
        for (Duration negative : List.of(Duration.ofNanos(-1), Duration.ofMillis(-1), Duration.ofSeconds(-1),
                Duration.ofSeconds(Long.MIN_VALUE))) {
            assertThatThrownBy(counted(() -> lock.acquire(negative))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("negative");
            assertThatThrownBy(counted(() -> lock.tryAcquire(negative))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(counted(() -> lock.async().acquire(negative))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(counted(() -> lock.async().tryAcquire(negative))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(counted(() -> pooledLock.acquire(negative))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(counted(() -> pooledLock.tryAcquire(negative))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(counted(() -> pooled.withLock(key, negative, ran::incrementAndGet)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (LockMode mode : LockMode.values()) {
            for (LockScope scope : LockScope.values()) {
                LockOptions options = LockOptions.builder().mode(mode).scope(scope).build();
                if (!dialect().supportedModes().contains(mode) || !dialect().supportedScopes().contains(scope)) {
                    assertThatThrownBy(counted(() -> Locks.forConnection(connection, key, options)))
                            .isInstanceOf(UnsupportedLockOptionException.class);
                }
                if (scope == LockScope.TRANSACTION) {
                    assertThatThrownBy(counted(() -> pooled.lock(key, options))).isInstanceOf(IllegalArgumentException.class);
                } else if (!dialect().supportedModes().contains(mode)) {
                    assertThatThrownBy(counted(() -> pooled.lock(key, options)))
                            .isInstanceOf(UnsupportedLockOptionException.class);
                }
            }
        }
        if (!dialect().supportedModes().contains(LockMode.SHARED)) {
            assertThatThrownBy(counted(() -> Locks.readWriteLock(connection, key)))
                    .isInstanceOf(UnsupportedLockOptionException.class);
        }
        if (dialect().supportedScopes().contains(LockScope.TRANSACTION)) {
            // made with auto-commit off, asked for after it was switched on: refused at the acquire
            connection.setAutoCommit(false);
            DistributedLock transactional = Locks.forConnection(connection, uniqueKey(),
                    LockOptions.builder().scope(LockScope.TRANSACTION).build());
            connection.setAutoCommit(true);
            assertThatThrownBy(counted(transactional::acquire)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
            assertThatThrownBy(counted(() -> transactional.tryAcquire(Duration.ZERO))).isInstanceOf(IllegalStateException.class);
        }
        assertThat(ran).as("actions run").hasValue(0);
        assertThat(counting.statements()).as("statements sent").isZero();
        assertThat(dataSource.statements()).as("statements sent on pooled connections").isZero();
        assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).isFalse();
        assertNoLocksHeldBy(connection);

        // a watch needs a held lock: its bad cadences are refused without touching the lock
        DistributedLock held = Locks.forConnection(connect(), uniqueKey());
        held.acquire();
        for (Duration cadence : List.of(Duration.ZERO, Duration.ofNanos(999_999), Duration.ofMillis(-5))) {
            assertThatThrownBy(counted(() -> held.watch(cadence, lost -> { }))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(held.isHeldOnServer()).isTrue();
        held.release();
    }

    @Test
    void extremeButValidTimeoutsAndNumericKeysWork() throws Exception {
        Connection connection = connect();
        long session = dialect().sessionId(connection);
        for (long number : new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}) {
            Optional<Object> expected = dialect().expectedDatabaseKey(number);
            if (expected.isEmpty()) {
                StatementCountingConnection counting = StatementCountingConnection.wrap(connection);
                assertThatThrownBy(counted(() -> Locks.forConnection(counting.connection(), LockKey.of(number))))
                        .as("numeric key " + number).isInstanceOf(IllegalArgumentException.class);
                assertThat(counting.statements()).isZero();
                continue;
            }
            DistributedLock lock = Locks.forConnection(connection, LockKey.of(number));
            assertThat(lock.databaseKey()).as("database key of " + number).isEqualTo(expected.get());
            tally.badInput();
            assertThat(lock.tryAcquire(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))).isTrue();
            assertThat(dialect().isHeldBy(observer, lock.databaseKey(), session)).isTrue();
            DistributedLock other = Locks.forConnection(connect(), LockKey.of(number));
            assertThatThrownBy(counted(() -> other.acquire(Duration.ofNanos(1)))).isInstanceOf(LockTimeoutException.class);
            lock.release();
            assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).isFalse();
        }
    }

    @Test
    void injectionShapedKeysLockExactlyTheirDerivedKeyAndNothingElse() throws Exception {
        createProbeTable("dlock_sentinel");
        execute(observer, "DELETE FROM dlock_sentinel");
        for (int id = 1; id <= 3; id++) {
            insertProbe(observer, "dlock_sentinel", id);
        }
        Connection holding = connect();
        long holdingSession = dialect().sessionId(holding);
        Connection other = connect();
        List<String> keys = new ArrayList<>(HOSTILE_KEYS);
        keys.addAll(dialect().keysAtTheLengthLimit());
        int locked = 0;
        int refused = 0;
        for (String text : keys) {
            tally.badInput();
            String shown = text.replace("\u0000", "\\0");
            Optional<Object> expected = dialect().expectedDatabaseKey(text);
            if (expected.isEmpty()) {
                StatementCountingConnection counting = StatementCountingConnection.wrap(holding);
                assertThatThrownBy(() -> Locks.forConnection(counting.connection(), text)).as(shown)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThat(counting.statements()).isZero();
                refused++;
                continue;
            }
            DistributedLock lock = Locks.forConnection(holding, text);
            assertThat(lock.databaseKey()).as("database key of " + shown).isEqualTo(expected.get());
            lock.acquire();
            assertThat(dialect().isHeldBy(observer, expected.get(), holdingSession)).as(shown + " held by its session").isTrue();
            OptionalInt held = dialect().locksHeldBy(observer, holdingSession);
            if (held.isPresent()) {
                assertThat(held.getAsInt()).as(shown + ": the session holds exactly one lock").isEqualTo(1);
            }
            assertThat(Locks.forConnection(other, text).tryAcquire()).as(shown + " from another session").isFalse();
            for (String neighbour : List.of(text + "x", "x" + text, text.substring(0, text.length() - 1))) {
                if (neighbour.isEmpty() || dialect().expectedDatabaseKey(neighbour).isEmpty()) {
                    continue;
                }
                DistributedLock near = Locks.forConnection(other, neighbour);
                assertThat(near.tryAcquire()).as("neighbour of " + shown + " is another lock").isTrue();
                near.release();
            }
            lock.release();
            assertThat(dialect().isLockedOnServer(observer, expected.get())).as(shown + " after release").isFalse();
            locked++;
        }
        assertThat(queryLong(observer, "SELECT COUNT(*) FROM dlock_sentinel")).as("the sentinel rows").isEqualTo(3);
        tally.print(keys.size()
                + " hostile keys: " + locked + " locked exactly their derived key, " + refused + " refused");
        assertNoLocksHeldBy(holding);
        assertNoLocksHeldBy(other);
    }

    @Test
    void nullArgumentsNameTheParameter() throws Exception {
        StatementCountingConnection counting = counting();
        Connection connection = counting.connection();
        assertThatThrownBy(counted(() -> Locks.forConnection(null, "k"))).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("connection");
        assertThatThrownBy(counted(() -> Locks.forConnection(connection, (String) null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(counted(() -> Locks.forConnection(connection, (LockKey) null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(counted(() -> Locks.forConnection(connection, "k", null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("options");
        assertThat(counting.statements()).isZero();
    }

    @Test
    void connectionClosedBeforeTheRequestIsIllegalState() throws Exception {
        Connection connection = connect();
        DistributedLock made = Locks.forConnection(connection, uniqueKey());
        connection.close();
        assertThatThrownBy(counted(() -> Locks.forConnection(connection, uniqueKey())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(counted(made::acquire)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(counted(made::tryAcquire)).isInstanceOf(IllegalStateException.class);
        assertThat(dialect().isLockedOnServer(observer, made.databaseKey())).isFalse();
    }

    @Test
    void lockWhoseConnectionTheCallerClosedIsLostNotHung() throws Exception {
        Connection connection = connect();
        DistributedLock released = Locks.forConnection(connection, uniqueKey());
        DistributedLock closed = Locks.forConnection(connection, uniqueKey());
        released.acquire();
        closed.acquire();
        connection.close();
        assertThatThrownBy(counted(released::release)).isInstanceOf(LockLostException.class)
                .hasMessageContaining("connection");
        tally.badInput();
        closed.close(); // quiet: the server ended the lock with the session
        assertThat(released.isLocked()).isFalse();
        assertThat(closed.isLocked()).isFalse();
        tally.badInput();
        assertThat(released.isHeldOnServer()).isFalse();
        tally.badInput();
        CompletableFuture<AsyncDistributedLock> async = released.async().acquire();
        assertThatThrownBy(() -> async.get(SANITY.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(dialect().isLockedOnServer(observer, released.databaseKey())).isFalse();
        assertThat(dialect().isLockedOnServer(observer, closed.databaseKey())).isFalse();
    }

    @Test
    void readOnlyConnectionTakesEveryLockItsDialectHas() throws Exception {
        for (boolean autoCommit : new boolean[] {true, false}) {
            Connection connection = connect();
            connection.setReadOnly(true);
            connection.setAutoCommit(autoCommit);
            long session = dialect().sessionId(connection);
            for (LockMode mode : dialect().supportedModes()) {
                for (LockScope scope : dialect().supportedScopes()) {
                    if (scope == LockScope.TRANSACTION && autoCommit) {
                        continue;
                    }
                    String what = mode + "/" + scope + (autoCommit ? " in auto-commit" : " in a transaction")
                            + " on a read-only connection";
                    DistributedLock lock = Locks.forConnection(connection, uniqueKey(),
                            LockOptions.builder().mode(mode).scope(scope).build());
                    assertThat(lock.tryAcquire(Duration.ofSeconds(5))).as(what).isTrue();
                    assertThat(dialect().isHeldBy(observer, lock.databaseKey(), session)).as(what).isTrue();
                    assertThat(Locks.forConnection(connect(), lock.key(), LockOptions.DEFAULT).tryAcquire())
                            .as(what + " excludes an exclusive request").isFalse();
                    if (scope == LockScope.TRANSACTION) {
                        connection.commit();
                        lock.close();
                    } else {
                        lock.release();
                    }
                    assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).as(what + " released").isFalse();
                }
            }
            if (!autoCommit) {
                connection.rollback();
            }
        }
    }

    @Test
    void withAutoCommitOffDlockNeitherCommitsNorRollsBack() throws Exception {
        createProbeTable("dlock_input_probe");
        int id = (int) (System.nanoTime() & 0x3fffffff);
        String busyKey = uniqueKey();
        DistributedLock busy = Locks.forConnection(connect(), busyKey);
        busy.acquire();
        TransactionWatchingConnection watched = TransactionWatchingConnection.wrap(connect());
        Connection caller = watched.connection();
        long session = dialect().sessionId(caller);
        caller.setAutoCommit(false);
        execute(caller, "INSERT INTO dlock_input_probe (id) VALUES (" + id + ")");
        DistributedLock lock = Locks.forConnection(caller, uniqueKey());
        lock.acquire();
        assertThat(Locks.forConnection(caller, busyKey).tryAcquire(Duration.ofMillis(20))).isFalse();
        assertThat(Locks.forConnection(caller, busyKey).tryAcquire()).isFalse();
        String rowCount = "SELECT COUNT(*) FROM dlock_input_probe WHERE id = " + id;
        assertThat(queryLong(observer, rowCount)).as("no hidden commit").isZero();
        assertThat(queryLong(caller, rowCount)).as("no hidden rollback").isEqualTo(1);
        caller.rollback();
        assertThat(queryLong(caller, rowCount)).isZero();
        assertThat(lock.isLocked()).isTrue();
        assertThat(dialect().isHeldBy(observer, lock.databaseKey(), session))
                .as("a session lock outlives the rollback of the transaction it was taken in").isTrue();
        lock.release();
        caller.commit();
        assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).isFalse();
        assertThat(watched.transactionCalls()).as("only the caller's own transaction calls")
                .containsExactly("setAutoCommit", "rollback", "commit");
        busy.release();
    }

    @Test
    void insideABrokenTransactionEveryRequestFailsClearlyAndDlockNeverRollsBack() throws Exception {
        Connection physical = connect();
        long session = dialect().sessionId(physical);
        TransactionWatchingConnection watched = TransactionWatchingConnection.wrap(physical);
        Connection caller = watched.connection();
        caller.setAutoCommit(false);
        DistributedLock heldBefore = Locks.forConnection(caller, uniqueKey());
        heldBefore.acquire();
        Optional<String> sqlState = dialect().breakTransaction(caller);
        assumeTrue(sqlState.isPresent(), "the database has no failed-transaction state");
        List<ThrowingCallable> requests = new ArrayList<>();
        List<DistributedLock> attempted = new ArrayList<>();
        for (LockMode mode : dialect().supportedModes()) {
            for (LockScope scope : dialect().supportedScopes()) {
                LockOptions options = LockOptions.builder().mode(mode).scope(scope).build();
                DistributedLock lock = Locks.forConnection(caller, uniqueKey(), options);
                attempted.add(lock);
                requests.add(lock::acquire);
                requests.add(() -> lock.acquire(Duration.ofSeconds(1)));
                requests.add(lock::tryAcquire);
                requests.add(() -> lock.tryAcquire(Duration.ofMillis(10)));
            }
        }
        for (ThrowingCallable request : requests) {
            assertThatThrownBy(counted(request)).isInstanceOf(DistributedLockException.class)
                    .cause().isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo(sqlState.get()));
        }
        assertThatThrownBy(counted(heldBefore::release)).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("stays marked held");
        assertThat(heldBefore.isLocked()).isTrue();
        for (DistributedLock lock : attempted) {
            assertThat(lock.isLocked()).isFalse();
            assertThat(dialect().isLockedOnServer(observer, lock.databaseKey())).as(lock + " after the failures").isFalse();
        }
        assertThat(watched.transactionCalls()).as("dlock rolled nothing back").containsExactly("setAutoCommit");
        assertThatThrownBy(() -> execute(caller, dialect().selectOne())).as("the transaction is still the caller's, still failed")
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(sqlState.get()));
        caller.rollback();
        heldBefore.release();
        assertThat(dialect().locksHeldBy(observer, session).orElse(0)).isZero();
    }
}
