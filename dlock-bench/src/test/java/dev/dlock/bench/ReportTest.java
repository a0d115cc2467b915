package dev.dlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@link Report}'s ratios and its met / missed verdicts, over fabricated results with figures chosen so that the
 * arithmetic is exact: a figure exactly at its target is met, one just past it is missed, by the right amount.
 * Each table is checked by its Markdown rows, as RESULTS.md shows them.
 */
class ReportTest {
    private static final String DB = BenchDatabase.POSTGRESQL;

    @Test
    void aShortfallIsPrintedWithTheFiguresDecimalsAndNeverAsZero() {
        assertEquals("met", Report.target(0, 2, ""));
        assertEquals("met", Report.target(-0.5, 2, ""));
        assertEquals("missed by 0.01", Report.target(0.01, 2, ""));
        assertEquals("missed by 0.26 ms", Report.target(0.256, 2, " ms"));
        assertEquals("missed by less than 0.01", Report.target(0.001, 2, ""));
        assertEquals("missed by less than 1 µs", Report.target(0.4, 0, " µs"));
        assertEquals("missed by 3 µs", Report.target(2.6, 0, " µs"));
    }

    @Test
    void uncontendedRatioAtTheTargetIsMetAndJustAboveIsMissed() {
        // µs per pair: dlock try at exactly 1.05 × raw try; dlock blocking at 1.06 × raw blocking
        RunResult turns = run("UncontendedBenchmark.turns", Map.of(), List.of(List.of(
                value(ResultRole.PRIMARY, "turn", 500),
                value(ResultRole.SECONDARY, "selectOneTwice", 80),
                value(ResultRole.SECONDARY, "rawTryLockUnlock", 100),
                value(ResultRole.SECONDARY, "dlockTryAcquireRelease", 105),
                value(ResultRole.SECONDARY, "rawLockUnlock", 100),
                value(ResultRole.SECONDARY, "dlockAcquireRelease", 106))));

        String table = markdown(List.of(turns));

        assertRow(table, "| PostgreSQL | raw try-lock + unlock | 100 | 100 | 1.25 × floor |  |");
        assertRow(table, "| PostgreSQL | dlock tryAcquire() + release() | 105 | 105 | 1.05 × raw try | met |");
        assertRow(table, "| PostgreSQL | dlock acquire() + release() | 106 | 106 | 1.06 × raw blocking | missed by 0.01 |");
    }

    @Test
    void uncontendedRatioAThousandthAboveTheTargetIsMissedThoughItPrintsAsTheTarget() {
        RunResult turns = run("UncontendedBenchmark.turns", Map.of(), List.of(List.of(
                value(ResultRole.PRIMARY, "turn", 5000),
                value(ResultRole.SECONDARY, "rawLockUnlock", 1000),
                value(ResultRole.SECONDARY, "dlockAcquireRelease", 1051))));

        assertRow(markdown(List.of(turns)),
                "| PostgreSQL | dlock acquire() + release() | 1051 | 1051 | 1.05 × raw blocking | missed by less than 0.01 |");
    }

    @Test
    void timeoutOvershootP99AtTheTargetIsMetAndAboveIsMissed() {
        // 99 samples or fewer: p99 is the maximum; p50 the median of the forks' medians
        RunResult atTarget = run("TimeoutBenchmark.dlockTryAcquireTimeout", Map.of("timeoutMs", "50"), List.of(
                List.of(value(ResultRole.PRIMARY, "dlockTryAcquireTimeout", 51), overshoots(1, 2, 3, 10)),
                List.of(value(ResultRole.PRIMARY, "dlockTryAcquireTimeout", 51), overshoots(2, 3, 4))));
        RunResult over = run("TimeoutBenchmark.dlockTryAcquireTimeout", Map.of("timeoutMs", "200"), List.of(
                List.of(value(ResultRole.PRIMARY, "dlockTryAcquireTimeout", 201), overshoots(0.5, 10.25, -0.125))));
        RunResult raw = run("TimeoutBenchmark.rawLockTimeout", Map.of("timeoutMs", "200"), List.of(
                List.of(value(ResultRole.PRIMARY, "rawLockTimeout", 250), overshoots(50, 60))));

        String table = markdown(List.of(atTarget, over, raw));

        assertRow(table, "| PostgreSQL | 50 ms | dlock tryAcquire(d) | 7 | 2.75 | 10.00 | 10.00 | met |");
        assertRow(table, "| PostgreSQL | 200 ms | dlock tryAcquire(d) | 3 | 0.50 | 10.25 | 10.25 | missed by 0.25 ms |");
        assertRow(table, "| PostgreSQL | 200 ms | raw bounded wait | 2 | 55.00 | 60.00 | 60.00 |  |");
    }

    @Test
    void handoffAtOneMillisecondOverRawIsMetAndOneMicrosecondMoreIsMissed() {
        RunResult raw = run("HandoffBenchmark.rawHandoff", Map.of(), List.of(
                List.of(value(ResultRole.PRIMARY, "rawHandoff", 100))));
        RunResult dlock = run("HandoffBenchmark.dlockHandoff", Map.of(), List.of(
                List.of(value(ResultRole.PRIMARY, "dlockHandoff", 1100))));
        RunResult slower = run("HandoffBenchmark.dlockHandoff", Map.of(), List.of(
                List.of(value(ResultRole.PRIMARY, "dlockHandoff", 1101))));

        assertRow(markdown(List.of(raw, dlock)), "| PostgreSQL | dlock release() → acquire() | 1100 | 1100 | +1000 | met |");
        assertRow(markdown(List.of(raw, slower)),
                "| PostgreSQL | dlock release() → acquire() | 1101 | 1101 | +1001 | missed by 1 µs |");
    }

    @Test
    void contentionRatioIsTheMedianOfTheForksRatiosListedBesideIt() {
        // per fork, acquisitions over 1 s of rounds: dlock / raw = 0.95, 0.90, 0.80; the median is 0.90: met
        RunResult dlock = contention("dlock", new long[][] {{950, 1000}, {900, 1000}, {960, 1200}});
        // the control: a second raw crew, 1.02, 0.98, 1.00; no target
        RunResult control = contention("raw", new long[][] {{1020, 1000}, {980, 1000}, {1000, 1000}});

        String table = markdown(List.of(dlock, control));

        // rates: the medians of the forks' rates (raw 1000, 1000, 1200; dlock 950, 900, 960)
        assertRow(table, "| PostgreSQL | one key | 2 | dlock | 1000 | 950 | 0.90 | 0.95 0.90 0.80 | 0.50 | 0.50 | met |");
        assertRow(table, "| PostgreSQL | one key | 2 | raw (control) | 1000 | 1000 | 1.00 | 1.02 0.98 1.00 | 0.50 | 0.50 |  |");
    }

    @Test
    void contentionRatioJustBelowTheTargetIsMissed() {
        RunResult missed = contention("dlock", new long[][] {{899, 1000}});
        RunResult missedMore = contention("dlock", new long[][] {{880, 1000}});

        assertTrue(markdown(List.of(missed)).contains("| 0.90 | 0.90 | 0.50 | 0.50 | missed by less than 0.01 |"),
                () -> markdown(List.of(missed)));
        assertTrue(markdown(List.of(missedMore)).contains("| 0.88 | 0.88 | 0.50 | 0.50 | missed by 0.02 |"),
                () -> markdown(List.of(missedMore)));
    }

    @Test
    void waitingCpuIsMetAtTwiceRawOrUnderTheFloorOfAThirdOfAPercent() {
        // % of a core per round; medians: raw 0.25, dlock 0.5 = 2 × raw exactly
        RunResult twice = cpu("1", new double[] {0.25, 0.25, 0.5}, new double[] {0.5, 0.5, 0.25});
        // dlock 0.29 = 2.9 × raw, but under 0.3% of a core
        RunResult small = cpu("50", new double[] {0.1, 0.1, 0.1}, new double[] {0.29, 0.29, 0.29});
        RunResult missed = cpu("1", new double[] {0.25}, new double[] {0.625});

        String table = markdown(List.of(twice, small));
        assertRow(table, "| PostgreSQL | 1 | 0.25 | 0.50 | 2.00 | 0.25 0.25 0.50 | 0.50 0.50 0.25 | met |");
        assertRow(table, "| PostgreSQL | 50 | 0.10 | 0.29 | 2.90 | 0.10 0.10 0.10 | 0.29 0.29 0.29 | met |");
        // past both: by the nearer of the two, 0.625 − 2 × 0.25
        assertRow(markdown(List.of(missed)),
                "| PostgreSQL | 1 | 0.25 | 0.63 | 2.50 | 0.25 | 0.63 | missed by 0.13% of a core |");
    }

    @Test
    void interruptP99AtFiftyMillisecondsIsMetAndAboveIsMissed() {
        RunResult atTarget = interrupts(50);
        RunResult over = interrupts(50.5);

        assertTrue(markdown(List.of(atTarget)).contains("| 50.00 | 50.00 | met |"), () -> markdown(List.of(atTarget)));
        assertTrue(markdown(List.of(over)).contains("| 50.50 | 50.50 | missed by 0.50 ms |"), () -> markdown(List.of(over)));
    }

    @Test
    void heldLocksAreComparedWithNoneAndTheDoublingIsPlacedBetweenTwoMeasuredNumbers() {
        // µs per pair at N = 0, 1000, 5000: raw 100, 150, 250 (doubles between 1000 and 5000); SELECT 1 twice
        // 80, 80, 120 (never doubles)
        List<RunResult> runs = List.of(scale("0", 80, 100), scale("1000", 80, 150), scale("5000", 120, 250));

        String table = markdown(runs);

        assertRow(table, "| PostgreSQL | 0 | raw try-lock + unlock | 100 | 100 | 1.00 |");
        assertRow(table, "| PostgreSQL | 5000 | raw try-lock + unlock | 250 | 250 | 2.50 |");
        assertRow(table, "| PostgreSQL | 5000 | SELECT 1 twice | 120 | 120 | 1.50 |");
        assertRow(table, "PostgreSQL, raw try-lock + unlock: doubles between N = 1000 (1.50 ×) and N = 5000 (2.50 ×).");
        assertRow(table, "PostgreSQL, SELECT 1 twice: below double up to N = 5000 (1.50 ×).");
    }

    @Test
    void heldLocksOnAtMostOneConnectionPerThousandAreMetAndOneMoreIsMissed() {
        assertEquals("at most 10: met", Report.connectionsVerdict(10_000, 10, 1000));
        assertEquals("at most 10: met", Report.connectionsVerdict(10_000, 9, 1000));
        assertEquals("at most 11: met", Report.connectionsVerdict(10_001, 11, 1000));
        assertEquals("at most 10: missed by 1 connection", Report.connectionsVerdict(10_000, 11, 1000));
        assertEquals("at most 1: missed by 15 connections", Report.connectionsVerdict(50, 16, 1000));
    }

    @Test
    void heldAtOnceShowsBothFactoriesOnePoolAndTheVerdict() {
        RunResult held = run("PooledScale.heldAtOnce", Map.of("locks", "10000", "pool", "16"), List.of(List.of(
                value(ResultRole.PRIMARY, "dlock", 250),
                value(ResultRole.SECONDARY, PooledScale.CONNECTIONS, 11),
                value(ResultRole.SECONDARY, PooledScale.BYTES_PER_LOCK, 388.4),
                value(ResultRole.SECONDARY, PooledScale.PER_LOCK_HELD, 16),
                value(ResultRole.SECONDARY, PooledScale.PER_LOCK_CONNECTIONS, 16))));

        String table = markdown(List.of(held));

        assertRow(table, "| PostgreSQL | forDataSource(pool) | 16 | 10000 | 11 | 388 | 250 | 250"
                + " | at most 10: missed by 1 connection |");
        assertRow(table, "| PostgreSQL | forDataSource(pool, 1) | 16 | 16 of 10000 | 16 |  |  |  |  |");
    }

    @Test
    void pooledUncontendedRatioAtTheTargetIsMetAndJustAboveIsMissed() {
        // µs per pair: through the pool at exactly 1.10 × raw, and at 1.11 ×
        String atTarget = markdown(List.of(pooledTurns(110)));
        String over = markdown(List.of(pooledTurns(111)));

        assertRow(atTarget, "| PostgreSQL | raw try-lock + unlock, dedicated connection | 100 | 100 | 1.25 × floor |  |");
        assertRow(atTarget, "| PostgreSQL | raw try-lock + unlock, connection borrowed per pair | 105 | 105"
                + " | 1.05 × raw try |  |");
        assertRow(atTarget, "| PostgreSQL | forDataSource(pool): lock(key).tryAcquire() + release() | 110 | 110"
                + " | 1.10 × raw try | met |");
        assertRow(over, "| PostgreSQL | forDataSource(pool): lock(key).tryAcquire() + release() | 111 | 111"
                + " | 1.11 × raw try | missed by 0.01 |");
    }

    @Test
    void pooledThroughputIsTheMedianOfTheRoundsRatiosAndEqualToBorrowPerLockIsMet() {
        // acquisitions/s per round, multiplexed / borrow-per-lock: 1.00, 0.50, 2.00: median 1.00, met
        RunResult equal = throughput(new double[] {1000, 500, 2000}, new double[] {1000, 1000, 1000});
        // 0.99, 0.50, 2.00: median 0.99, missed by 0.01
        RunResult below = throughput(new double[] {990, 500, 2000}, new double[] {1000, 1000, 1000});

        assertRow(markdown(List.of(equal)), "| PostgreSQL | 64 | 8 | 1000 | 1000 | 1.00 | 1.00 0.50 2.00 | 8, 2 | met |");
        assertRow(markdown(List.of(below)), "| PostgreSQL | 64 | 8 | 1000 | 990 | 0.99 | 0.99 0.50 2.00"
                + " | 8, 2 | missed by 0.01 |");
    }

    @Test
    void herdHandoffWithinOneMillisecondOfRawIsMetAndAFewerWaitersThanAskedAreShown() {
        // µs: raw handoffs 100, dlock's 1100 (exactly 1 ms more) or 1101; 150 waiters measured of 1000 asked
        String atTarget = markdown(List.of(herd(1100)));
        String over = markdown(List.of(herd(1101)));

        assertRow(atTarget, "| PostgreSQL | 150 (of 1000 asked) | 151 | raw unlock → raw blocking statement | 1 | 100 | 100"
                + " |  | 0.3 |  |");
        assertRow(atTarget, "| PostgreSQL | 150 (of 1000 asked) | 151 | dlock release() → acquire() | 1 | 1100 | 1100"
                + " | +1000 | 1.3 | met |");
        assertRow(over, "| PostgreSQL | 150 (of 1000 asked) | 151 | dlock release() → acquire() | 1 | 1101 | 1101"
                + " | +1001 | 1.3 | missed by 1 µs |");
    }

    private static RunResult herd(double dlock) {
        return run("PooledScale.herd", Map.of("waiters", "150", "pool", "151"), List.of(List.of(
                value(ResultRole.PRIMARY, "dlock", dlock),
                value(ResultRole.SECONDARY, PooledScale.RAW, 100),
                value(ResultRole.SECONDARY, PooledScale.ASKED_WAITERS, 1000),
                value(ResultRole.SECONDARY, PooledScale.CPU_WAITING, 1.25),
                value(ResultRole.SECONDARY, PooledScale.RAW_CPU_WAITING, 0.25))));
    }

    /** One run of {@link PooledBenchmark}: floor 80, raw 100, through the pool {@code pooled} µs. */
    private static RunResult pooledTurns(double pooled) {
        return run("PooledBenchmark.turns", Map.of(), List.of(List.of(
                value(ResultRole.PRIMARY, "turns", 300),
                value(ResultRole.SECONDARY, "selectOneTwice", 80),
                value(ResultRole.SECONDARY, "rawTryLockUnlock", 100),
                value(ResultRole.SECONDARY, "pooledRawTryLockUnlock", 105),
                value(ResultRole.SECONDARY, "pooledTryAcquireRelease", pooled))));
    }

    /** One fork, one iteration per round, as {@link PooledScale} reports them. */
    private static RunResult throughput(double[] multiplexed, double[] borrowPerLock) {
        BenchmarkParams params = params("PooledScale.throughput", Map.of("threads", "64", "pool", "8"));
        List<IterationResult> rounds = new ArrayList<>();
        for (int i = 0; i < multiplexed.length; i++) {
            rounds.add(iteration(params, List.of(value(ResultRole.PRIMARY, PooledScale.MULTIPLEXED, multiplexed[i]),
                    value(ResultRole.SECONDARY, PooledScale.BORROW_PER_LOCK, borrowPerLock[i]),
                    value(ResultRole.SECONDARY, PooledScale.BORROW_PER_LOCK_CONNECTIONS, 8),
                    value(ResultRole.SECONDARY, PooledScale.MULTIPLEXED_CONNECTIONS, 1 + i))));
        }
        return new RunResult(params, List.of(new BenchmarkResult(params, rounds)));
    }

    /** One run of {@link ScaleBenchmark} at {@code held} locks, dlock as fast as raw. */
    private static RunResult scale(String held, double selectOneTwice, double raw) {
        return run("ScaleBenchmark.turns", Map.of("held", held), List.of(List.of(
                value(ResultRole.PRIMARY, "turns", 3 * raw),
                value(ResultRole.SECONDARY, "selectOneTwice", selectOneTwice),
                value(ResultRole.SECONDARY, "rawTryLockUnlock", raw),
                value(ResultRole.SECONDARY, "dlockTryAcquireRelease", raw))));
    }

    private static RunResult contention(String measured, long[][] measuredAndRawPerFork) {
        List<List<Result<?>>> forks = new ArrayList<>();
        for (long[] fork : measuredAndRawPerFork) {
            forks.add(List.of(value(ResultRole.PRIMARY, "turns", 1),
                    counter("measuredAcquisitions", fork[0]), counter("measuredNanos", 1_000_000_000L),
                    counter("measuredSlowestThread", fork[0] / 4), counter("measuredFastestThread", fork[0] / 2),
                    counter("rawAcquisitions", fork[1]), counter("rawNanos", 1_000_000_000L),
                    counter("rawSlowestThread", fork[1] / 4), counter("rawFastestThread", fork[1] / 2)));
        }
        return run("ContentionBenchmark.turns", Map.of("threads", "2", "keys", "one", "measured", measured), forks);
    }

    /** One fork, one iteration per round, as {@link WaitingBenchmark} reports them. */
    private static RunResult cpu(String waiters, double[] raw, double[] dlock) {
        BenchmarkParams params = params("WaitingBenchmark.cpu", Map.of("waiters", waiters));
        List<IterationResult> rounds = new ArrayList<>();
        for (int i = 0; i < raw.length; i++) {
            rounds.add(iteration(params, List.of(value(ResultRole.PRIMARY, "dlock", dlock[i]),
                    value(ResultRole.SECONDARY, "raw", raw[i]))));
        }
        return new RunResult(params, List.of(new BenchmarkResult(params, rounds)));
    }

    /**
     * A hundred samples of each kind, one per iteration as {@link WaitingBenchmark} reports them: dlock's two
     * largest at {@code largest}, so that p99 (rank 0.99 × 101 = 99.99 of 100, between the 99th and the 100th) is
     * exactly that.
     */
    private static RunResult interrupts(double largest) {
        BenchmarkParams params = params("WaitingBenchmark.interrupt", Map.of());
        List<IterationResult> samples = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            samples.add(iteration(params, List.of(value(ResultRole.PRIMARY, "dlock", i < 98 ? 3 : largest),
                    value(ResultRole.SECONDARY, "raw", 2))));
        }
        return new RunResult(params, List.of(new BenchmarkResult(params, samples)));
    }

    private static Result<?> value(ResultRole role, String label, double value) {
        return new Measured.Value(role, label, value, "us");
    }

    private static Result<?> overshoots(double... values) {
        return new SamplesProfiler.Samples(TimeoutBenchmark.OVERSHOOT, values);
    }

    /** An auxiliary counter as JMH makes it of an {@code @AuxCounters(EVENTS)} field: summed over iterations. */
    private static Result<?> counter(String label, long value) {
        return new ScalarResult(label, value, "#", AggregationPolicy.SUM);
    }

    /** A run of {@code forks}, each of one iteration that holds the given results. */
    private static RunResult run(String method, Map<String, String> params, List<List<Result<?>>> forks) {
        BenchmarkParams benchmark = params(method, params);
        List<BenchmarkResult> results = forks.stream()
                .map(fork -> new BenchmarkResult(benchmark, List.of(iteration(benchmark, fork))))
                .toList();
        return new RunResult(benchmark, results);
    }

    private static BenchmarkParams params(String method, Map<String, String> params) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("db", DB);
        all.putAll(params);
        return Measured.params("dev.dlock.bench." + method, Mode.SampleTime, TimeUnit.MICROSECONDS, 0, 1,
                TimeValue.NONE, all);
    }

    private static IterationResult iteration(BenchmarkParams params, Collection<Result<?>> results) {
        IterationResult iteration = Measured.iteration(params);
        results.forEach(iteration::addResult);
        return iteration;
    }

    private static String markdown(List<RunResult> results) {
        return new Report(results, List.of(DB)).tables().stream().map(Table::toMarkdown)
                .collect(Collectors.joining());
    }

    private static void assertRow(String table, String row) {
        assertTrue(Arrays.asList(table.split("\n")).contains(row), () -> "no row\n" + row + "\nin\n" + table);
    }
}
