package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockWatch;
import dev.dlock.LockOptions;
import dev.dlock.Locks;
import dev.dlock.tck.PgBouncer;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Through a real PgBouncer in transaction pooling mode, in front of the embedded PostgreSQL: a session lock is
 * stranded on the server session that took it once another client's transaction takes that session; dlock says
 * so, never sends its release to another session (where it could free someone else's lock), and the pooler-safe
 * form ({@link DataSourceLocks#inTransaction}) excludes across many clients.
 */
class PgBouncerTest {
    private static final Duration SANITY = Duration.ofSeconds(30);
    private static PgBouncer bouncer;

    private final List<Connection> connections = new ArrayList<>();

    @BeforeAll
    static void startPgBouncer() throws Exception {
        Optional<String> unavailable = PgBouncer.unavailable();
        if (unavailable.isPresent() && System.getenv(PgBouncer.REQUIRED_VARIABLE) != null) {
            fail(PgBouncer.REQUIRED_VARIABLE + " is set, but " + unavailable.get());
        }
        assumeTrue(unavailable.isEmpty(), () -> unavailable.orElse(""));
        bouncer = PgBouncer.start(PostgresDatabase.instance(), 4);
    }

    @AfterAll
    static void stopPgBouncer() {
        if (bouncer != null) {
            bouncer.close();
        }
    }

    @AfterEach
    void closeEverything() throws SQLException {
        for (Connection connection : connections) {
            connection.close();
        }
    }

    private Connection throughPgBouncer() throws SQLException {
        Connection connection = bouncer.database().connect();
        connections.add(connection);
        return connection;
    }

    private Connection direct() throws SQLException {
        Connection connection = PostgresDatabase.instance().connect();
        connections.add(connection);
        return connection;
    }

    private static int backendPid(Connection connection) throws SQLException {
        return PostgresDialect.backendPid(connection);
    }

    /** @return the backends that hold {@code key} in {@code mode} ({@code ExclusiveLock} or {@code ShareLock}) */
    private static List<Integer> holders(Connection observer, long key, String mode) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT pid FROM pg_locks WHERE locktype ="
                + " 'advisory' AND granted AND mode = ? AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1"
                + " ORDER BY pid")) {
            statement.setString(1, mode);
            statement.setLong(2, key >>> 32);
            statement.setLong(3, key & 0xffffffffL);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        }
    }

    /** Starts a transaction on {@code client} and answers the server session PgBouncer gave it. */
    private static int occupyASession(Connection client) throws SQLException {
        client.setAutoCommit(false);
        return backendPid(client);
    }

    private static void terminate(Connection observer, int pid) throws SQLException {
        try (Statement statement = observer.createStatement()) {
            statement.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
    }

    @Test
    void aSessionLockStrandedByThePoolerIsReportedAsSuchAndItsReleaseGoesNowhereElse() throws Exception {
        Connection observer = direct();
        String key = "pgbouncer-" + System.nanoTime();
        DistributedLock lock = Locks.forConnection(throughPgBouncer(), key).acquire();
        long databaseKey = (Long) lock.databaseKey();
        List<Integer> holders = holders(observer, databaseKey, "ExclusiveLock");
        assertThat(holders).hasSize(1);
        int tookIt = holders.get(0);
        // another client's transaction takes that server session (PgBouncer reuses the last one released)
        Connection other = throughPgBouncer();
        assertThat(occupyASession(other)).as("PgBouncer handed the same server session on").isEqualTo(tookIt);

        assertThatThrownBy(lock::isHeldOnServer).isInstanceOf(LockLostException.class)
                .hasMessageContaining("server session " + tookIt).hasMessageContaining("transaction-pooling proxy")
                .hasMessageContaining("inTransaction");
        assertThat(lock.isLocked()).as("this object can no longer release it").isFalse();
        assertThat(holders(observer, databaseKey, "ExclusiveLock")).as("stranded where it was taken")
                .containsExactly(tookIt);
        other.commit();
        terminate(observer, tookIt);
    }

    @Test
    void theWatchTellsWhenThePoolerHasMovedTheConnectionToAnotherSession() throws Exception {
        Connection observer = direct();
        DistributedLock lock = Locks.forConnection(throughPgBouncer(), "pgbouncer-" + System.nanoTime()).acquire();
        int tookIt = holders(observer, (Long) lock.databaseKey(), "ExclusiveLock").get(0);
        Connection other = throughPgBouncer();
        assertThat(occupyASession(other)).isEqualTo(tookIt);
        LockWatch watch = lock.watch(Duration.ofMillis(500), lost -> { });
        assertThat(watch.lost().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(lock);
        assertThat(lock.isLocked()).isFalse();
        other.commit();
        terminate(observer, tookIt);
    }

    @Test
    void aReleaseThroughThePoolerNeverFreesAnotherClientsLockOnTheSessionItLandsOn() throws Exception {
        Connection observer = direct();
        String key = "pgbouncer-" + System.nanoTime();
        LockOptions shared = LockOptions.builder().mode(LockMode.SHARED).build();
        DistributedLock first = Locks.forConnection(throughPgBouncer(), LockKey.of(key), shared).acquire();
        long databaseKey = (Long) first.databaseKey();
        int firstSession = holders(observer, databaseKey, "ShareLock").get(0);
        Connection blocker = throughPgBouncer();
        assertThat(occupyASession(blocker)).isEqualTo(firstSession);
        // a second client's shared lock lands on another server session
        DistributedLock second = Locks.forConnection(throughPgBouncer(), LockKey.of(key), shared).acquire();
        List<Integer> holders = holders(observer, databaseKey, "ShareLock");
        assertThat(holders).hasSize(2);
        int secondSession = holders.stream().filter(pid -> pid != firstSession).findFirst().orElseThrow();

        // the first client's release reaches the second client's session: an unguarded unlock would free theirs
        assertThatThrownBy(first::release).isInstanceOf(LockLostException.class)
                .hasMessageContaining("stranded on session " + firstSession);
        assertThat(holders(observer, databaseKey, "ShareLock")).as("both stay: nothing was released elsewhere")
                .containsExactlyInAnyOrder(firstSession, secondSession);
        blocker.commit();
        terminate(observer, firstSession);
        terminate(observer, secondSession);
        assertThat(second.options()).isEqualTo(shared);
    }

    /**
     * The pooler-safe form under load: many clients, each in a transaction of its own through PgBouncer, lock one
     * key, read and write a counter; no two ever inside at once, and no update lost.
     */
    @Test
    void inTransactionExcludesAcrossManyClientsThroughThePooler() throws Exception {
        String key = "pgbouncer-" + System.nanoTime();
        try (Statement ddl = direct().createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS dlock_pgbouncer_counter (name TEXT PRIMARY KEY, n BIGINT NOT NULL)");
            ddl.execute("INSERT INTO dlock_pgbouncer_counter VALUES ('" + key + "', 0)");
        }
        HikariConfig config = new HikariConfig();
        config.setDataSource(new TestDataSource(bouncer.database()));
        config.setMaximumPoolSize(8);
        config.setPoolName("dlock-pgbouncer");
        int workers = 8;
        int rounds = 40;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(workers);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            DataSourceLocks locks = Locks.forDataSource(pool);
            List<Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                done.add(threads.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        locks.inTransaction(key, SANITY, connection -> {
                            if (inside.incrementAndGet() != 1) {
                                violations.incrementAndGet();
                            }
                            long n = counter(connection, key);
                            try (PreparedStatement update = connection.prepareStatement(
                                    "UPDATE dlock_pgbouncer_counter SET n = ? WHERE name = ?")) {
                                update.setLong(1, n + 1);
                                update.setString(2, key);
                                update.executeUpdate();
                            }
                            inside.decrementAndGet();
                            return null;
                        });
                    }
                    return rounds;
                }));
            }
            int grants = 0;
            for (Future<Integer> worker : done) {
                grants += worker.get(SANITY.toSeconds() * 4, TimeUnit.SECONDS);
            }
            Connection observer = direct();
            assertThat(violations).as("two clients inside at once").hasValue(0);
            assertThat(counter(observer, key)).as("no update lost").isEqualTo(grants);
            assertThat(holders(observer, (Long) locks.lock(key).databaseKey(), "ExclusiveLock"))
                    .as("nothing left held").isEmpty();
            System.out.println("[dlock-reliability] PgBouncerTest: " + grants + " transactions through PgBouncer"
                    + " (transaction pooling, 4 server sessions) by " + workers + " clients, " + violations.get()
                    + " violations");
        } finally {
            threads.shutdownNow();
        }
    }

    private static long counter(Connection connection, String key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT n FROM dlock_pgbouncer_counter WHERE name = ?")) {
            select.setString(1, key);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
