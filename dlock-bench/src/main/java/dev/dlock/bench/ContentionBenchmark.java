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
 * all on one key or each on its own ({@code keys}), through the raw statements dlock sends (the raw crew, the
 * floor) and through the crew named by {@code measured}: dlock's blocking {@code acquire()}, or the control, a
 * second raw crew on connections of its own.
 *
 * <p>The two crews take turns in rounds of {@value #ROUND_MILLIS} ms within one benchmark, in alternating order,
 * on the same server and in the same JVM: on a 2-core machine throughput drifts by ±10% between forks and over
 * seconds (the server's and the JIT's background work), and turns put both crews under the same drift, so
 * their ratio is steadier than that of two separate runs. The control runs the same method with raw statements
 * on both sides, so its ratio shows how far from 1.00 the method itself puts two equal crews (the order of the
 * rounds, the connections, what is left of the drift): the margin a dlock ratio is read with. JMH's own thread
 * only runs the rounds; the figures are the auxiliary counters, summed over an iteration's rounds for each crew:
 * acquisitions, the nanoseconds its rounds ran, and the per-worker acquisition counts of the least and the most
 * served worker (fairness).
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
        /** Acquire + release cycles completed by the measured crew's workers (dlock's, or the control's). */
        public long measuredAcquisitions;
        /** How long the measured crew's rounds ran, in nanoseconds. */
        public long measuredNanos;
        /** Acquisitions of the measured crew's least served worker. */
        public long measuredSlowestThread;
        /** Acquisitions of the measured crew's most served worker. */
        public long measuredFastestThread;
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
            measuredAcquisitions = 0;
            measuredNanos = 0;
            measuredSlowestThread = 0;
            measuredFastestThread = 0;
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

        /** The crew measured against the raw crew: {@code dlock}, or {@code raw} (the control). */
        @Param({"dlock", "raw"})
        public String measured;

        private final List<Connection> connections = new ArrayList<>();
        private final List<Locker> measuredCrew = new ArrayList<>();
        private final List<Locker> raw = new ArrayList<>();
        private ExecutorService workers;
        private long[] measuredPerThread;
        private long[] rawPerThread;
        private boolean measuredFirst;
        private volatile boolean stop;

        /** Opens a connection per worker of each crew. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            BenchDatabase database = BenchDatabase.of(db);
            for (int i = 0; i < threads; i++) {
                String key = keys.equals("one") ? KEY : KEY + ":" + i;
                Connection forMeasured = database.connect();
                connections.add(forMeasured);
                measuredCrew.add(switch (measured) {
                    case "dlock" -> Locker.dlock(forMeasured, key);
                    case "raw" -> Locker.raw(database.raw().lockOn(forMeasured,
                            Locks.forConnection(forMeasured, key).databaseKey()));
                    default -> throw new IllegalArgumentException("measured must be dlock or raw: " + measured);
                });
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
            measuredPerThread = new long[threads];
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
            measuredFirst = !measuredFirst;
            if (measuredFirst) {
                measuredRound(counts);
                rawRound(counts);
            } else {
                rawRound(counts);
                measuredRound(counts);
            }
        }

        private void measuredRound(Counts counts) throws Exception {
            counts.measuredNanos += round(measuredCrew, measuredPerThread);
            counts.measuredAcquisitions = sum(measuredPerThread);
            counts.measuredSlowestThread = min(measuredPerThread);
            counts.measuredFastestThread = max(measuredPerThread);
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
     * One round of the measured crew's workers (dlock's: a new lock object per acquisition, {@code acquire()},
     * {@code release()}; the control's: as the raw crew's) and one of the raw workers (the raw blocking statement
     * and unlock, prepared once).
     */
    @Benchmark
    public void turns(Crews crews, Counts counts) throws Exception {
        crews.turns(counts);
    }
}
