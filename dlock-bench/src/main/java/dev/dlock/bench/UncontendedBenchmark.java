package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * Workload 1: acquire and release a free lock on one connection, beside the floor: the raw statements dlock
 * sends (prepared once, no dlock around them) and two {@code SELECT 1}s (two round trips, nothing locked).
 * dlock makes a new lock object per acquisition, with a text key, as a caller would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class UncontendedBenchmark {
    private static final String KEY = "dlock-bench:uncontended";

    /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
    @Param(BenchDatabase.POSTGRESQL)
    public String db;

    private Connection connection;
    private PreparedStatement selectOne;
    private RawStatements.RawLock raw;

    /** Connects, and derives the raw statements' key from dlock's. */
    @Setup
    public void connect() throws SQLException {
        BenchDatabase database = BenchDatabase.of(db);
        connection = database.connect();
        selectOne = connection.prepareStatement("SELECT 1");
        raw = database.raw().lockOn(connection, Locks.forConnection(connection, KEY).databaseKey());
    }

    /** Closes the connection. */
    @TearDown
    public void close() throws SQLException {
        connection.close();
    }

    /** @return the second answer: two round trips, the floor of any lock + unlock */
    @Benchmark
    public int selectOneTwice() throws SQLException {
        return selectOne(selectOne) + selectOne(selectOne);
    }

    /** @return whether it was held: the raw try statement and unlock */
    @Benchmark
    public boolean rawTryLockUnlock() throws SQLException {
        check(raw.tryLock());
        return raw.unlock();
    }

    /** @return whether it was held: dlock's {@code tryAcquire()} and {@code release()} */
    @Benchmark
    public boolean dlockTryAcquireRelease() {
        DistributedLock lock = Locks.forConnection(connection, KEY);
        check(lock.tryAcquire());
        lock.release();
        return true;
    }

    /** @return whether it was held: the raw blocking statement and unlock */
    @Benchmark
    public boolean rawLockUnlock() throws SQLException {
        raw.lock();
        return raw.unlock();
    }

    /** @return whether it was held: dlock's {@code acquire()} and {@code release()} */
    @Benchmark
    public boolean dlockAcquireRelease() {
        DistributedLock lock = Locks.forConnection(connection, KEY);
        lock.acquire();
        lock.release();
        return true;
    }

    private static int selectOne(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static void check(boolean acquired) {
        if (!acquired) {
            throw new IllegalStateException("a free lock was not acquired: something else holds the benchmark key");
        }
    }
}
