package dev.dlock.bench;

import dev.dlock.Locks;
import java.sql.Connection;
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
 * Workload 3, handoff latency: a waiter is blocked in its lock call on its own connection (the server says so
 * before the clock starts); each sample runs from the holder's release call until the waiter holds. Both sides
 * use dlock, or both use the raw statements dlock sends (the floor). A sample includes waking the benchmark
 * thread once, the same on both rows.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HandoffBenchmark {
    private static final String KEY = "dlock-bench:handoff";

    /** The holder, the waiter and an observer, each on its own connection. */
    @State(Scope.Thread)
    public abstract static class Pair {
        /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
        @Param(BenchDatabase.POSTGRESQL)
        public String db;

        private Connection holderConnection;
        private Connection waiterConnection;
        private Connection observerConnection;
        HandoffRound round;

        /** Opens the three connections. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            BenchDatabase database = BenchDatabase.of(db);
            holderConnection = database.connect();
            waiterConnection = database.connect();
            observerConnection = database.connect();
            RawStatements raw = database.raw();
            Object databaseKey = Locks.forConnection(holderConnection, KEY).databaseKey();
            round = new HandoffRound(locker(raw, holderConnection, databaseKey),
                    locker(raw, waiterConnection, databaseKey),
                    HandoffRound.askingTheServer(raw.waitProbe(observerConnection, raw.sessionId(waiterConnection))));
        }

        abstract Locker locker(RawStatements raw, Connection connection, Object databaseKey) throws SQLException;

        /** Outside the clock: the holder holds, the waiter waits. */
        @Setup(Level.Invocation)
        public void prepare() throws Exception {
            round.prepare();
        }

        /** Ends the last round and closes the connections. */
        @TearDown(Level.Trial)
        public void close() throws Exception {
            round.close();
            holderConnection.close();
            waiterConnection.close();
            observerConnection.close();
        }
    }

    /** Both sides use dlock's {@code acquire()} and {@code release()}. */
    @State(Scope.Thread)
    public static class Dlock extends Pair {
        @Override
        Locker locker(RawStatements raw, Connection connection, Object databaseKey) {
            return Locker.dlock(connection, KEY);
        }
    }

    /** Both sides use the raw blocking statement and unlock. */
    @State(Scope.Thread)
    public static class Raw extends Pair {
        @Override
        Locker locker(RawStatements raw, Connection connection, Object databaseKey) throws SQLException {
            return Locker.raw(raw.lockOn(connection, databaseKey));
        }
    }

    /** dlock's release on the holder until dlock's acquire returns on the waiter. */
    @Benchmark
    public void dlockHandoff(Dlock pair) throws Exception {
        pair.round.handOff();
    }

    /** The raw unlock on the holder until the raw blocking statement returns on the waiter. */
    @Benchmark
    public void rawHandoff(Raw pair) throws Exception {
        pair.round.handOff();
    }
}
