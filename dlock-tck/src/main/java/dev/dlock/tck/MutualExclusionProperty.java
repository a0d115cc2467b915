package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Mutual exclusion under load, as a jqwik property. Each try runs a random schedule: 1 to 8 workers, each on a
 * connection of its own, over 1 to 4 keys, each worker taking one lock at a time (so no deadlock is possible)
 * (up to {@value #MAX_STEPS} locks each) with {@code acquire()}, {@code acquire(d)}, {@code tryAcquire()} or
 * {@code tryAcquire(d)} (d of 0 to 20 ms), in exclusive and, where the dialect has it, shared mode, holding it for a
 * random time (none for half of the steps, up to {@value #MAX_HOLD_MICROS} µs for the others, so overlaps outside
 * the two statements of the critical section have a window to show in), and releasing it.
 *
 * <p>What it proves, at every grant and every release, through a ledger kept outside the database (a grant is
 * entered after the call returns, a release is struck before the call is made, so the ledger's holding times lie
 * inside the real ones and any overlap it sees is a real one):
 * <ul>
 *   <li>at most one exclusive holder per key, and never a shared holder beside an exclusive one;</li>
 *   <li>every grant is matched by exactly one release, by the worker that was granted it;</li>
 *   <li>a counter incremented by read-modify-write (a SELECT, then an UPDATE, as separate statements) inside the
 *       exclusive locks ends equal to the number of exclusive grants: no update was lost to an overlap;</li>
 *   <li>the counter does not move while a shared lock is held;</li>
 *   <li>after each try the server shows no lock held and nobody waiting on any of its keys.</li>
 * </ul>
 * Shrinking is on, so a failure is reported as a small schedule. The run checks at least {@value #MIN_GRANTS}
 * grants by construction: tries go on until that many grants were checked (the ones after it are skipped as
 * assumptions, which costs only their generation), so the floor does not depend on the machine's speed. The
 * property asserts the floor was reached and prints the counts. A dialect runs it twice: with each worker locking
 * on its own connection, and {@link #throughSharedSessions()}, with every worker's locks sharing pooled
 * connections, two held locks on each. {@code MutualExclusionNegativeControlTest} runs the same schedules through a
 * dialect that grants everything and expects this property to report the overlap.
 */
@AddLifecycleHook(MutualExclusionProperty.SkipWhereTheDatabaseIsMissing.class)
public abstract class MutualExclusionProperty {
    /** The least number of grants one run of the property must check. */
    public static final int MIN_GRANTS = 10_000;
    private static final int MAX_WORKERS = 8;
    private static final int MAX_KEYS = 4;
    private static final int MAX_STEPS = 50;
    private static final int MAX_HOLD_MICROS = 2_000;
    /** Few, so that a schedule's locks spread over several shared sessions. */
    private static final int SHARED_LOCKS_PER_SESSION = 2;

    /** Numbers the schedules of every subclass in the JVM, so their counter rows never collide. */
    private static final AtomicInteger SCHEDULES = new AtomicInteger();
    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final AtomicInteger NOT_GRANTED = new AtomicInteger();
    private static final AtomicInteger SHARED_GRANTS = new AtomicInteger();
    private static final AtomicInteger FAILED_TRIES = new AtomicInteger();
    private static ReliabilityTally tally;
    private static List<Connection> workers = List.of();
    private static Connection observer;
    /** The pool and its locks when workers lock {@link #throughSharedSessions()}; {@code null} otherwise. */
    private static HikariDataSource pool;
    private static DataSourceLocks pooledLocks;
    private static ExecutorService threads;

    /** @return the dialect under test */
    protected abstract DialectUnderTest dialect();

    /** Skips the property, with the reason, where {@link DialectUnderTest#unavailable()} says the database is missing. */
    public static final class SkipWhereTheDatabaseIsMissing implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            Optional<String> unavailable = context.optionalContainerClass()
                    .filter(MutualExclusionProperty.class::isAssignableFrom)
                    .flatMap(type -> ((MutualExclusionProperty) context.newInstance(type)).dialect().unavailable());
            return unavailable.map(SkipResult::skip).orElse(SkipResult.doNotSkip());
        }
    }

    /** How a worker asks for a lock. */
    enum Call { ACQUIRE, ACQUIRE_WITHIN, TRY_ACQUIRE, TRY_ACQUIRE_WITHIN }

    /**
     * One lock a worker takes and gives back.
     *
     * @param call       how it asks
     * @param mode       the lock mode
     * @param key        which of the schedule's keys
     * @param millis     the timeout of the timed calls
     * @param holdMicros how long the worker keeps the lock after its critical section, before releasing it
     */
    record Step(Call call, LockMode mode, int key, int millis, int holdMicros) {
        @Override
        public String toString() {
            return call + "(" + (call == Call.ACQUIRE_WITHIN || call == Call.TRY_ACQUIRE_WITHIN ? millis + "ms " : "")
                    + mode + " k" + key + (holdMicros > 0 ? " hold " + holdMicros + "us" : "") + ")";
        }
    }

    /**
     * A schedule: the steps of each worker.
     *
     * @param keys    how many keys
     * @param workers each worker's steps
     */
    record Schedule(int keys, List<List<Step>> workers) {
    }

    @BeforeProperty
    void openWorkers() throws SQLException {
        tally = new ReliabilityTally(dialect().name() + " MutualExclusionProperty"
                + (throughSharedSessions() ? " through shared sessions" : ""));
        TRIES.set(0);
        NOT_GRANTED.set(0);
        SHARED_GRANTS.set(0);
        FAILED_TRIES.set(0);
        threads = Executors.newFixedThreadPool(MAX_WORKERS, r -> {
            Thread thread = new Thread(r, "dlock-mutual-exclusion-worker");
            thread.setDaemon(true);
            return thread;
        });
        observer = dialect().database().connect();
        try (Statement ddl = observer.createStatement()) {
            ddl.execute(dialect().createTableIfMissing("dlock_counter",
                    "run VARCHAR(40) NOT NULL, k INT NOT NULL, n INT NOT NULL, PRIMARY KEY (run, k)"));
        }
        workers = connectWorkers();
        if (throughSharedSessions()) {
            HikariConfig config = new HikariConfig();
            config.setDataSource(new TestDataSource(dialect().database()));
            config.setMaximumPoolSize(MAX_WORKERS + 1); // a connection per waiting worker, and a shared one
            config.setPoolName("dlock-mutual-exclusion");
            pool = new HikariDataSource(config);
            pooledLocks = Locks.forDataSource(pool, SHARED_LOCKS_PER_SESSION);
        }
    }

    /**
     * @return whether workers lock through {@link Locks#forDataSource} (held locks sharing pooled connections, a few
     *         on each) instead of each on its own connection; the counter stays on each worker's own connection
     */
    protected boolean throughSharedSessions() {
        return false;
    }

    private List<Connection> connectWorkers() throws SQLException {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < MAX_WORKERS; i++) {
            connections.add(dialect().database().connect());
        }
        return connections;
    }

    @AfterProperty
    void closeWorkersAndReport() throws SQLException {
        closeWorkers();
        tally.print();
        tally.print(TRIES.get() + " schedules, " + SHARED_GRANTS.get() + " of the grants shared, "
                + NOT_GRANTED.get() + " requests answered 'not acquired' (busy or timed out)");
        if (FAILED_TRIES.get() > 0) {
            return; // the failing schedule is the report; a count would only hide it
        }
        assertThat(tally.grantsChecked()).as("grants checked in this run").isGreaterThanOrEqualTo(MIN_GRANTS);
    }

    void closeWorkers() throws SQLException {
        if (pool != null) {
            pool.close();
            pool = null;
            pooledLocks = null;
        }
        threads.shutdownNow();
        for (Connection connection : workers) {
            connection.close();
        }
        observer.close();
    }

    @Provide
    Arbitrary<Schedule> schedules() {
        Set<LockMode> modes = EnumSet.of(LockMode.EXCLUSIVE);
        if (dialect().supportedModes().contains(LockMode.SHARED)) {
            modes.add(LockMode.SHARED);
        }
        return Arbitraries.integers().between(1, MAX_KEYS).flatMap(keys -> {
            Arbitrary<Step> step = Combinators.combine(
                    Arbitraries.of(Call.class),
                    Arbitraries.of(modes),
                    Arbitraries.integers().between(0, keys - 1),
                    Arbitraries.integers().between(0, 20),
                    Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)),
                            Tuple.of(1, Arbitraries.integers().between(1, MAX_HOLD_MICROS)))).as(Step::new);
            // uniform sizes: jqwik's default leans to short lists, and long schedules are where overlaps happen
            return step.list().ofMinSize(1).ofMaxSize(MAX_STEPS).withSizeDistribution(RandomDistribution.uniform())
                    .list().ofMinSize(1).ofMaxSize(MAX_WORKERS).withSizeDistribution(RandomDistribution.uniform())
                    .map(steps -> new Schedule(keys, steps));
        });
    }

    /*
     * tries is a cap no working run reaches (a schedule checks about 30 grants on average, so the floor takes a few
     * hundred); the discard ratio allows the skipped tries after the floor.
     */
    @Property(tries = 5_000, maxDiscardRatio = 100, shrinking = ShrinkingMode.BOUNDED)
    void noTwoHoldersEverAndTheCounterMatchesTheExclusiveGrants(@ForAll("schedules") Schedule schedule)
            throws Exception {
        // enough grants checked: skip, unless a try failed and jqwik is shrinking it
        Assume.that(tally.grantsChecked() < MIN_GRANTS || FAILED_TRIES.get() > 0);
        try {
            runSchedule(schedule);
        } catch (Exception | AssertionError e) {
            FAILED_TRIES.incrementAndGet();
            throw e;
        }
    }

    void runSchedule(Schedule schedule) throws Exception {
        TRIES.incrementAndGet();
        String run = DialectFixture.uniqueKey() + "-" + SCHEDULES.incrementAndGet();
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < schedule.keys(); k++) {
            keys.add("mutex-" + run + "-" + k);
            try (PreparedStatement insert = observer.prepareStatement(
                    "INSERT INTO dlock_counter (run, k, n) VALUES (?, ?, 0)")) {
                insert.setString(1, run);
                insert.setInt(2, k);
                insert.executeUpdate();
            }
        }
        Ledger ledger = new Ledger(schedule.keys());
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < schedule.workers().size(); w++) {
            Worker worker = new Worker(w, workers.get(w), schedule.workers().get(w), keys, run, ledger, start);
            running.add(threads.submit(() -> {
                worker.run();
                return null;
            }));
        }
        start.countDown();
        boolean finished = false;
        try {
            for (Future<?> future : running) {
                future.get(DialectFixture.SANITY.toSeconds(), TimeUnit.SECONDS);
            }
            finished = true;
        } catch (TimeoutException hang) {
            throw new AssertionError("a worker did not finish within " + DialectFixture.SANITY + ": " + schedule, hang);
        } finally {
            tally.grants(ledger.grants());
            tally.violations(ledger.violations().size());
            if (!finished) {
                // a failed worker may have left a session waiting or holding: start the next try from fresh sessions
                running.forEach(f -> f.cancel(true));
                for (Connection connection : workers) {
                    connection.close();
                }
                workers = connectWorkers();
            }
        }
        assertThat(ledger.violations()).as("ledger violations").isEmpty();
        assertThat(ledger.holders()).as("holders left in the ledger").isZero();
        for (int k = 0; k < schedule.keys(); k++) {
            assertThat(ledger.releases(k)).as("releases of k" + k).isEqualTo(ledger.grants(k));
            assertThat(counter(run, k)).as("counter of k" + k + " after " + ledger.exclusiveGrants(k)
                    + " exclusive grants").isEqualTo(ledger.exclusiveGrants(k));
            String key = keys.get(k);
            Object databaseKey = Locks.forConnection(observer, key).databaseKey();
            assertThat(dialect().isLockedOnServer(observer, databaseKey)).as(key + " held after the schedule").isFalse();
            assertThat(dialect().waitersOnServer(observer, databaseKey)).as(key + " waiters after the schedule").isZero();
        }
    }

    private static int counter(String run, int k) throws SQLException {
        return readCounter(observer, run, k);
    }

    private static int readCounter(Connection connection, String run, int k) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT n FROM dlock_counter WHERE run = ? AND k = ?")) {
            select.setString(1, run);
            select.setInt(2, k);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** One worker: its connection, its steps, one lock at a time. */
    private static final class Worker {
        private final int id;
        private final Connection connection;
        private final List<Step> steps;
        private final List<String> keys;
        private final String run;
        private final Ledger ledger;
        private final CountDownLatch start;

        Worker(int id, Connection connection, List<Step> steps, List<String> keys, String run, Ledger ledger,
               CountDownLatch start) {
            this.id = id;
            this.connection = connection;
            this.steps = steps;
            this.keys = keys;
            this.run = run;
            this.ledger = ledger;
            this.start = start;
        }

        void run() throws Exception {
            start.await();
            for (Step step : steps) {
                LockOptions options = LockOptions.builder().mode(step.mode()).build();
                DistributedLock lock = pooledLocks != null ? pooledLocks.lock(keys.get(step.key()), options)
                        : Locks.forConnection(connection, keys.get(step.key()), options);
                try {
                    if (!request(lock, step)) {
                        NOT_GRANTED.incrementAndGet();
                        continue;
                    }
                    ledger.granted(id, step.key(), step.mode());
                    if (step.mode() == LockMode.EXCLUSIVE) {
                        increment(step.key());
                    } else {
                        SHARED_GRANTS.incrementAndGet();
                        int before = readCounter(connection, run, step.key());
                        int after = readCounter(connection, run, step.key());
                        if (before != after) {
                            ledger.violation("k" + step.key() + ": the counter moved from " + before + " to " + after
                                    + " while worker " + id + " held it shared");
                        }
                    }
                    if (step.holdMicros() > 0) {
                        // work inside the lock: a window in which an overlapping holder would be seen
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(step.holdMicros()));
                    }
                    ledger.releasing(id, step.key(), step.mode());
                    lock.release();
                } finally {
                    if (lock.isLocked()) {
                        lock.close();
                    }
                }
            }
        }

        private static boolean request(DistributedLock lock, Step step) {
            Duration timeout = Duration.ofMillis(step.millis());
            switch (step.call()) {
                case ACQUIRE:
                    lock.acquire();
                    return true;
                case ACQUIRE_WITHIN:
                    try {
                        lock.acquire(timeout);
                        return true;
                    } catch (LockTimeoutException timedOut) {
                        return false;
                    }
                case TRY_ACQUIRE:
                    return lock.tryAcquire();
                default:
                    return lock.tryAcquire(timeout);
            }
        }

        /** Read, then write, in two statements: an overlapping holder would lose an increment. */
        private void increment(int k) throws SQLException {
            int n = readCounter(connection, run, k);
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE dlock_counter SET n = ? WHERE run = ? AND k = ?")) {
                update.setInt(1, n + 1);
                update.setString(2, run);
                update.setInt(3, k);
                update.executeUpdate();
            }
        }
    }

    /** Who holds what, as the workers report it; checked at every grant and release. */
    private static final class Ledger {
        private final int[] exclusiveHolder;
        private final List<Set<Integer>> sharedHolders = new ArrayList<>();
        private final int[] grants;
        private final int[] exclusiveGrants;
        private final int[] releases;
        private final List<String> violations = new ArrayList<>();

        Ledger(int keys) {
            exclusiveHolder = new int[keys];
            java.util.Arrays.fill(exclusiveHolder, -1);
            for (int k = 0; k < keys; k++) {
                sharedHolders.add(new HashSet<>());
            }
            grants = new int[keys];
            exclusiveGrants = new int[keys];
            releases = new int[keys];
        }

        synchronized void granted(int worker, int k, LockMode mode) {
            grants[k]++;
            if (exclusiveHolder[k] >= 0) {
                violations.add("k" + k + ": worker " + worker + " granted " + mode + " while worker "
                        + exclusiveHolder[k] + " holds it exclusive");
            }
            if (mode == LockMode.EXCLUSIVE) {
                exclusiveGrants[k]++;
                if (!sharedHolders.get(k).isEmpty()) {
                    violations.add("k" + k + ": worker " + worker + " granted EXCLUSIVE while workers "
                            + sharedHolders.get(k) + " hold it shared");
                }
                exclusiveHolder[k] = worker;
            } else {
                sharedHolders.get(k).add(worker);
            }
        }

        synchronized void releasing(int worker, int k, LockMode mode) {
            releases[k]++;
            boolean matched = mode == LockMode.EXCLUSIVE ? exclusiveHolder[k] == worker : sharedHolders.get(k).remove(worker);
            if (!matched) {
                violations.add("k" + k + ": worker " + worker + " released " + mode + " without a matching grant");
            } else if (mode == LockMode.EXCLUSIVE) {
                exclusiveHolder[k] = -1;
            }
        }

        synchronized void violation(String what) {
            violations.add(what);
        }

        synchronized List<String> violations() {
            return List.copyOf(violations);
        }

        synchronized int holders() {
            int holders = 0;
            for (int k = 0; k < grants.length; k++) {
                holders += (exclusiveHolder[k] >= 0 ? 1 : 0) + sharedHolders.get(k).size();
            }
            return holders;
        }

        synchronized int grants() {
            int total = 0;
            for (int g : grants) {
                total += g;
            }
            return total;
        }

        synchronized int grants(int k) {
            return grants[k];
        }

        synchronized int exclusiveGrants(int k) {
            return exclusiveGrants[k];
        }

        synchronized int releases(int k) {
            return releases[k];
        }
    }
}
