package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.LockLostException;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.WatchOptions;
import dev.dlock.tck.FreezingProxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * Loss on a silent link ({@code LossBenchmark.freeze}): the time from a freeze of a watched holder's link until
 * the watch's loss callback runs, beside the loss bound the watch was given ({@link WatchOptions#lossBound()},
 * cadence + bound). Measured by the suite itself, not by JMH (the suite's part {@code loss}).
 *
 * <p>Each sample: a new connection, through a {@link FreezingProxy} in this JVM, takes a key of its own and is
 * watched with {@code WatchOptions.every(cadence).confirmWithin(bound)}. The watch's first check starts at once;
 * once the server shows it answered, and a random moment within the next cadence later, the proxy stops
 * forwarding both ways and closes nothing: what a cut link, a dead NAT entry or a stalled middlebox looks like
 * to both ends, with the server's session alive. The figure runs from the freeze until the listener, on dlock's
 * pool thread, has read the clock. The freeze lands at a random point of the cadence, so the figures spread
 * between the bound (the next check starts just after the freeze) and cadence + bound (one has just confirmed the
 * lock), plus the hand-over to the listener's thread: p50 near cadence / 2 + bound. Every loss must be declared {@link Reason#UNCONFIRMED}, else the run fails;
 * a watch that declares the loss before the freeze (a check slower than its bound on a live link) is counted,
 * and the sample taken again. Then the proxy closes, which ends the server's session and the lock with it, and
 * the connection is aborted.
 *
 * <p>Not a JMH benchmark: each sample needs a fresh watched connection and a random delay outside the measured
 * time, and lasts a cadence or two, with a fixed number of samples. The figures become JMH results all the same
 * ({@link Measured}), so they land in {@code results.json} and in the report beside the others.
 */
final class LossBenchmark {
    private static final String KEY = "dlock-bench:loss:";
    private static final String FREEZE = LossBenchmark.class.getName() + ".freeze";
    /** The label of the count of losses declared before the freeze, a secondary result. */
    static final String LOST_UNFROZEN = "lostUnfrozen";
    private static final long SANITY_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * The watch, and how many samples.
     *
     * @param cadence       how often the watch's check starts
     * @param bound         how long a check may take to confirm the lock
     * @param warmupSamples unmeasured samples
     * @param samples       measured samples
     */
    record Settings(Duration cadence, Duration bound, int warmupSamples, int samples) {
        /** The suite's default: indicative figures in about seven seconds per database. */
        static final Settings DEFAULT = new Settings(Duration.ofMillis(100), Duration.ofMillis(50), 2, 40);
        /** {@code --full}: about 35 seconds per database. */
        static final Settings FULL = new Settings(Duration.ofMillis(100), Duration.ofMillis(50), 10, 200);

        /** @return the watch's options */
        WatchOptions options() {
            return WatchOptions.every(cadence).confirmWithin(bound);
        }
    }

    private final String db;
    private final BenchDatabase database;
    private final RawStatements raw;
    private final Settings settings;
    private final Progress progress;

    private LossBenchmark(String db, Settings settings, Progress progress) {
        this.db = db;
        this.database = BenchDatabase.of(db);
        this.raw = database.raw();
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Runs the measurement on one database.
     *
     * @param db       {@code postgresql}, {@code mariadb}, or a JDBC URL, as JMH's {@code db} parameter; a server
     *                 reached over TCP, which the proxy can stand in front of
     * @param settings the watch and how many samples
     * @param progress where the measurement's line goes
     * @return the figures: the times in milliseconds, and the count of losses declared before the freeze
     */
    static RunResult run(String db, Settings settings, Progress progress) throws Exception {
        return new LossBenchmark(db, settings, progress).freeze();
    }

    private RunResult freeze() throws Exception {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("db", db);
        // named so that they sort, and read, after db: db=postgresql every=100ms within=50ms
        parameters.put("every", settings.cadence().toMillis() + "ms");
        parameters.put("within", settings.bound().toMillis() + "ms");
        BenchmarkParams params = Measured.params(FREEZE, Mode.SampleTime, TimeUnit.MILLISECONDS,
                settings.warmupSamples(), 1, TimeValue.NONE, parameters);
        progress.begin(Progress.name(params));
        SampleBuffer figures = new SampleBuffer();
        int lostUnfrozen = 0;
        InetSocketAddress server = database.tcpAddress();
        try (Connection observer = database.connect()) {
            RawStatements.LastFinished lastFinished = raw.lastFinished(observer);
            int taken = 0;
            while (taken < settings.warmupSamples() + settings.samples()) {
                OptionalLong nanos = sample(server, lastFinished);
                if (nanos.isEmpty()) {
                    lostUnfrozen++;
                    progress.detail("the watch declared the loss before the freeze; the sample is taken again");
                    if (lostUnfrozen > settings.samples()) {
                        throw new IllegalStateException(lostUnfrozen + " watches declared the loss before the"
                                + " freeze: a check on a live link takes longer than " + settings.bound().toMillis()
                                + " ms here");
                    }
                    continue;
                }
                taken++;
                boolean warmup = taken <= settings.warmupSamples();
                progress.detail(String.format(Locale.ROOT, "%s %d: freeze to loss callback %.1f ms",
                        warmup ? "warm-up sample" : "sample", warmup ? taken : taken - settings.warmupSamples(),
                        nanos.getAsLong() / 1e6));
                if (!warmup) {
                    figures.add(nanos.getAsLong());
                }
            }
        }
        IterationResult iteration = Measured.iteration(params);
        iteration.addResult(new SampleTimeResult(ResultRole.PRIMARY, "dlock", figures, TimeUnit.MILLISECONDS));
        iteration.addResult(new Measured.Value(ResultRole.SECONDARY, LOST_UNFROZEN, lostUnfrozen, "losses"));
        progress.end();
        return Measured.run(params, List.of(iteration));
    }

    /**
     * One sample, on a connection and a proxy of its own.
     *
     * @return nanoseconds from the freeze until the loss callback; empty if the watch declared the loss before
     *     the freeze
     */
    private OptionalLong sample(InetSocketAddress server, RawStatements.LastFinished lastFinished)
            throws Exception {
        FreezingProxy proxy = FreezingProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), server);
        Connection holding = null;
        try {
            holding = database.connectAt(proxy.address());
            long session = raw.sessionId(holding);
            DistributedLock lock = Locks.forConnection(holding, KEY + UUID.randomUUID()).acquire();
            String acquired = awaitFinished(lastFinished, session, null, null);
            CompletableFuture<Long> toldAt = new CompletableFuture<>();
            LockWatch watch = lock.watch(settings.options(), lost -> toldAt.complete(System.nanoTime()));
            // nothing else runs on the connection: the next statement it finishes is the watch's first check
            if (awaitFinished(lastFinished, session, acquired, watch) == null) {
                return OptionalLong.empty();
            }
            // the workload, not synchronisation (the server showed the check answered): a random moment of the
            // cadence, so that the freeze falls anywhere between two checks
            WaitingBenchmark.parkFor(ThreadLocalRandom.current().nextLong(settings.cadence().toNanos()));
            if (watch.loss().isPresent()) {
                return OptionalLong.empty();
            }
            long frozenAt = System.nanoTime();
            proxy.freeze();
            if (watch.loss().isPresent()) {
                return OptionalLong.empty(); // declared as the freeze began: not for want of an answer since
            }
            long told;
            try {
                told = toldAt.get(SANITY_NANOS, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("no loss callback " + TimeUnit.NANOSECONDS.toSeconds(SANITY_NANOS)
                        + " s after the freeze, with a loss bound of " + settings.options().lossBound().toMillis()
                        + " ms", e);
            }
            Optional<LockLostException> loss = watch.loss();
            if (loss.isEmpty() || loss.get().reason() != Reason.UNCONFIRMED) {
                throw new IllegalStateException("a frozen link's loss was declared " + loss.map(l -> l.reason()
                        + ": " + l.getMessage()).orElse("without a reason") + ", not " + Reason.UNCONFIRMED);
            }
            return OptionalLong.of(told - frozenAt);
        } finally {
            // the proxy first: its closed sockets end any read stuck on the frozen link, and the server's session
            proxy.close();
            if (holding != null) {
                FreezingProxy.abortInBackground(holding);
            }
        }
    }

    /**
     * Asks the server every millisecond until the session has finished a statement other than {@code previous}
     * and runs none.
     *
     * @param previous the mark of a statement finished before, or {@code null}
     * @param watch    a watch whose loss ends the wait, or {@code null}
     * @return the mark of the statement finished; {@code null} if the watch declared the loss meanwhile
     */
    private static String awaitFinished(RawStatements.LastFinished lastFinished, long session, String previous,
                                        LockWatch watch) throws Exception {
        long deadline = System.nanoTime() + SANITY_NANOS;
        while (true) {
            String mark = lastFinished.mark(session);
            if (mark != null && !mark.equals(previous)) {
                return mark;
            }
            if (watch != null && watch.loss().isPresent()) {
                return null;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("the server never showed session " + session + " idle after "
                        + (previous == null ? "its statements" : "a statement after " + previous));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
