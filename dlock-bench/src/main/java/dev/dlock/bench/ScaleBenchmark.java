package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Workload 8 (issue 15, locks at scale): what one more acquire + release costs on a session that already holds
 * {@code held} locks, as the design of many locks multiplexed on a few sessions must know. The session takes its
 * {@code held} locks ({@link HeldLocks}) before the trial and keeps them throughout; then three calls run in
 * turns on it, each timed on its own as in {@link UncontendedBenchmark}: two {@code SELECT 1}s (whether every
 * statement slows down, or only lock statements), the raw try statement and unlock dlock sends (the JDBC
 * floor), and dlock's {@code tryAcquire()} + {@code release()}, on a key not among the held ones.
 * {@link TurnsProfiler} reports them as {@code selectOneTwice}, {@code rawTryLockUnlock} and
 * {@code dlockTryAcquireRelease}.
 *
 * <p>The suite measures {@link #POSTGRESQL_HELD} on PostgreSQL and {@link #MARIADB_HELD} on MariaDB: PostgreSQL's
 * lock table, shared by all the server's sessions, held some 23,000 locks on the embedded server
 * ({@link ScaleLimits}), too few to leave room for 20,000 on one session beside the other benchmarks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ScaleBenchmark {
    /** The numbers of held locks measured on PostgreSQL. */
    static final String[] POSTGRESQL_HELD = {"0", "1000", "2000", "5000", "10000"};
    /** The numbers of held locks measured on MariaDB, which has no lock table to fill. */
    static final String[] MARIADB_HELD = {"0", "1000", "2000", "5000", "10000", "20000"};
    private static final String KEY = "dlock-bench:scale";

    /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
    @Param(BenchDatabase.POSTGRESQL)
    public String db;

    /** How many locks the session holds while the calls are timed; by default, {@link #POSTGRESQL_HELD}. */
    @Param({"0", "1000", "2000", "5000", "10000"})
    public int held;

    private Connection connection;
    private HeldLocks heldLocks;
    private PreparedStatement selectOne;
    private RawStatements.RawLock raw;
    private int first;

    /** The calls, each with the name its figures carry. */
    private enum Call implements TurnsProfiler.TimedCall<ScaleBenchmark> {
        /** Two round trips that lock nothing: the floor of a lock + unlock. */
        SELECT_ONE_TWICE("selectOneTwice") {
            @Override
            public void run(ScaleBenchmark b) throws SQLException {
                UncontendedBenchmark.selectOne(b.selectOne);
                UncontendedBenchmark.selectOne(b.selectOne);
            }
        },
        /** The raw try statement and unlock. */
        RAW_TRY_LOCK_UNLOCK("rawTryLockUnlock") {
            @Override
            public void run(ScaleBenchmark b) throws SQLException {
                UncontendedBenchmark.check(b.raw.tryLock());
                UncontendedBenchmark.check(b.raw.unlock());
            }
        },
        /** dlock's {@code tryAcquire()} and {@code release()}, a new lock object each time. */
        DLOCK_TRY_ACQUIRE_RELEASE("dlockTryAcquireRelease") {
            @Override
            public void run(ScaleBenchmark b) {
                DistributedLock lock = Locks.forConnection(b.connection, KEY);
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

    /** @return the numbers of held locks the suite measures on {@code db} */
    static String[] heldCounts(String db) {
        boolean postgres = db.equals(BenchDatabase.POSTGRESQL) || db.startsWith("jdbc:postgresql:");
        return postgres ? POSTGRESQL_HELD : MARIADB_HELD;
    }

    /** Connects, takes the {@code held} locks, and derives the raw statements' key from dlock's. */
    @Setup(Level.Trial)
    public void connectAndHold() throws SQLException {
        BenchDatabase database = BenchDatabase.of(db);
        connection = database.connect();
        heldLocks = new HeldLocks(connection, database.raw());
        heldLocks.takeFirst(held);
        selectOne = connection.prepareStatement("SELECT 1");
        raw = database.raw().lockOn(connection, Locks.forConnection(connection, KEY).databaseKey());
    }

    /** Releases the held locks and closes the connection. */
    @TearDown(Level.Trial)
    public void releaseAndClose() throws SQLException {
        try {
            heldLocks.releaseAll();
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
