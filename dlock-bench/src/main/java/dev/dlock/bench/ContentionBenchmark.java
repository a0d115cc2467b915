package dev.dlock.bench;

import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Workload 4, contention: {@code threads} workers, each on its own connection, acquire and release in a loop,
 * all on one key or each on its own ({@code keys}), through dlock's blocking {@code acquire()} or through the
 * raw statements dlock sends. JMH's own thread only runs rounds of {@value #ROUND_MILLIS} ms; the figures are
 * the auxiliary counters: {@code acquisitions} per second, and {@code slowestThread} / {@code fastestThread},
 * the per-thread acquisition counts of the least and the most served worker (their ratio is the fairness).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 2, time = 1)
@Fork(1)
public class ContentionBenchmark {
    static final long ROUND_MILLIS = 100;
    private static final String KEY = "dlock-bench:contention";

    /** Acquisitions, counted by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Acquisitions {
        /** Acquire + release cycles completed by all workers. */
        public long acquisitions;

        /** JMH's counters are the user's to reset. */
        @Setup(Level.Iteration)
        public void reset() {
            acquisitions = 0;
        }
    }

    /** The spread between workers over an iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Fairness {
        /** Acquisitions of the least served worker in this iteration. */
        public long slowestThread;
        /** Acquisitions of the most served worker in this iteration. */
        public long fastestThread;
    }

    /** The workers and their connections. */
    @State(Scope.Thread)
    public abstract static class Crew {
        /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
        @Param(BenchDatabase.POSTGRESQL)
        public String db;

        /** How many workers, each with its own connection. */
        @Param({"1", "2", "8"})
        public int threads;

        /** {@code one}: all workers on one key; {@code many}: each worker on its own key. */
        @Param({"one", "many"})
        public String keys;

        private final List<Connection> connections = new ArrayList<>();
        private final List<Locker> lockers = new ArrayList<>();
        private ExecutorService workers;
        private long[] perThread;
        private volatile boolean stop;

        /** Opens a connection per worker. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            BenchDatabase database = BenchDatabase.of(db);
            for (int i = 0; i < threads; i++) {
                Connection connection = database.connect();
                connections.add(connection);
                String key = keys.equals("one") ? KEY : KEY + ":" + i;
                lockers.add(locker(database.raw(), connection, key));
            }
            workers = Executors.newFixedThreadPool(threads, r -> {
                Thread thread = new Thread(r, "dlock-bench-worker");
                thread.setDaemon(true);
                return thread;
            });
        }

        abstract Locker locker(RawStatements raw, Connection connection, String key) throws SQLException;

        /** Fairness is per iteration. */
        @Setup(Level.Iteration)
        public void resetCounts() {
            perThread = new long[threads];
        }

        /** Stops the workers and closes their connections. */
        @TearDown(Level.Trial)
        public void close() throws SQLException {
            workers.shutdownNow();
            for (Connection connection : connections) {
                connection.close();
            }
        }

        void round(Acquisitions acquisitions, Fairness fairness) throws Exception {
            stop = false;
            long[] counts = new long[threads];
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int worker = i;
                running.add(workers.submit(() -> {
                    Locker locker = lockers.get(worker);
                    while (!stop) {
                        locker.lock();
                        locker.unlock();
                        counts[worker]++;
                    }
                    return null;
                }));
            }
            Thread.sleep(ROUND_MILLIS);
            stop = true;
            for (Future<?> worker : running) {
                worker.get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < threads; i++) {
                perThread[i] += counts[i];
                acquisitions.acquisitions += counts[i];
            }
            fairness.slowestThread = Arrays.stream(perThread).min().orElse(0);
            fairness.fastestThread = Arrays.stream(perThread).max().orElse(0);
        }
    }

    /** Workers use dlock: a new lock object per acquisition, {@code acquire()}, {@code release()}. */
    @State(Scope.Thread)
    public static class Dlock extends Crew {
        @Override
        Locker locker(RawStatements raw, Connection connection, String key) {
            return Locker.dlock(connection, key);
        }
    }

    /** Workers use the raw blocking statement and unlock. */
    @State(Scope.Thread)
    public static class Raw extends Crew {
        @Override
        Locker locker(RawStatements raw, Connection connection, String key) throws SQLException {
            return Locker.raw(raw.lockOn(connection, Locks.forConnection(connection, key).databaseKey()));
        }
    }

    /** One round of dlock workers. */
    @Benchmark
    public void dlock(Dlock crew, Acquisitions acquisitions, Fairness fairness) throws Exception {
        crew.round(acquisitions, fairness);
    }

    /** One round of raw workers. */
    @Benchmark
    public void raw(Raw crew, Acquisitions acquisitions, Fairness fairness) throws Exception {
        crew.round(acquisitions, fairness);
    }
}
