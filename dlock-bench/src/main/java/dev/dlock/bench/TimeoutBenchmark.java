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
 * d. The floor is the raw bounded wait dlock sends ({@code lock_timeout} on PostgreSQL, the {@code GET_LOCK}
 * timeout on MariaDB).
 *
 * <p>Each call's overshoot, the time it took minus d, is timed here with {@code System.nanoTime()} around the
 * call and recorded exactly, as the figure {@value #OVERSHOOT} ({@link SamplesProfiler}); the suite prints its
 * p50, p99 and maximum from those samples. JMH's own score of the method (SampleTime) is a histogram, on a grid of
 * about 1 ms for a call of 1 s: too coarse for an overshoot of a few milliseconds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TimeoutBenchmark {
    /** The name of the overshoot samples, in milliseconds, among each iteration's secondary results. */
    static final String OVERSHOOT = "overshoot";
    private static final String KEY = "dlock-bench:timeout";
    private static final double NANOS_PER_MILLI = 1e6;

    /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
    @Param(BenchDatabase.POSTGRESQL)
    public String db;

    /** The timeout d, in milliseconds. */
    @Param({"50", "200", "1000"})
    public long timeoutMs;

    private Connection holderConnection;
    private Connection connection;
    private Duration timeout;
    private long timeoutNanos;
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
        timeoutNanos = timeout.toNanos();
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
        long start = System.nanoTime();
        boolean acquired = Locks.forConnection(connection, KEY).tryAcquire(timeout);
        recordOvershoot(System.nanoTime() - start);
        return refused(acquired);
    }

    /** @return false: the raw bounded wait on a held key */
    @Benchmark
    public boolean rawLockTimeout() throws SQLException {
        long start = System.nanoTime();
        boolean acquired = raw.lock(timeoutMs);
        recordOvershoot(System.nanoTime() - start);
        return refused(acquired);
    }

    private void recordOvershoot(long tookNanos) {
        SamplesProfiler.record(OVERSHOOT, (tookNanos - timeoutNanos) / NANOS_PER_MILLI);
    }

    private static boolean refused(boolean acquired) {
        if (acquired) {
            throw new IllegalStateException("a held lock was acquired: the holder lost it");
        }
        return false;
    }
}
