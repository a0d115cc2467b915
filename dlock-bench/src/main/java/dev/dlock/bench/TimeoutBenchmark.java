package dev.dlock.bench;

import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 2, timeout precision: another connection holds the key, and {@code tryAcquire(d)} gives up after
 * d. Each sample is the time the call took; the overshoot is that minus d (the suite prints its p50, p99 and
 * maximum). The floor is the raw bounded wait dlock sends ({@code lock_timeout} on PostgreSQL, the
 * {@code GET_LOCK} timeout on MariaDB).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TimeoutBenchmark {
    private static final String KEY = "dlock-bench:timeout";

    /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
    @Param(BenchDatabase.POSTGRESQL)
    public String db;

    /** The timeout d, in milliseconds. */
    @Param({"50", "200", "1000"})
    public long timeoutMs;

    private Connection holderConnection;
    private Connection connection;
    private Duration timeout;
    private RawStatements.RawLock raw;

    /** Takes the key on a holder connection, and opens the waiter's connection. */
    @Setup
    public void hold() throws SQLException {
        BenchDatabase database = BenchDatabase.of(db);
        holderConnection = database.connect();
        connection = database.connect();
        Object databaseKey = Locks.forConnection(connection, KEY).databaseKey();
        UncontendedBenchmark.check(database.raw().lockOn(holderConnection, databaseKey).tryLock());
        raw = database.raw().lockOn(connection, databaseKey);
        timeout = Duration.ofMillis(timeoutMs);
    }

    /** Closes both connections, which frees the key. */
    @TearDown
    public void close() throws SQLException {
        connection.close();
        holderConnection.close();
    }

    /** @return false: dlock's {@code tryAcquire(d)} on a held key */
    @Benchmark
    public boolean dlockTryAcquireTimeout() {
        return refused(Locks.forConnection(connection, KEY).tryAcquire(timeout));
    }

    /** @return false: the raw bounded wait on a held key */
    @Benchmark
    public boolean rawLockTimeout() throws SQLException {
        return refused(raw.lock(timeoutMs));
    }

    private static boolean refused(boolean acquired) {
        if (acquired) {
            throw new IllegalStateException("a held lock was acquired: the holder lost it");
        }
        return false;
    }
}
