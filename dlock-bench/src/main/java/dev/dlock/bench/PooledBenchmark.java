package dev.dlock.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
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
 * Workload 10 (issue 15): an uncontended acquire + release through {@link DataSourceLocks}
 * ({@code Locks.forDataSource(pool)}, {@code locks.lock(key).tryAcquire()} + {@code release()}) on a HikariCP pool,
 * beside the floor on a dedicated connection: the raw statements dlock sends (prepared once) and two
 * {@code SELECT 1}s, as in {@link UncontendedBenchmark}. The pooled call pays what a caller of the pool pays: the
 * lock takes a slot on a shared session, borrowing a connection from the pool when none is shared, and gives it
 * back with its last slot.
 *
 * <p>The four calls run in turns, each timed on its own; {@link TurnsProfiler} reports them as
 * {@code selectOneTwice}, {@code rawTryLockUnlock}, {@code pooledRawTryLockUnlock} (the raw pair on a connection
 * borrowed from the pool for it, prepared once per pooled connection: what the pool itself adds) and {@code pooledTryAcquireRelease}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PooledBenchmark {
    private static final String KEY = "dlock-bench:pooled";
    /** The pool's size: more than the one connection used, as an application's pool would be. */
    static final int POOL_SIZE = 4;

    /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
    @Param(BenchDatabase.POSTGRESQL)
    public String db;

    private BenchDatabase database;
    private Connection connection;
    private Object pooledRawKey;
    /** The raw statements prepared on each of the pool's connections (the driver's, behind the pool's proxy). */
    private final Map<Connection, RawStatements.RawLock> pooledRaw = new IdentityHashMap<>();
    private PreparedStatement selectOne;
    private RawStatements.RawLock raw;
    private HikariDataSource pool;
    private DataSourceLocks locks;
    private int first;

    /** The calls, each with the name its figures carry. */
    private enum Call implements TurnsProfiler.TimedCall<PooledBenchmark> {
        /** Two round trips on the dedicated connection, the floor of any lock + unlock. */
        SELECT_ONE_TWICE("selectOneTwice") {
            @Override
            public void run(PooledBenchmark b) throws SQLException {
                UncontendedBenchmark.selectOne(b.selectOne);
                UncontendedBenchmark.selectOne(b.selectOne);
            }
        },
        /** The raw try statement and unlock, on the dedicated connection. */
        RAW_TRY_LOCK_UNLOCK("rawTryLockUnlock") {
            @Override
            public void run(PooledBenchmark b) throws SQLException {
                UncontendedBenchmark.check(b.raw.tryLock());
                UncontendedBenchmark.check(b.raw.unlock());
            }
        },
        /**
         * The raw try statement and unlock on a connection borrowed from the pool for the pair (its statements
         * prepared once per pooled connection, as the raw floor's): what the pool adds to the raw pair, without
         * dlock.
         */
        POOLED_RAW_TRY_LOCK_UNLOCK("pooledRawTryLockUnlock") {
            @Override
            public void run(PooledBenchmark b) throws SQLException {
                try (Connection borrowed = b.pool.getConnection()) {
                    RawStatements.RawLock lock = b.pooledRaw.get(borrowed.unwrap(Connection.class));
                    if (lock == null) {
                        lock = b.database.raw().lockOn(borrowed.unwrap(Connection.class), b.pooledRawKey);
                        b.pooledRaw.put(borrowed.unwrap(Connection.class), lock);
                    }
                    UncontendedBenchmark.check(lock.tryLock());
                    UncontendedBenchmark.check(lock.unlock());
                }
            }
        },
        /** dlock's {@code tryAcquire()} and {@code release()} through the pool, a new lock object each time. */
        POOLED_TRY_ACQUIRE_RELEASE("pooledTryAcquireRelease") {
            @Override
            public void run(PooledBenchmark b) {
                DistributedLock lock = b.locks.lock(KEY);
                UncontendedBenchmark.check(lock.tryAcquire());
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

    /**
     * Connects, opens the pool, and derives the raw statements' key from dlock's: a key of its own, since the
     * raw statements and dlock must not hold one key at once from two sessions.
     */
    @Setup
    public void connect() throws SQLException {
        database = BenchDatabase.of(db);
        connection = database.connect();
        pooledRawKey = Locks.forConnection(connection, KEY + ":raw-pooled").databaseKey();
        selectOne = connection.prepareStatement("SELECT 1");
        raw = database.raw().lockOn(connection, Locks.forConnection(connection, KEY + ":raw").databaseKey());
        pool = database.pool("dlock-bench-pooled", POOL_SIZE, Duration.ofSeconds(30));
        locks = Locks.forDataSource(pool);
    }

    /** Closes the pool and the connection. */
    @TearDown
    public void close() throws SQLException {
        try {
            pool.close();
        } finally {
            connection.close();
        }
    }

    /** One turn: each call once, timed on its own ({@link TurnsProfiler#turn}). */
    @Benchmark
    public void turns() throws SQLException {
        first = TurnsProfiler.turn(Call.ALL, first, this);
    }
}
