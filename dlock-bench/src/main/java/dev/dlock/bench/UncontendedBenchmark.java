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
 *
 * <p>The five calls run in turns on one connection, each invocation starting one further along the list, and
 * each is timed on its own; {@link TurnsProfiler} reports their distributions under the calls' names
 * ({@code selectOneTwice}, {@code rawTryLockUnlock}, {@code dlockTryAcquireRelease}, {@code rawLockUnlock},
 * {@code dlockAcquireRelease}). The primary score, the time of one turn of all five, is not a figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
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
    private int first;

    /** The calls, each with the name its figures carry. */
    private enum Call implements TurnsProfiler.TimedCall<UncontendedBenchmark> {
        /** Two round trips, the floor of any lock + unlock. */
        SELECT_ONE_TWICE("selectOneTwice") {
            @Override
            public void run(UncontendedBenchmark b) throws SQLException {
                selectOne(b.selectOne);
                selectOne(b.selectOne);
            }
        },
        /** The raw try statement and unlock. */
        RAW_TRY_LOCK_UNLOCK("rawTryLockUnlock") {
            @Override
            public void run(UncontendedBenchmark b) throws SQLException {
                check(b.raw.tryLock());
                check(b.raw.unlock());
            }
        },
        /** dlock's {@code tryAcquire()} and {@code release()}. */
        DLOCK_TRY_ACQUIRE_RELEASE("dlockTryAcquireRelease") {
            @Override
            public void run(UncontendedBenchmark b) {
                DistributedLock lock = Locks.forConnection(b.connection, KEY);
                check(lock.tryAcquire());
                lock.release();
            }
        },
        /** The raw blocking statement and unlock. */
        RAW_LOCK_UNLOCK("rawLockUnlock") {
            @Override
            public void run(UncontendedBenchmark b) throws SQLException {
                b.raw.lock();
                check(b.raw.unlock());
            }
        },
        /** dlock's {@code acquire()} and {@code release()}. */
        DLOCK_ACQUIRE_RELEASE("dlockAcquireRelease") {
            @Override
            public void run(UncontendedBenchmark b) {
                DistributedLock lock = Locks.forConnection(b.connection, KEY);
                lock.acquire();
                lock.release();
            }
        };

        private static final Call[] ALL = values();

        /** The name of the call's figures. */
        private final String figure;

        Call(String figure) {
            this.figure = figure;
        }

        @Override
        public String figure() {
            return figure;
        }
    }

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

    /** One turn: each call once, timed on its own ({@link TurnsProfiler#turn}). */
    @Benchmark
    public void turns() throws SQLException {
        first = TurnsProfiler.turn(Call.ALL, first, this);
    }

    /** One {@code SELECT 1} round trip, its answer read. */
    static void selectOne(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            rs.getInt(1);
        }
    }

    static void check(boolean acquiredOrReleased) {
        if (!acquiredOrReleased) {
            throw new IllegalStateException("a free lock was not acquired or not released: something else holds"
                    + " the benchmark key");
        }
    }
}
