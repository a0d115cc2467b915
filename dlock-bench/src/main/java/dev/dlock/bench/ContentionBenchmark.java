package dev.dlock.bench;

import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
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
 * all on one key or each on its own ({@code keys}), through dlock's blocking {@code acquire()} and through the
 * raw statements dlock sends.
 *
 * <p>The two crews take turns in rounds of {@value #ROUND_MILLIS} ms within one benchmark, in alternating order,
 * on the same server and in the same JVM: on a 2-core machine throughput drifts by ±10% between forks and over
 * seconds (the server's and the JIT's background work), and turns put both crews under the same drift, so
 * their ratio is steadier than that of two separate runs. JMH's own thread only runs the rounds; the figures are
 * the auxiliary counters, summed over an iteration's rounds for each crew: acquisitions, the nanoseconds its
 * rounds ran, and the per-worker acquisition counts of the least and the most served worker (fairness).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// longer than the other parts' defaults: with both cores busy the JIT gets little CPU, and the worker loops
// reached their compiled form only after 6-7 s (-XX:+PrintCompilation); one unforked run stays indicative
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ContentionBenchmark {
    static final long ROUND_MILLIS = 100;
    private static final String KEY = "dlock-bench:contention";

    /** What the crews did in one iteration; JMH sums each counter over the iterations of a fork. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counts {
        /** Acquire + release cycles completed by dlock's workers. */
        public long dlockAcquisitions;
        /** How long dlock's rounds ran, in nanoseconds. */
        public long dlockNanos;
        /** Acquisitions of dlock's least served worker. */
        public long dlockSlowestThread;
        /** Acquisitions of dlock's most served worker. */
        public long dlockFastestThread;
        /** Acquire + release cycles completed by the raw workers. */
        public long rawAcquisitions;
        /** How long the raw rounds ran, in nanoseconds. */
        public long rawNanos;
        /** Acquisitions of the least served raw worker. */
        public long rawSlowestThread;
        /** Acquisitions of the most served raw worker. */
        public long rawFastestThread;

        /** JMH's counters are the user's to reset. */
        @Setup(Level.Iteration)
        public void reset() {
            dlockAcquisitions = 0;
            dlockNanos = 0;
            dlockSlowestThread = 0;
            dlockFastestThread = 0;
            rawAcquisitions = 0;
            rawNanos = 0;
            rawSlowestThread = 0;
            rawFastestThread = 0;
        }
    }

    /** Both crews, their connections, and the pool their workers run in. */
    @State(Scope.Thread)
    public static class Crews {
        /** {@code postgresql}, {@code mariadb}, or a JDBC URL. */
        @Param(BenchDatabase.POSTGRESQL)
        public String db;

        /** How many workers per crew, each with its own connection. */
        @Param({"1", "2", "8"})
        public int threads;

        /** {@code one}: all workers on one key; {@code many}: each worker on its own key. */
        @Param({"one", "many"})
        public String keys;

        private final List<Connection> connections = new ArrayList<>();
        private final List<Locker> dlock = new ArrayList<>();
        private final List<Locker> raw = new ArrayList<>();
        private ExecutorService workers;
        private long[] dlockPerThread;
        private long[] rawPerThread;
        private boolean dlockFirst;
        private volatile boolean stop;

        /** Opens a connection per worker of each crew. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            BenchDatabase database = BenchDatabase.of(db);
            for (int i = 0; i < threads; i++) {
                String key = keys.equals("one") ? KEY : KEY + ":" + i;
                Connection forDlock = database.connect();
                connections.add(forDlock);
                dlock.add(Locker.dlock(forDlock, key));
                Connection forRaw = database.connect();
                connections.add(forRaw);
                raw.add(Locker.raw(database.raw().lockOn(forRaw, Locks.forConnection(forRaw, key).databaseKey())));
            }
            workers = Executors.newFixedThreadPool(threads, r -> {
                Thread thread = new Thread(r, "dlock-bench-worker");
                thread.setDaemon(true);
                return thread;
            });
        }

        /** Fairness is per iteration. */
        @Setup(Level.Iteration)
        public void resetCounts() {
            dlockPerThread = new long[threads];
            rawPerThread = new long[threads];
        }

        /** Stops the workers and closes their connections. */
        @TearDown(Level.Trial)
        public void close() throws SQLException {
            workers.shutdownNow();
            for (Connection connection : connections) {
                connection.close();
            }
        }

        /** One round of each crew, the first of them alternating from call to call. */
        void turns(Counts counts) throws Exception {
            dlockFirst = !dlockFirst;
            if (dlockFirst) {
                dlockRound(counts);
                rawRound(counts);
            } else {
                rawRound(counts);
                dlockRound(counts);
            }
        }

        private void dlockRound(Counts counts) throws Exception {
            counts.dlockNanos += round(dlock, dlockPerThread);
            counts.dlockAcquisitions = sum(dlockPerThread);
            counts.dlockSlowestThread = min(dlockPerThread);
            counts.dlockFastestThread = max(dlockPerThread);
        }

        private void rawRound(Counts counts) throws Exception {
            counts.rawNanos += round(raw, rawPerThread);
            counts.rawAcquisitions = sum(rawPerThread);
            counts.rawSlowestThread = min(rawPerThread);
            counts.rawFastestThread = max(rawPerThread);
        }

        /** @return how long the round ran, from the workers' start to the last one's stop, in nanoseconds */
        private long round(List<Locker> lockers, long[] perThread) throws Exception {
            stop = false;
            long[] done = new long[threads];
            List<Future<?>> running = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                int worker = i;
                running.add(workers.submit(() -> {
                    Locker locker = lockers.get(worker);
                    while (!stop) {
                        locker.lock();
                        locker.unlock();
                        done[worker]++;
                    }
                    return null;
                }));
            }
            Thread.sleep(ROUND_MILLIS); // the round's length; the futures below are the synchronisation
            stop = true;
            for (Future<?> worker : running) {
                worker.get(30, TimeUnit.SECONDS);
            }
            long nanos = System.nanoTime() - start;
            for (int i = 0; i < threads; i++) {
                perThread[i] += done[i];
            }
            return nanos;
        }

        private static long sum(long[] values) {
            long sum = 0;
            for (long value : values) {
                sum += value;
            }
            return sum;
        }

        private static long min(long[] values) {
            long min = Long.MAX_VALUE;
            for (long value : values) {
                min = Math.min(min, value);
            }
            return min;
        }

        private static long max(long[] values) {
            long max = 0;
            for (long value : values) {
                max = Math.max(max, value);
            }
            return max;
        }
    }

    /**
     * One round of dlock's workers (a new lock object per acquisition, {@code acquire()}, {@code release()}) and
     * one of the raw workers (the raw blocking statement and unlock, prepared once).
     */
    @Benchmark
    public void turns(Crews crews, Counts counts) throws Exception {
        crews.turns(counts);
    }
}
