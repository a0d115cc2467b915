package dev.dlock.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.Locks;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.SampleTimeResult;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.SampleBuffer;

/**
 * Workloads 9 and 11 (issue 15): many locks over a pool, through {@code Locks.forDataSource}, each beside
 * borrow-per-lock ({@code Locks.forDataSource(pool, 1)}, a connection per held lock) on the same pool in the
 * same run. Measured by the suite itself, not by JMH (the suite's part {@code pooled}, with
 * {@link PooledBenchmark}): a JMH iteration repeats its method, and taking 10,000 locks is a state to reach once
 * and look at, not a call to repeat; the throughput crews alternate in rounds, as in {@link ContentionBenchmark},
 * which one JMH method cannot do with 64 threads of its own. The figures become JMH results ({@link Measured}).
 *
 * <ul>
 *   <li>{@code heldAtOnce}: one process takes {@code locks} locks on distinct keys ({@code tryAcquire()})
 *       through a HikariCP pool of {@code pool} connections and keeps them; the figures are the connections the
 *       pool has lent (its MXBean's active connections), the client heap per held lock (used heap after a full
 *       GC, before and after taking them, over their number: approximate, it counts everything the JVM allocated
 *       and kept meanwhile, the caller's lock objects and keys included), and one more lock's
 *       {@code tryAcquire()} + {@code release()} at that load (p50, p99). Then, on the same pool with nothing
 *       held, borrow-per-lock takes as many as it can: a connection per lock, it stops when the pool has none
 *       left to lend within its connection timeout (250 ms).</li>
 *   <li>{@code throughput}: {@code threads} threads, each on keys of its own, {@code tryAcquire()} +
 *       {@code release()} in a loop through a pool of {@code pool} connections, multiplexed and borrow-per-lock
 *       taking turns in rounds (alternating which goes first); acquisitions per second of each, per round, and
 *       the connections the pool had lent at the middle of the round.</li>
 *   <li>{@code herd}: {@code waiters} threads wait in {@code acquire()} through {@code Locks.forDataSource(pool)}
 *       for one key its holder (a {@code tryAcquire()} on the same pool) holds; once the server shows them all
 *       waiting, the holder releases, and each waiter, granted, releases in turn: a handoff is the time from a
 *       release call's start to the next grant's return. A waiting request borrows a connection of its own, so
 *       the pool has {@code waiters} + 1 connections. Beside it, in alternating rounds on the same pool's
 *       connections, the raw herd: the raw blocking statement on each. If the server allows fewer connections
 *       than asked (the embedded PostgreSQL 200, MariaDB 500), the herd is as large as fits, and says so.</li>
 * </ul>
 */
final class PooledScale {
    static final String HELD_AT_ONCE = "dev.dlock.bench.PooledScale.heldAtOnce";
    static final String THROUGHPUT = "dev.dlock.bench.PooledScale.throughput";
    /** Secondary figures of {@code heldAtOnce}. */
    static final String CONNECTIONS = "connections";
    static final String BYTES_PER_LOCK = "bytesPerLock";
    static final String PER_LOCK_HELD = "perLockHeld";
    static final String PER_LOCK_CONNECTIONS = "perLockConnections";
    /** The figures of {@code throughput}: the primary, and the secondary. */
    static final String MULTIPLEXED = "multiplexed";
    static final String BORROW_PER_LOCK = "borrowPerLock";
    /** Secondary figures of {@code throughput}: the connections the pool had lent at the middle of a round. */
    static final String MULTIPLEXED_CONNECTIONS = "multiplexedConnections";
    static final String BORROW_PER_LOCK_CONNECTIONS = "borrowPerLockConnections";
    /** The secondary figure of {@code herd}: the raw herd's handoffs; and how many waiters were asked for. */
    static final String RAW = "raw";
    static final String ASKED_WAITERS = "askedWaiters";
    /** Secondary figures of {@code herd}: the client's CPU while the herd waits, dlock's and raw's (% of a core). */
    static final String CPU_WAITING = "cpuWhileWaiting";
    static final String RAW_CPU_WAITING = "rawCpuWhileWaiting";
    /** How long the client's CPU is read while a herd waits, before the holder releases. */
    private static final Duration CPU_WINDOW = Duration.ofMillis(500);
    static final String HERD = "dev.dlock.bench.PooledScale.herd";
    /** Connections of the server left free beyond the herd's pool and its observer. */
    private static final int HEADROOM = 10;
    private static final long SANITY_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Hikari's floor: a borrower that finds no connection gives up after this. */
    static final Duration SHORT_CONNECTION_TIMEOUT = Duration.ofMillis(250);
    private static final String KEY = "dlock-bench:pooled-scale:";

    /**
     * How the part runs.
     *
     * @param locks          locks held at once
     * @param heldPool       the pool's size for {@code heldAtOnce}
     * @param samples        timed acquire + release pairs at that load (after as many again unrecorded, a tenth)
     * @param threads        threads of the throughput crews
     * @param throughputPool the pool's size for {@code throughput}
     * @param rounds         measured rounds of each crew (after one unrecorded round each)
     * @param round          how long one crew's round lasts
     * @param waiters        threads of the herd, as many as the server's connections allow
     * @param herdRounds     measured rounds of each herd (after one unrecorded round each)
     */
    record Settings(int locks, int heldPool, int samples, int threads, int throughputPool, int rounds,
                    Duration round, int waiters, int herdRounds) {
        static final Settings DEFAULT = new Settings(10_000, 16, 500, 64, 8, 6, Duration.ofMillis(500), 50, 4);
        static final Settings FULL = new Settings(10_000, 16, 5_000, 64, 8, 30, Duration.ofSeconds(1), 1000, 5);
    }

    private final String db;
    private final BenchDatabase database;
    private final Settings settings;
    private final Progress progress;

    private PooledScale(String db, Settings settings, Progress progress) {
        this.db = db;
        this.database = BenchDatabase.of(db);
        this.settings = settings;
        this.progress = progress;
    }

    /** @return the figures of {@code heldAtOnce} and {@code throughput} on {@code db} */
    static List<RunResult> run(String db, Settings settings, Progress progress) throws Exception {
        PooledScale scale = new PooledScale(db, settings, progress);
        return List.of(scale.heldAtOnce(), scale.throughput(), scale.herd());
    }

    /** How many benchmarks {@link #run} reports, for the progress count. */
    static final int RUNS = 3;

    private RunResult heldAtOnce() throws Exception {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("db", db);
        parameters.put("locks", Integer.toString(settings.locks()));
        parameters.put("pool", Integer.toString(settings.heldPool()));
        BenchmarkParams params = Measured.params(HELD_AT_ONCE, Mode.SampleTime, TimeUnit.MICROSECONDS,
                settings.samples() / 10, 1, TimeValue.NONE, parameters);
        progress.begin(Progress.name(params));
        IterationResult iteration = Measured.iteration(params);
        try (HikariDataSource pool = database.pool("dlock-bench-held", settings.heldPool(),
                SHORT_CONNECTION_TIMEOUT)) {
            fill(pool, settings.heldPool());
            DataSourceLocks multiplexed = Locks.forDataSource(pool);
            SampleBuffer oneMore = new SampleBuffer();
            List<DistributedLock> held = new ArrayList<>(settings.locks());
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            try {
                timePairs(multiplexed, settings.samples() / 10, null); // warms the calls up, on an empty pool
                long before = usedHeapAfterGc(memory);
                for (int i = 0; i < settings.locks(); i++) {
                    DistributedLock lock = multiplexed.lock(KEY + i);
                    UncontendedBenchmark.check(lock.tryAcquire());
                    held.add(lock);
                }
                long after = usedHeapAfterGc(memory);
                int connections = pool.getHikariPoolMXBean().getActiveConnections();
                double bytesPerLock = (double) (after - before) / settings.locks();
                progress.detail(String.format(Locale.ROOT, "%d locks held on %d connections, about %.0f bytes of"
                        + " heap each", settings.locks(), connections, bytesPerLock));
                timePairs(multiplexed, settings.samples() / 10, null);
                timePairs(multiplexed, settings.samples(), oneMore);
                iteration.addResult(new SampleTimeResult(ResultRole.PRIMARY, "dlock", oneMore, TimeUnit.MICROSECONDS));
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, CONNECTIONS, connections,
                        "connections"));
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, BYTES_PER_LOCK, bytesPerLock,
                        "bytes"));
            } finally {
                held.forEach(DistributedLock::release);
                held.clear();
            }
            // borrow-per-lock on the same pool, now with nothing lent
            DataSourceLocks perLock = Locks.forDataSource(pool, 1);
            int perLockConnections = 0;
            try {
                for (int i = 0; i < settings.locks(); i++) {
                    DistributedLock lock = perLock.lock(KEY + i);
                    try {
                        if (!lock.tryAcquire()) {
                            break;
                        }
                    } catch (DistributedLockException e) {
                        progress.detail("borrow-per-lock stopped at " + held.size() + " locks: " + e.getMessage());
                        break;
                    }
                    held.add(lock);
                    perLockConnections = Math.max(perLockConnections,
                            pool.getHikariPoolMXBean().getActiveConnections());
                }
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, PER_LOCK_HELD, held.size(), "locks"));
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, PER_LOCK_CONNECTIONS, perLockConnections,
                        "connections"));
            } finally {
                held.forEach(DistributedLock::release);
            }
        }
        progress.end();
        return Measured.run(params, List.of(iteration));
    }

    /** Opens every connection of the pool now, so that none is opened (and counted on the heap) while measuring. */
    private static void fill(HikariDataSource pool, int size) throws SQLException {
        List<Connection> borrowed = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                borrowed.add(pool.getConnection());
            }
        } finally {
            for (Connection connection : borrowed) {
                connection.close();
            }
        }
    }

    /** Times {@code count} acquire + release pairs of one further key, into {@code samples} unless null. */
    private static void timePairs(DataSourceLocks locks, int count, SampleBuffer samples) {
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            DistributedLock lock = locks.lock(KEY + "one-more");
            UncontendedBenchmark.check(lock.tryAcquire());
            lock.release();
            long nanos = System.nanoTime() - start;
            if (samples != null) {
                samples.add(nanos);
            }
        }
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private RunResult throughput() throws Exception {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("db", db);
        parameters.put("threads", Integer.toString(settings.threads()));
        parameters.put("pool", Integer.toString(settings.throughputPool()));
        BenchmarkParams params = Measured.params(THROUGHPUT, Mode.Throughput, TimeUnit.SECONDS, 1, settings.rounds(),
                timeValue(settings.round()), parameters);
        progress.begin(Progress.name(params));
        List<IterationResult> rounds = new ArrayList<>();
        ExecutorService crew = Executors.newFixedThreadPool(settings.threads());
        // a connection timeout far past any wait here: borrow-per-lock's threads queue for the pool's connections
        try (HikariDataSource pool = database.pool("dlock-bench-throughput", settings.throughputPool(),
                Duration.ofSeconds(30))) {
            fill(pool, settings.throughputPool());
            DataSourceLocks multiplexed = Locks.forDataSource(pool);
            DataSourceLocks perLock = Locks.forDataSource(pool, 1);
            for (int round = -1; round < settings.rounds(); round++) {
                boolean multiplexedFirst = round % 2 == 0;
                Round first = round(crew, pool, multiplexedFirst ? multiplexed : perLock);
                Round second = round(crew, pool, multiplexedFirst ? perLock : multiplexed);
                Round multiplexedRound = multiplexedFirst ? first : second;
                Round perLockRound = multiplexedFirst ? second : first;
                double multiplexedRate = multiplexedRound.rate();
                double perLockRate = perLockRound.rate();
                progress.detail(String.format(Locale.ROOT, "%s round %d: multiplexed %.0f acq/s on %d connections,"
                        + " borrow-per-lock %.0f acq/s on %d", round < 0 ? "warm-up" : "measured", round + 1,
                        multiplexedRate, multiplexedRound.connections(), perLockRate, perLockRound.connections()));
                if (round >= 0) {
                    IterationResult iteration = Measured.iteration(params);
                    iteration.addResult(new Measured.Value(ResultRole.PRIMARY, MULTIPLEXED, multiplexedRate,
                            "ops/s"));
                    iteration.addResult(new Measured.Value(ResultRole.SECONDARY, BORROW_PER_LOCK, perLockRate,
                            "ops/s"));
                    iteration.addResult(new Measured.Value(ResultRole.SECONDARY, MULTIPLEXED_CONNECTIONS,
                            multiplexedRound.connections(), "connections"));
                    iteration.addResult(new Measured.Value(ResultRole.SECONDARY, BORROW_PER_LOCK_CONNECTIONS,
                            perLockRound.connections(), "connections"));
                    rounds.add(iteration);
                }
            }
        } finally {
            crew.shutdownNow();
            crew.awaitTermination(1, TimeUnit.MINUTES);
        }
        progress.end();
        return Measured.run(params, rounds);
    }

    /** One crew's round: its acquisitions per second, and the pool's connections lent at its middle. */
    private record Round(double rate, int connections) {
    }

    /** One round of the crew on {@code locks}, through {@code pool}. */
    private Round round(ExecutorService crew, HikariDataSource pool, DataSourceLocks locks) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch ready = new CountDownLatch(settings.threads());
        long roundNanos = settings.round().toNanos();
        long[] deadline = new long[1];
        List<Future<Long>> counts = new ArrayList<>();
        for (int t = 0; t < settings.threads(); t++) {
            String[] keys = {KEY + "t" + t + ":a", KEY + "t" + t + ":b"};
            counts.add(crew.submit(() -> {
                ready.countDown();
                start.await();
                long end = deadline[0]; // written before the latch opened
                long acquisitions = 0;
                while (System.nanoTime() - end < 0) {
                    DistributedLock lock = locks.lock(keys[(int) (acquisitions & 1)]);
                    UncontendedBenchmark.check(lock.tryAcquire());
                    lock.release();
                    acquisitions++;
                }
                return acquisitions;
            }));
        }
        ready.await();
        long begin = System.nanoTime();
        deadline[0] = begin + roundNanos;
        start.countDown();
        WaitingBenchmark.parkFor(roundNanos / 2);
        int connections = pool.getHikariPoolMXBean().getActiveConnections();
        long total = 0;
        for (Future<Long> count : counts) {
            total += count.get();
        }
        long elapsed = System.nanoTime() - begin;
        return new Round(total * 1e9 / elapsed, connections);
    }

    private RunResult herd() throws Exception {
        int waiters;
        try (Connection observer = database.connect()) {
            waiters = Math.min(settings.waiters(), freeConnections(observer) - 1 - HEADROOM);
        }
        if (waiters < 1) {
            throw new IllegalStateException("the server has no connections left for a herd");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("db", db);
        parameters.put("waiters", Integer.toString(waiters));
        parameters.put("pool", Integer.toString(waiters + 1));
        BenchmarkParams params = Measured.params(HERD, Mode.SampleTime, TimeUnit.MICROSECONDS, 1,
                settings.herdRounds(), TimeValue.NONE, parameters);
        progress.begin(Progress.name(params));
        if (waiters < settings.waiters()) {
            progress.detail("a herd of " + waiters + " waiters, not " + settings.waiters() + ": the server has no more"
                    + " connections free");
        }
        SampleBuffer dlock = new SampleBuffer();
        SampleBuffer raw = new SampleBuffer();
        double[] cpu = new double[2]; // summed over the measured rounds: dlock, raw
        String key = KEY + "herd";
        try (HikariDataSource pool = database.pool("dlock-bench-herd", waiters + 1, Duration.ofSeconds(30));
             Connection observer = database.connect()) {
            RawStatements.WaitCount waiting = database.raw().waitCount(observer, sessions(pool, waiters + 1));
            DataSourceLocks locks = Locks.forDataSource(pool);
            Object databaseKey = locks.lock(key).databaseKey();
            for (int round = -1; round < settings.herdRounds(); round++) {
                boolean dlockFirst = round % 2 == 0;
                for (int i = 0; i < 2; i++) {
                    boolean isDlock = (i == 0) == dlockFirst;
                    HerdRound herd = isDlock ? dlockHerd(locks, key, waiters, waiting)
                            : rawHerd(pool, databaseKey, waiters, waiting);
                    if (round >= 0) {
                        for (long nanos : herd.handoffs()) {
                            (isDlock ? dlock : raw).add(nanos);
                        }
                        cpu[isDlock ? 0 : 1] += herd.cpuWhileWaiting().percent();
                    }
                    progress.detail(String.format(Locale.ROOT,
                            "%s round %d, %s: handoff median %.0f µs, client CPU while waiting %.1f%% of a core (%s)",
                            round < 0 ? "warm-up" : "measured", round + 1, isDlock ? "dlock" : "raw",
                            median(herd.handoffs()) / 1e3, herd.cpuWhileWaiting().percent(),
                            String.join(", ", herd.cpuWhileWaiting().busiest())));
                }
            }
        }
        IterationResult iteration = Measured.iteration(params);
        iteration.addResult(new SampleTimeResult(ResultRole.PRIMARY, "dlock", dlock, TimeUnit.MICROSECONDS));
        iteration.addResult(new SampleTimeResult(ResultRole.SECONDARY, RAW, raw, TimeUnit.MICROSECONDS));
        iteration.addResult(new Measured.Value(ResultRole.SECONDARY, ASKED_WAITERS, settings.waiters(), "waiters"));
        int rounds = Math.max(1, settings.herdRounds());
        iteration.addResult(new Measured.Value(ResultRole.SECONDARY, CPU_WAITING, cpu[0] / rounds, "%"));
        iteration.addResult(new Measured.Value(ResultRole.SECONDARY, RAW_CPU_WAITING, cpu[1] / rounds, "%"));
        progress.end();
        return Measured.run(params, List.of(iteration));
    }

    /** @return how many more connections the server accepts now (PostgreSQL: not counting its reserved ones) */
    private int freeConnections(Connection observer) throws SQLException {
        String sql = database.raw() == RawStatements.POSTGRESQL
                ? "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
                        + " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
                : "SELECT @@max_connections - (SELECT COUNT(*) FROM information_schema.PROCESSLIST)";
        try (Statement statement = observer.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** @return the server's ids of the sessions of all {@code size} connections of the pool */
    private List<Long> sessions(HikariDataSource pool, int size) throws SQLException {
        List<Connection> borrowed = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                Connection connection = pool.getConnection();
                borrowed.add(connection);
                ids.add(database.raw().sessionId(connection));
            }
        } finally {
            for (Connection connection : borrowed) {
                connection.close();
            }
        }
        return ids;
    }

    /**
     * One herd.
     *
     * @param handoffs        its handoffs, in nanoseconds
     * @param cpuWhileWaiting the client's CPU while every waiter waited, before the first release
     */
    private record HerdRound(long[] handoffs, ProcessCpu.Usage cpuWhileWaiting) {
    }

    /** One herd through dlock. */
    private HerdRound dlockHerd(DataSourceLocks locks, String key, int waiters, RawStatements.WaitCount waiting)
            throws Exception {
        DistributedLock holder = locks.lock(key);
        UncontendedBenchmark.check(holder.tryAcquire());
        return herd(waiters, waiting, () -> {
            DistributedLock lock = locks.lock(key);
            return lastRelease -> {
                lock.acquire();
                long handoff = System.nanoTime() - lastRelease.get();
                lastRelease.set(System.nanoTime());
                lock.release();
                return handoff;
            };
        }, holder::release);
    }

    /** One herd of the raw blocking statement, on the pool's connections. */
    private HerdRound rawHerd(HikariDataSource pool, Object databaseKey, int waiters, RawStatements.WaitCount waiting)
            throws Exception {
        try (Connection holderConnection = pool.getConnection()) {
            RawStatements.RawLock holder = database.raw().lockOn(holderConnection, databaseKey);
            UncontendedBenchmark.check(holder.tryLock());
            return herd(waiters, waiting, () -> {
                Connection connection = pool.getConnection();
                RawStatements.RawLock lock = database.raw().lockOn(connection, databaseKey);
                return lastRelease -> {
                    try (connection) {
                        lock.lock();
                        long handoff = System.nanoTime() - lastRelease.get();
                        lastRelease.set(System.nanoTime());
                        UncontendedBenchmark.check(lock.unlock());
                        return handoff;
                    }
                };
            }, () -> UncontendedBenchmark.check(holder.unlock()));
        }
    }

    /**
     * What a waiter of a herd does: it waits, and once granted, reads when the release call that let it through
     * started, notes when its own starts, and releases.
     */
    @FunctionalInterface
    private interface Waiter {
        /** @return nanoseconds from the start of the release call that let it through to its grant */
        long await(AtomicLong lastRelease) throws Exception;
    }

    /** Prepares a waiter (its lock, its connection) in its own thread. */
    @FunctionalInterface
    private interface WaiterFactory {
        Waiter prepare() throws Exception;
    }

    /** The holder's release. */
    @FunctionalInterface
    private interface Release {
        void run() throws Exception;
    }

    /**
     * Starts {@code waiters} threads, waits until the server shows them all waiting, reads the client's CPU over
     * {@link #CPU_WINDOW} while they wait, releases, and times each handoff: from the start of the release call that
     * let a waiter through to its grant.
     */
    private static HerdRound herd(int waiters, RawStatements.WaitCount waiting, WaiterFactory factory, Release release)
            throws Exception {
        AtomicLong lastRelease = new AtomicLong();
        long[] handoffs = new long[waiters];
        ProcessCpu.Usage cpuWhileWaiting;
        AtomicInteger granted = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            Thread thread = new Thread(() -> {
                try {
                    Waiter waiter = factory.prepare();
                    long handoff = waiter.await(lastRelease);
                    handoffs[granted.getAndIncrement()] = handoff;
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "dlock-bench-herd-" + i);
            threads.add(thread);
            thread.start();
        }
        try {
            long deadline = System.nanoTime() + SANITY_NANOS;
            while (waiting.count() < waiters) {
                if (!failures.isEmpty()) {
                    throw new IllegalStateException("a waiter of the herd failed", failures.peek());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new TimeoutException("the database never showed the " + waiters + " waiters waiting");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            // a measurement window, not a wait for anything: every waiter is blocked on the server meanwhile
            ProcessCpu.Snapshot start = ProcessCpu.Snapshot.now();
            LockSupport.parkNanos(CPU_WINDOW.toNanos());
            cpuWhileWaiting = ProcessCpu.Snapshot.now().since(start);
            lastRelease.set(System.nanoTime());
            release.run();
            for (Thread thread : threads) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline + SANITY_NANOS - System.nanoTime())));
            }
        } finally {
            threads.forEach(Thread::interrupt); // only those still waiting, after a failure
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a waiter of the herd failed", failures.peek());
        }
        if (granted.get() != waiters) {
            throw new IllegalStateException("only " + granted.get() + " of " + waiters + " waiters were granted");
        }
        return new HerdRound(handoffs, cpuWhileWaiting);
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    private static TimeValue timeValue(Duration duration) {
        return TimeValue.milliseconds(duration.toMillis());
    }
}
