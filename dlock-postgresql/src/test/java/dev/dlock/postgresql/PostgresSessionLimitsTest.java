package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.ServerCondition;
import dev.dlock.tck.StatementCountingConnection;
import dev.dlock.tck.stub.ScriptedConnection;
import java.sql.Connection;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The settings of production sessions never cut a wait short: a role's {@code statement_timeout}, the driver's
 * network timeout ({@code socketTimeout}); and servers that cannot lock for others are refused, once per
 * connection.
 */
class PostgresSessionLimitsTest {
    private static final Duration SANITY = Duration.ofSeconds(30);

    private final List<Connection> connections = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void closeEverything() throws SQLException {
        threads.shutdownNow();
        for (Connection connection : connections) {
            connection.close();
        }
    }

    private Connection connect() throws SQLException {
        Connection connection = PostgresDatabase.instance().connect();
        connections.add(connection);
        return connection;
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** How long the backend of {@code pid} has been waiting in its current statement, by the server's clock. */
    private static ServerCondition waitingLongerThan(Connection observer, int pid, Duration duration) {
        return () -> {
            try (Statement statement = observer.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT wait_event_type = 'Lock' AND now() - query_start > "
                         + "interval '" + duration.toMillis() + " milliseconds' FROM pg_stat_activity WHERE pid = "
                         + pid)) {
                return rs.next() && rs.getBoolean(1);
            }
        };
    }

    @Test
    void aSessionStatementTimeoutDoesNotCutATimedWaitAndIsLeftAsItWas() throws Exception {
        String key = "limits-" + System.nanoTime();
        Locks.forConnection(connect(), key).acquire();
        Connection waiting = connect();
        execute(waiting, "SET statement_timeout = '300ms'");
        DistributedLock waiter = Locks.forConnection(waiting, key);
        long start = System.nanoTime();
        assertThat(waiter.tryAcquire(Duration.ofMillis(900))).as("timed out, not cancelled at 300 ms").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(show(waiting, "statement_timeout")).isEqualTo("300ms");
        assertThat(show(waiting, "lock_timeout")).isEqualTo("0");

        waiting.setAutoCommit(false);
        execute(waiting, "SET LOCAL lock_timeout = '7s'");
        assertThat(waiter.tryAcquire(Duration.ofMillis(900))).as("inside a transaction too").isFalse();
        assertThat(show(waiting, "statement_timeout")).isEqualTo("300ms");
        assertThat(show(waiting, "lock_timeout")).isEqualTo("7s");
        waiting.commit();
        assertThat(show(waiting, "lock_timeout")).isEqualTo("0");
    }

    @Test
    void acquireWaitsPastTheSessionStatementTimeoutUntilReleased() throws Exception {
        String key = "limits-" + System.nanoTime();
        DistributedLock holder = Locks.forConnection(connect(), key).acquire();
        Connection waiting = connect();
        execute(waiting, "SET statement_timeout = '200ms'");
        waiting.setAutoCommit(false);
        int pid = PostgresDialect.backendPid(waiting);
        DistributedLock waiter = Locks.forConnection(waiting, key);
        CompletableFuture<DistributedLock> acquired = CompletableFuture.supplyAsync(waiter::acquire, threads);
        waitingLongerThan(connect(), pid, Duration.ofMillis(500)).await("the waiter past its statement_timeout", SANITY);
        assertThat(acquired).isNotDone();
        holder.release();
        assertThat(acquired.get(SANITY.toSeconds(), TimeUnit.SECONDS).isLocked()).isTrue();
        assertThat(show(waiting, "statement_timeout")).as("put back inside the transaction").isEqualTo("200ms");
        waiting.commit();
        waiter.release();
    }

    /**
     * A read that outlasts the driver's network timeout breaks the connection: each of dlock's requests stays
     * below it, so {@code acquire()} waits as long as it takes on a connection with a short one.
     */
    @Test
    void acquireWaitsPastTheDriversNetworkTimeoutWithoutBreakingTheConnection() throws Exception {
        String key = "limits-" + System.nanoTime();
        DistributedLock holder = Locks.forConnection(connect(), key).acquire();
        Connection waiting = connect();
        Duration networkTimeout = Duration.ofMillis(800);
        waiting.setNetworkTimeout(threads, (int) networkTimeout.toMillis());
        DistributedLock waiter = Locks.forConnection(waiting, key);
        CompletableFuture<DistributedLock> acquired = CompletableFuture.supplyAsync(waiter::acquire, threads);
        long start = System.nanoTime();
        Connection observer = connect();
        int pid = PostgresDialect.backendPid(waiting);
        // the scenario is a wait of twice the network timeout; the database says whether it still waits
        while (System.nanoTime() - start < networkTimeout.multipliedBy(2).toNanos()) {
            assertThat(acquired).as("still waiting, not failed").isNotDone();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        waitingLongerThan(observer, pid, Duration.ZERO).await("the waiter still waiting", SANITY);
        holder.release();
        assertThat(acquired.get(SANITY.toSeconds(), TimeUnit.SECONDS).isLocked()).isTrue();
        assertThat(waiting.isValid(5)).isTrue();
        waiter.release();
    }

    @Test
    void theServerIsAskedOncePerConnectionWhetherItCanLock() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        DistributedLock first = Locks.forConnection(counting.connection(), "limits-" + System.nanoTime());
        assertThat(first.tryAcquire()).isTrue();
        first.release();
        int firstLock = counting.statements();
        DistributedLock second = Locks.forConnection(counting.connection(), "limits-" + System.nanoTime());
        assertThat(second.tryAcquire()).isTrue();
        second.release();
        assertThat(counting.statements() - firstLock).as("the try and the release, nothing more").isEqualTo(2);
        assertThat(firstLock).as("the question, the try and the release").isEqualTo(3);
    }

    @Test
    void aHotStandbyIsRefusedAtTheFirstRequest() {
        ScriptedConnection standby = ScriptedConnection.of("PostgreSQL", "17.11");
        standby.expectPrepare("SELECT pg_is_in_recovery(), version()").executeQuery()
                .returnsRows(new Object[] {true, "PostgreSQL 17.11 on x86_64-pc-linux-gnu"});
        DistributedLock lock = Locks.forConnection(standby.connection(), "k");
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(DialectNotFoundException.class)
                .hasMessageContaining("hot standby").hasMessageContaining("pg_is_in_recovery()");
        assertThatThrownBy(lock::acquire).as("remembered: no second question").isInstanceOf(DialectNotFoundException.class);
        standby.verify();
    }

    @Test
    void cockroachDbIsRefusedBecauseItsAdvisoryLocksLockNothing() {
        ScriptedConnection cockroach = ScriptedConnection.of("PostgreSQL", "13.0.0");
        cockroach.expectPrepare("SELECT pg_is_in_recovery(), version()").executeQuery()
                .returnsRows(new Object[] {false, "CockroachDB CCL v24.1.0 (x86_64-pc-linux-gnu, built 2024/05/15)"});
        assertThatThrownBy(() -> Locks.forConnection(cockroach.connection(), "k").tryAcquire())
                .isInstanceOf(DialectNotFoundException.class).hasMessageContaining("CockroachDB")
                .hasMessageContaining("lock nothing");
        cockroach.verify();
    }
}
