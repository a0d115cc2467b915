package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.LockInterruptedException;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.SampleTimeResult;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.SampleBuffer;

/**
 * Workloads 5 and 6: threads waiting, each on its own connection, for a key that another connection holds.
 * Measured by the suite itself, not by JMH (the suite's part {@code waiting}):
 * <ul>
 *   <li><b>CPU while waiting</b> ({@code WaitingBenchmark.cpu}, {@code waiters} = 1 and 50): the process's CPU
 *       time ({@link ProcessCpu}) over a window in which that many threads are blocked in dlock's
 *       {@code acquire()}, beside a window in which the same threads, on the same connections, are blocked in
 *       the raw blocking statement (the floor). The database must show every waiter waiting before a window
 *       starts and again after it ends; a settling time before the window keeps the threads' start, and
 *       whatever the previous window left running for a moment, out of it. Then the holder lets go, each waiter
 *       takes the key in turn and gives it back, and all are joined. dlock and raw windows alternate, round
 *       after round, after one unmeasured round; each window's share of a core is recorded, the report gives
 *       the medians.</li>
 *   <li><b>Interrupt latency</b> ({@code WaitingBenchmark.interrupt}): from {@code Thread.interrupt()} of a
 *       thread blocked in dlock's {@code acquire()} until that thread catches {@link LockInterruptedException};
 *       beside it the raw floor, from {@code Statement.cancel()} of the raw blocking statement until the
 *       statement throws in its thread. The interrupt (or cancel) comes at a random moment 0–100 ms after the
 *       database shows the waiter waiting, so that any polling period inside dlock is sampled evenly; the end is
 *       timed by the waiting thread itself, so no other thread's wake-up is in the figure. dlock and raw samples
 *       alternate, after unmeasured ones.</li>
 * </ul>
 *
 * <p>Not JMH benchmarks: a CPU window must hold nothing but the waiting threads, where a JMH iteration runs its
 * own machinery beside them (a benchmark thread calling the method in a loop, a timer, the iteration's end);
 * and each latency sample needs a fresh blocked waiter and a random delay outside the measured time, with a
 * fixed number of samples. The figures become JMH results all the same ({@link Measured}), so they land in
 * {@code results.json} and in the report beside the others.
 */
final class WaitingBenchmark {
    private static final String KEY = "dlock-bench:waiting";
    private static final String CPU = WaitingBenchmark.class.getName() + ".cpu";
    private static final String INTERRUPT = WaitingBenchmark.class.getName() + ".interrupt";
    /** The unit of the CPU figures. */
    static final String CPU_UNIT = "% of a core";
    private static final long SANITY_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long LONGEST_INTERRUPT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * How long the measurements run.
     *
     * @param rounds        measured rounds of CPU windows, one dlock and one raw window each
     * @param window        how long one CPU window lasts
     * @param settle        how long the waiters have waited before a window starts
     * @param waiters       the numbers of waiting threads, one CPU measurement each
     * @param warmupSamples unmeasured interrupt samples of each kind
     * @param samples       measured interrupt samples of each kind
     */
    record Settings(int rounds, Duration window, Duration settle, List<Integer> waiters, int warmupSamples,
                    int samples) {
        /** The suite's default: indicative figures in about a minute and a half per database. */
        static final Settings DEFAULT = new Settings(3, Duration.ofSeconds(3), Duration.ofSeconds(1), List.of(1, 50),
                20, 200);
        /** {@code --full}: about nine minutes per database. */
        static final Settings FULL = new Settings(5, Duration.ofSeconds(15), Duration.ofSeconds(2), List.of(1, 50),
                50, 1000);

        /** @return how many results (progress lines) one database gets */
        int runs() {
            return waiters.size() + 1;
        }
    }

    private final String db;
    private final BenchDatabase database;
    private final RawStatements raw;
    private final Settings settings;
    private final Progress progress;

    private WaitingBenchmark(String db, Settings settings, Progress progress) {
        this.db = db;
        this.database = BenchDatabase.of(db);
        this.raw = database.raw();
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Runs both measurements on one database.
     *
     * @param db       {@code postgresql}, {@code mariadb}, or a JDBC URL, as JMH's {@code db} parameter
     * @param settings how long
     * @param progress where each measurement's line goes
     * @return one result per number of waiters ({@code cpu}), then the interrupt latencies ({@code interrupt})
     */
    static List<RunResult> run(String db, Settings settings, Progress progress) throws Exception {
        WaitingBenchmark benchmark = new WaitingBenchmark(db, settings, progress);
        List<RunResult> results = new ArrayList<>();
        for (int waiters : settings.waiters()) {
            results.add(benchmark.cpu(waiters));
        }
        results.add(benchmark.interrupt());
        return results;
    }

    private RunResult cpu(int waiters) throws Exception {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("db", db);
        parameters.put("waiters", Integer.toString(waiters));
        BenchmarkParams params = Measured.params(CPU, Mode.SingleShotTime, TimeUnit.SECONDS, 1, settings.rounds(),
                timeValue(settings.window()), parameters);
        progress.begin(Progress.name(params));
        List<IterationResult> rounds = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        try (Connection holderConnection = database.connect(); Connection observer = database.connect()) {
            Object databaseKey = Locks.forConnection(holderConnection, KEY).databaseKey();
            List<Long> sessions = new ArrayList<>();
            List<Locker> dlockCrew = new ArrayList<>();
            List<Locker> rawCrew = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                Connection connection = database.connect();
                connections.add(connection);
                sessions.add(raw.sessionId(connection));
                dlockCrew.add(Locker.dlock(connection, KEY));
                rawCrew.add(Locker.raw(raw.lockOn(connection, databaseKey)));
            }
            Window window = new Window(raw.lockOn(holderConnection, databaseKey), raw.waitCount(observer, sessions));
            // a round as long as the others, unrecorded: the JIT compiles what runs while threads wait
            window.waitIn(dlockCrew);
            window.waitIn(rawCrew);
            for (int round = 1; round <= settings.rounds(); round++) {
                ProcessCpu.Usage dlock = window.waitIn(dlockCrew);
                ProcessCpu.Usage floor = window.waitIn(rawCrew);
                IterationResult iteration = Measured.iteration(params);
                iteration.addResult(new Measured.Value(ResultRole.PRIMARY, "dlock", dlock.percent(), CPU_UNIT));
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, "raw", floor.percent(), CPU_UNIT));
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, "dlockTicks", dlock.ticksPercent(),
                        CPU_UNIT));
                iteration.addResult(new Measured.Value(ResultRole.SECONDARY, "rawTicks", floor.ticksPercent(),
                        CPU_UNIT));
                rounds.add(iteration);
                progress.detail(String.format(Locale.ROOT,
                        "round %d: dlock %.3f%%, raw %.3f%% of a core (process ticks: %.2f%%, %.2f%%); busiest"
                                + " threads: dlock %s; raw %s", round, dlock.percent(), floor.percent(),
                        dlock.ticksPercent(), floor.ticksPercent(), dlock.busiest(), floor.busiest()));
            }
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
        }
        progress.end();
        return Measured.run(params, rounds);
    }

    /** The holder, and the question how many of the waiters' sessions wait. */
    private final class Window {
        private final RawStatements.RawLock holder;
        private final RawStatements.WaitCount waiting;

        Window(RawStatements.RawLock holder, RawStatements.WaitCount waiting) {
            this.holder = holder;
            this.waiting = waiting;
        }

        /**
         * The holder takes the key, a thread per locker waits for it, and the process's CPU is read around a
         * window while they wait; then the holder lets go and the waiters take the key in turn.
         *
         * @param crew one locker per waiting thread, each on its own connection
         * @return the window's CPU use
         */
        ProcessCpu.Usage waitIn(List<Locker> crew) throws Exception {
            UncontendedBenchmark.check(holder.tryLock());
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            ProcessCpu.Usage usage;
            try {
                for (Locker locker : crew) {
                    Thread thread = new Thread(() -> {
                        try {
                            locker.lock();
                            locker.unlock();
                        } catch (Exception | Error e) {
                            failures.add(e);
                        }
                    }, "dlock-bench-waiter-" + threads.size());
                    thread.setDaemon(true);
                    threads.add(thread);
                    thread.start();
                }
                String all = crew.size() + " waiting " + (crew.size() == 1 ? "session" : "sessions");
                awaitServer(() -> waiting.count() == crew.size(), failures, all);
                // the measurement's own timing, not synchronisation: the server showed every waiter waiting
                parkFor(settings.settle().toNanos());
                checkWaiting(crew.size(), all, "before the window");
                ProcessCpu.Snapshot start = ProcessCpu.Snapshot.now();
                parkFor(settings.window().toNanos()); // the window: nothing but the waiters runs
                ProcessCpu.Snapshot end = ProcessCpu.Snapshot.now();
                checkWaiting(crew.size(), all, "after the window");
                usage = end.since(start);
            } finally {
                UncontendedBenchmark.check(holder.unlock());
                joinAll(threads);
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a waiter failed", failures.peek());
            }
            return usage;
        }

        private void checkWaiting(int expected, String all, String when) throws SQLException {
            int count = waiting.count();
            if (count != expected) {
                throw new IllegalStateException("the database showed " + count + " instead of " + all + " " + when);
            }
        }
    }

    private RunResult interrupt() throws Exception {
        BenchmarkParams params = Measured.params(INTERRUPT, Mode.SampleTime, TimeUnit.MILLISECONDS,
                settings.warmupSamples(), 1, TimeValue.NONE, Map.of("db", db));
        progress.begin(Progress.name(params));
        SampleBuffer dlock = new SampleBuffer();
        SampleBuffer floor = new SampleBuffer();
        try (Connection holderConnection = database.connect();
             Connection dlockConnection = database.connect();
             Connection rawConnection = database.connect();
             Connection observer = database.connect()) {
            Object databaseKey = Locks.forConnection(holderConnection, KEY).databaseKey();
            RawStatements.RawLock holder = raw.lockOn(holderConnection, databaseKey);
            RawStatements.RawLock rawLock = raw.lockOn(rawConnection, databaseKey);
            RawStatements.WaitProbe dlockWaiting = raw.waitProbe(observer, raw.sessionId(dlockConnection));
            RawStatements.WaitProbe rawWaiting = raw.waitProbe(observer, raw.sessionId(rawConnection));
            UncontendedBenchmark.check(holder.tryLock());
            for (int i = 0; i < settings.warmupSamples() + settings.samples(); i++) {
                long dlockNanos = sample(ended -> {
                    DistributedLock lock = Locks.forConnection(dlockConnection, KEY);
                    try {
                        lock.acquire();
                    } catch (LockInterruptedException e) {
                        ended.set(System.nanoTime());
                        return;
                    }
                    throw new IllegalStateException("dlock acquired a key that another connection holds");
                }, dlockWaiting::waiting, Thread::interrupt);
                long rawNanos = sample(ended -> {
                    try {
                        rawLock.lock();
                    } catch (SQLException e) {
                        ended.set(System.nanoTime());
                        return;
                    }
                    throw new IllegalStateException("the raw statement acquired a key that another connection holds");
                }, rawWaiting::waiting, waiter -> rawLock.cancel());
                if (i >= settings.warmupSamples()) {
                    dlock.add(dlockNanos);
                    floor.add(rawNanos);
                }
            }
            UncontendedBenchmark.check(holder.unlock());
        }
        IterationResult iteration = Measured.iteration(params);
        iteration.addResult(new SampleTimeResult(ResultRole.PRIMARY, "dlock", dlock, TimeUnit.MILLISECONDS));
        iteration.addResult(new SampleTimeResult(ResultRole.SECONDARY, "raw", floor, TimeUnit.MILLISECONDS));
        progress.end();
        return Measured.run(params, List.of(iteration));
    }

    /** What a waiting thread runs: it blocks, and records the instant its wait ended with the expected exception. */
    @FunctionalInterface
    private interface Wait {
        void run(AtomicLong endedAt) throws Exception;
    }

    /** How the measuring thread stops the waiter: an interrupt, or a cancel of its statement. */
    @FunctionalInterface
    private interface Stop {
        void stop(Thread waiter) throws Exception;
    }

    /** A question to the database. */
    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * One sample: a thread starts waiting; once the database shows it waiting, and a random moment later, it
     * is stopped.
     *
     * @return nanoseconds from the stop until the waiting thread's wait ended
     */
    private static long sample(Wait wait, Condition waiting, Stop stop) throws Exception {
        AtomicLong endedAt = new AtomicLong();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Thread waiter = new Thread(() -> {
            try {
                wait.run(endedAt);
            } catch (Exception | Error e) {
                failures.add(e);
            }
        }, "dlock-bench-interrupted-waiter");
        waiter.setDaemon(true);
        waiter.start();
        long stopped;
        try {
            awaitServer(waiting, failures, "the waiter waiting");
            // the workload, not synchronisation (the server showed the waiter waiting): a random moment within the
            // next 100 ms, so that the stop falls anywhere in whatever period dlock polls with
            parkFor(ThreadLocalRandom.current().nextLong(LONGEST_INTERRUPT_DELAY_NANOS + 1));
            stopped = System.nanoTime();
            stop.stop(waiter);
        } finally {
            joinAll(List.of(waiter));
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("the waiter failed", failures.peek());
        }
        return endedAt.get() - stopped;
    }

    /** Asks the database every millisecond until {@code condition} holds; fails if a waiter failed meanwhile. */
    private static void awaitServer(Condition condition, Queue<Throwable> failures, String what) throws Exception {
        long deadline = System.nanoTime() + SANITY_NANOS;
        while (!condition.holds()) {
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a waiter failed before the database showed " + what,
                        failures.peek());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("the database never showed " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static TimeValue timeValue(Duration d) {
        return d.toMillis() % 1000 == 0 ? TimeValue.seconds(d.toSeconds()) : TimeValue.milliseconds(d.toMillis());
    }

    /** Parks the calling thread for {@code nanos}, however often it wakes early; also for {@link LossBenchmark}. */
    static void parkFor(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + SANITY_NANOS;
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        List<String> stuck = threads.stream().filter(Thread::isAlive).map(Thread::getName).collect(Collectors.toList());
        if (!stuck.isEmpty()) {
            throw new IllegalStateException("still waiting after " + TimeUnit.NANOSECONDS.toSeconds(SANITY_NANOS)
                    + " s: " + stuck);
        }
    }
}
