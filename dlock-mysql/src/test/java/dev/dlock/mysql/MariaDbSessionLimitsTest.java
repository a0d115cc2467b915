package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.ServerCondition;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MariaDB's session limits never cut a wait short ({@code max_statement_time}, the driver's network timeout), and
 * a read-only server is refused; through both drivers.
 */
class MariaDbSessionLimitsTest {
    private static final Duration SANITY = Duration.ofSeconds(30);

    private final List<Connection> connections = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    static Stream<TestDatabase> drivers() {
        return Stream.of(MariaDbDatabase.instance().throughMariaDbDriver(), MariaDbDatabase.instance().throughConnectorJ());
    }

    @AfterEach
    void closeEverything() throws SQLException {
        threads.shutdownNow();
        for (Connection connection : connections) {
            connection.close();
        }
    }

    private Connection connect(TestDatabase database) throws SQLException {
        Connection connection = database.connect();
        connections.add(connection);
        return connection;
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long connectionId(Connection connection) throws SQLException {
        return Long.parseLong(query(connection, "SELECT CONNECTION_ID()"));
    }

    /** The session waits on a user lock, and has for longer than {@code duration} by the server's clock. */
    private static ServerCondition waitingLongerThan(Connection observer, long id, Duration duration) {
        return () -> {
            try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM"
                    + " information_schema.PROCESSLIST WHERE ID = ? AND STATE = 'User lock' AND TIME_MS > ?")) {
                statement.setLong(1, id);
                statement.setLong(2, duration.toMillis());
                try (ResultSet rs = statement.executeQuery()) {
                    return rs.next() && rs.getInt(1) == 1;
                }
            }
        };
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void maxStatementTimeDoesNotCutATimedWaitAndIsLeftAsItWas(TestDatabase database) throws Exception {
        String key = "limits-" + System.nanoTime();
        Locks.forConnection(connect(database), key).acquire();
        Connection waiting = connect(database);
        try (Statement statement = waiting.createStatement()) {
            statement.execute("SET SESSION max_statement_time = 0.3");
        }
        long start = System.nanoTime();
        assertThat(Locks.forConnection(waiting, key).tryAcquire(Duration.ofMillis(900)))
                .as("timed out, not ended at 300 ms").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(Double.parseDouble(query(waiting, "SELECT @@max_statement_time"))).isEqualTo(0.3);
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void acquireWaitsPastMaxStatementTimeUntilReleased(TestDatabase database) throws Exception {
        String key = "limits-" + System.nanoTime();
        DistributedLock holder = Locks.forConnection(connect(database), key).acquire();
        Connection waiting = connect(database);
        try (Statement statement = waiting.createStatement()) {
            statement.execute("SET SESSION max_statement_time = 0.2");
        }
        long id = connectionId(waiting);
        DistributedLock waiter = Locks.forConnection(waiting, key);
        CompletableFuture<DistributedLock> acquired = CompletableFuture.supplyAsync(waiter::acquire, threads);
        waitingLongerThan(connect(database), id, Duration.ofMillis(500)).await("the waiter past max_statement_time",
                SANITY);
        assertThat(acquired).isNotDone();
        holder.release();
        assertThat(acquired.get(SANITY.toSeconds(), TimeUnit.SECONDS).isLocked()).isTrue();
        waiter.release();
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void acquireWaitsPastTheDriversNetworkTimeoutWithoutBreakingTheConnection(TestDatabase database)
            throws Exception {
        String key = "limits-" + System.nanoTime();
        DistributedLock holder = Locks.forConnection(connect(database), key).acquire();
        Connection waiting = connect(database);
        Duration networkTimeout = Duration.ofMillis(800);
        waiting.setNetworkTimeout(threads, (int) networkTimeout.toMillis());
        long id = connectionId(waiting);
        DistributedLock waiter = Locks.forConnection(waiting, key);
        CompletableFuture<DistributedLock> acquired = CompletableFuture.supplyAsync(waiter::acquire, threads);
        long start = System.nanoTime();
        // the scenario is a wait of twice the network timeout; the database says whether it still waits
        while (System.nanoTime() - start < networkTimeout.multipliedBy(2).toNanos()) {
            assertThat(acquired).as("still waiting, not failed").isNotDone();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        waitingLongerThan(connect(database), id, Duration.ZERO).await("the waiter still waiting", SANITY);
        holder.release();
        assertThat(acquired.get(SANITY.toSeconds(), TimeUnit.SECONDS).isLocked()).isTrue();
        assertThat(waiting.isValid(5)).isTrue();
        waiter.release();
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void aReadOnlyServerIsRefusedAtTheFirstRequestOnAConnection(TestDatabase database) throws Exception {
        Connection admin = connect(database);
        try (Statement statement = admin.createStatement()) {
            statement.execute("SET GLOBAL read_only = 1");
            try {
                DistributedLock lock = Locks.forConnection(connect(database), "limits-" + System.nanoTime());
                assertThatThrownBy(lock::tryAcquire).isInstanceOf(DialectNotFoundException.class)
                        .hasMessageContaining("read-only").hasMessageContaining("replica");
            } finally {
                statement.execute("SET GLOBAL read_only = 0");
            }
        }
        assertThat(Locks.forConnection(connect(database), "limits-" + System.nanoTime()).tryAcquire()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void aLeaseIsRefusedAndChangesNothing(TestDatabase database) throws Exception {
        Connection connection = connect(database);
        long waitTimeout = queryWaitTimeout(connection);
        DistributedLock lock = Locks.forConnection(connection, "limits-" + System.nanoTime()).acquire();
        assertThatThrownBy(() -> lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }))
                .isInstanceOf(UnsupportedLockOptionException.class).hasMessageContaining("wait_timeout")
                .hasMessageContaining("tcp_keepalive_time");
        assertThat(queryWaitTimeout(connection)).isEqualTo(waitTimeout);
        assertThat(lock.isHeldOnServer()).isTrue();
        lock.release();
    }

    private static long queryWaitTimeout(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT @@SESSION.wait_timeout")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
