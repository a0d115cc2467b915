package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.AsyncDistributedLock;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.WatchOptions;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The examples of README.md, word for word inside each test, run against the embedded PostgreSQL, so that
 * the front door stays compiling and true. When you change one, change the other.
 */
class ReadmeExamplesTest {
    private HikariDataSource dataSource;
    private final AtomicInteger work = new AtomicInteger();

    @BeforeEach
    void pool() {
        HikariConfig config = new HikariConfig();
        config.setDataSource(new TestDataSource(PostgresDatabase.instance()));
        config.setMaximumPoolSize(4);
        dataSource = new HikariDataSource(config);
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    private void runBilling() {
        work.incrementAndGet();
    }

    private void export(String id) {
        work.incrementAndGet();
    }

    private void syncData() {
        work.incrementAndGet();
    }

    @Test
    void quickStart() throws SQLException {
        DataSource dataSource = this.dataSource;
        // README: quick start
        try (Connection conn = dataSource.getConnection();
             DistributedLock lock = Locks.forConnection(conn, "my-resource-key").acquire()) {  // waits until held
            runBilling();
        }                                        // released here, before the connection goes back to the pool
        assertThat(work).hasValue(1);
        try (Connection observer = dataSource.getConnection()) {
            assertThat(PostgresServerView.sessions(observer, -8735762693110921056L, true)).isZero();
        }
    }

    @Test
    void timeoutAndTry() throws SQLException {
        String id = "7f3c";
        try (Connection conn = dataSource.getConnection()) {
            // README: timeouts and one attempt
            try (DistributedLock lock = Locks.forConnection(conn, "billing:user:42")
                                             .acquire(Duration.ofSeconds(5))) {   // LockTimeoutException
                runBilling();
            }                                    // released here

            DistributedLock lock = Locks.forConnection(conn, "export:" + id);
            if (!lock.tryAcquire()) {
                throw new IllegalStateException("export already in progress");
            }
            try {
                export(id);
            } finally {
                lock.release();
            }
        }
        assertThat(work).hasValue(2);
    }

    @Test
    void options() throws SQLException {
        try (Connection conn = dataSource.getConnection()) {
            conn.setAutoCommit(false);
            // README: options
            DistributedLock report = Locks.forConnection(conn, "report", LockOptions.builder()
                    .mode(LockMode.SHARED).scope(LockScope.TRANSACTION).build());
            report.acquire();
            conn.commit();                       // a transaction lock ends here
            report.close();

            try (Connection observer = dataSource.getConnection()) {
                assertThat(report.isLocked()).isFalse();
                assertThat(PostgresServerView.sessions(observer, (Long) report.databaseKey(), true)).isZero();
                conn.setAutoCommit(true);
            }
        }
    }

    @Test
    void optionsHoldTheSharedTransactionLockUntilTheCommit() throws SQLException {
        try (Connection conn = dataSource.getConnection(); Connection other = dataSource.getConnection()) {
            conn.setAutoCommit(false);
            DistributedLock report = Locks.forConnection(conn, "report", LockOptions.builder()
                    .mode(LockMode.SHARED).scope(LockScope.TRANSACTION).build());
            report.acquire();
            assertThat(report.isHeldOnServer()).isTrue();
            assertThat(Locks.forConnection(other, "report").tryAcquire()).as("shared excludes exclusive").isFalse();
            conn.commit();
            assertThat(report.isHeldOnServer()).as("ended with the transaction").isFalse();
            report.close();
            conn.setAutoCommit(true);
        }
    }

    private int transfer(int from, int to, int amount) {
        return work.addAndGet(amount);
    }

    @Test
    void severalKeys() throws Exception {
        DataSourceLocks locks = Locks.forDataSource(dataSource);
        try (Connection conn = dataSource.getConnection()) {
            // README: every key or none
            try (DistributedLock both = Locks.forConnection(conn, List.of("account:42", "account:7"))
                                             .acquire(Duration.ofSeconds(5))) {
                transfer(42, 7, 10);
                assertThat(both.keys()).hasSize(2);
                assertThat(locks.lock("account:7").tryAcquire()).as("held by the example").isFalse();
                assertThat(locks.lock("account:42").tryAcquire()).as("held by the example").isFalse();
            }                                    // both released, in reverse order

            int moved = locks.withLock(List.of("account:42", "account:7"), Duration.ofSeconds(5), () -> transfer(42, 7, 10));
            assertThat(moved).isEqualTo(20);
            assertThat(work).hasValue(20);
        }
    }

    @Test
    void pooledLocks() throws Exception {
        // README: locks that own their connection
        DataSourceLocks locks = Locks.forDataSource(dataSource);

        boolean ran = locks.runIfFree("scheduled-job:data-sync", this::syncData);

        int total = locks.withLock("billing:user:42", Duration.ofSeconds(5), () -> {
            runBilling();
            return 42;
        });
        assertThat(ran).isTrue();
        assertThat(total).isEqualTo(42);
    }

    @Test
    void inTransaction() throws Exception {
        try (Connection ddl = dataSource.getConnection(); Statement statement = ddl.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS account (id INT PRIMARY KEY, balance BIGINT)");
            statement.execute("INSERT INTO account VALUES (42, 100) ON CONFLICT (id) DO UPDATE SET balance = 100");
        }
        DataSourceLocks locks = Locks.forDataSource(dataSource);
        // README: the lock and the writes in one transaction
        long balance = locks.inTransaction("account:42", Duration.ofSeconds(5), connection -> {
            try (PreparedStatement debit = connection.prepareStatement(
                    "UPDATE account SET balance = balance - 10 WHERE id = 42 RETURNING balance")) {
                try (ResultSet rs = debit.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });                                  // committed, and the lock ended with the transaction
        assertThat(balance).isEqualTo(90);
        try (Connection observer = dataSource.getConnection()) {
            assertThat(PostgresServerView.sessions(observer,
                    (Long) Locks.forConnection(observer, "account:42").databaseKey(), true)).isZero();
        }
    }

    @Test
    void asyncAndJavaUtilConcurrent() throws Exception {
        try (Connection conn = dataSource.getConnection(); Connection other = dataSource.getConnection()) {
            // README: async
            AsyncDistributedLock lock = Locks.forConnection(conn, "export:7f3c").async();
            lock.acquire(Duration.ofSeconds(5))
                .thenRun(() -> export("7f3c"))
                .whenComplete((ignored, error) -> lock.release())
                .get(30, TimeUnit.SECONDS);

            // README: java.util.concurrent
            Lock juc = Locks.forConnection(other, "report").asLock();
            if (juc.tryLock(200, TimeUnit.MILLISECONDS)) {
                try {
                    runBilling();
                } finally {
                    juc.unlock();
                }
            }
        }
        assertThat(work).hasValue(2);
    }

    @Test
    void lossDetection() throws SQLException {
        try (Connection conn = dataSource.getConnection(); Connection other = dataSource.getConnection()) {
            // README: lock-loss detection
            DistributedLock lock = Locks.forConnection(conn, "leader");
            lock.acquire();
            try (LockWatch watch = lock.watch(Duration.ofSeconds(1),
                    lost -> System.err.println("lost " + lost + ": stop leading"))) {
                assert lock.isHeldOnServer(Duration.ofSeconds(2));
                runBilling();
            }
            lock.release();

            // and with a lease: a PostgreSQL server ends a silent holder's session within 10 s
            try (DistributedLock held = Locks.forConnection(other, "leader-2").acquire();
                 LockWatch watch = held.watch(WatchOptions.lease(Duration.ofSeconds(10)), lost -> stopLeading())) {
                runBilling(); // checks every 2.25 s; a loss is declared within 4.5 s of the last confirmation
            }
            // README ends
            DistributedLock check = Locks.forConnection(other, "leader-2");
            assertThat(check.tryAcquire()).as("released by the example").isTrue();
            check.release();
        }
        assertThat(work).hasValue(2);
        assertThat(stoppedLeading).hasValue(0);
    }

    private final AtomicInteger stoppedLeading = new AtomicInteger();

    private void stopLeading() {
        stoppedLeading.incrementAndGet();
    }
}
