package dev.dlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once, briefly, in this JVM, so that none can rot: each must run without error, produce
 * a figure, and land in the suite's table, with one progress line per benchmark and no other output. It asserts
 * no times (figures from a test run mean nothing) but for sanity bounds that only a broken measurement misses.
 * Each runs on both databases the suite measures by default, the embedded PostgreSQL and MariaDB (their dialects'
 * statements differ, and so do the raw floors), but the peers, which the suite measures on PostgreSQL only.
 */
class BenchmarkSmokeTest {
    /** The waiting measurements at their shortest: a round of 200 ms windows, five interrupt samples. */
    private static final WaitingBenchmark.Settings BRIEF_WAITING =
            new WaitingBenchmark.Settings(1, Duration.ofMillis(200), Duration.ZERO, List.of(1, 50), 1, 5);
    /** The loss measurement at its shortest: the suite's watch, one unmeasured sample and five measured ones. */
    private static final LossBenchmark.Settings BRIEF_LOSS =
            new LossBenchmark.Settings(Duration.ofMillis(100), Duration.ofMillis(50), 1, 5);
    /**
     * The pooled measurements at their smallest: 50 locks through a pool of 4, 4 threads on a pool of 2, a herd of
     * 5 waiters.
     */
    private static final PooledScale.Settings BRIEF_POOLED =
            new PooledScale.Settings(50, 4, 20, 4, 2, 1, Duration.ofMillis(100), 5, 1);
    private static final Pattern PROGRESS_LINE =
            Pattern.compile("\\[(\\d+)/(\\d+)] \\w+\\.\\w+ db=[\\w-]+( \\w+=\\w+)* \\.\\.\\. done in [0-9.]+ s");

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void uncontendedBenchmarksRunAndReport(String db) throws RunnerException {
        Collection<RunResult> results = assertRunsAndReports(db, UncontendedBenchmark.class,
                "dlock acquire() + release()");
        for (RunResult result : results) {
            for (String call : List.of("selectOneTwice", "rawTryLockUnlock", "dlockTryAcquireRelease", "rawLockUnlock",
                    "dlockAcquireRelease")) {
                Result<?> figures = result.getSecondaryResults().get(call);
                assertTrue(figures != null && figures.getStatistics().getN() > 0, () -> "no samples of " + call);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void timeoutBenchmarksRunAndReport(String db) throws RunnerException {
        Collection<RunResult> results = assertRunsAndReports(db, TimeoutBenchmark.class, "2. Timeout", "timeoutMs",
                "50");
        for (RunResult result : results) {
            Result<?> overshoot = result.getSecondaryResults().get(TimeoutBenchmark.OVERSHOOT);
            assertTrue(overshoot instanceof SamplesProfiler.Samples, () -> "no exact overshoots from "
                    + result.getParams());
            double[] values = ((SamplesProfiler.Samples) overshoot).values();
            assertTrue(values.length > 0, "overshoot samples");
            // a sanity bound, not a timing target: a timeout of 50 ms that ends well before 50 ms, or seconds
            // late, is a broken measurement
            for (double value : values) {
                assertTrue(value > -5 && value < 5000, () -> "an overshoot of " + value + " ms");
            }
        }
        String samples = SampleFile.toJson(results);
        assertTrue(samples.contains("\"benchmark\": \"dev.dlock.bench.TimeoutBenchmark.dlockTryAcquireTimeout\""),
                samples);
        assertTrue(samples.contains("\"figure\": \"overshoot\", \"unit\": \"ms\""), samples);
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void handoffBenchmarksRunAndReport(String db) throws RunnerException {
        assertRunsAndReports(db, HandoffBenchmark.class, "3. Handoff");
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void contentionBenchmarksRunAndReport(String db) throws RunnerException {
        Collection<RunResult> results = assertRunsAndReports(db, ContentionBenchmark.class, "raw (control)",
                "threads", "2");
        for (RunResult result : results) {
            for (String crew : new String[] {"measured", "raw"}) {
                assertTrue(result.getSecondaryResults().get(crew + "Acquisitions").getScore() > 0,
                        () -> "no " + crew + " acquisitions counted by " + result.getParams());
                assertTrue(result.getSecondaryResults().get(crew + "Nanos").getScore() > 0,
                        () -> "no " + crew + " round time counted by " + result.getParams());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void scaleBenchmarksRunAndReport(String db) throws RunnerException {
        Collection<RunResult> results = assertRunsAndReports(db, ScaleBenchmark.class, "8. Held locks", "held",
                "0,50");
        assertEquals(Set.of("0", "50"), results.stream().map(r -> r.getParams().getParam("held"))
                .collect(Collectors.toSet()), "the numbers of held locks measured");
        for (RunResult result : results) {
            for (String call : List.of("selectOneTwice", "rawTryLockUnlock", "dlockTryAcquireRelease")) {
                Result<?> figures = result.getSecondaryResults().get(call);
                assertTrue(figures != null && figures.getStatistics().getN() > 0, () -> "no samples of " + call);
            }
        }
        String text = new Report(results, List.of(db)).tables().stream()
                .map(Table::toText).collect(Collectors.joining());
        assertTrue(Pattern.compile("(?m)^ +" + Pattern.quote(Report.label(db)) + " +50 +raw try-lock \\+ unlock ")
                .matcher(text).find(), () -> "the report lacks the row of 50 held locks:\n" + text);
        assertTrue(text.contains(Report.label(db) + ", dlock tryAcquire() + release(): "), () -> "no verdict:\n"
                + text);
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void pooledBenchmarkRunsAndReports(String db) throws RunnerException {
        Collection<RunResult> results = assertRunsAndReports(db, PooledBenchmark.class, "10. Uncontended acquire");
        for (RunResult result : results) {
            for (String call : List.of("selectOneTwice", "rawTryLockUnlock", "pooledRawTryLockUnlock",
                    "pooledTryAcquireRelease")) {
                Result<?> figures = result.getSecondaryResults().get(call);
                assertTrue(figures != null && figures.getStatistics().getN() > 0, () -> "no samples of " + call);
            }
        }
        String text = new Report(results, List.of(db)).tables().stream()
                .map(Table::toText).collect(Collectors.joining());
        assertTrue(Pattern.compile(Pattern.quote("forDataSource(pool): lock(key).tryAcquire() + release()")
                + " .* × raw try +(met|missed by [0-9.]+)").matcher(text).find(), () -> "no verdict:\n" + text);
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void pooledMeasurementsRunAndReport(String db) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(printed, true, StandardCharsets.UTF_8), System.err, false,
                PooledScale.RUNS);
        List<RunResult> results = PooledScale.run(db, BRIEF_POOLED, progress);

        assertProgressLines(printed, PooledScale.RUNS);
        assertEquals(List.of("PooledScale.heldAtOnce db=" + db + " locks=50 pool=4",
                "PooledScale.throughput db=" + db + " pool=2 threads=4",
                "PooledScale.herd db=" + db + " pool=6 waiters=5"),
                results.stream().map(r -> Progress.name(r.getParams())).toList());
        RunResult held = results.get(0);
        assertEquals(BRIEF_POOLED.samples(), held.getPrimaryResult().getSampleCount(), "timed pairs at the load");
        // 50 locks fit on one shared connection; borrow-per-lock takes one per lock until the pool of 4 is lent out
        assertEquals(1, held.getSecondaryResults().get(PooledScale.CONNECTIONS).getScore(), "connections used");
        assertEquals(4, held.getSecondaryResults().get(PooledScale.PER_LOCK_HELD).getScore(),
                "locks held by borrow-per-lock");
        assertEquals(4, held.getSecondaryResults().get(PooledScale.PER_LOCK_CONNECTIONS).getScore(),
                "connections used by borrow-per-lock");
        assertTrue(held.getSecondaryResults().containsKey(PooledScale.BYTES_PER_LOCK), "heap per held lock");
        RunResult throughput = results.get(1);
        assertEquals(BRIEF_POOLED.rounds(), throughput.getPrimaryResult().getSampleCount(), "measured rounds");
        assertTrue(throughput.getPrimaryResult().getScore() > 0, "multiplexed acquisitions");
        assertTrue(throughput.getSecondaryResults().get(PooledScale.BORROW_PER_LOCK).getScore() > 0,
                "borrow-per-lock acquisitions");
        RunResult herd = results.get(2);
        // one handoff per waiter and round, each a sane time: positive, under the sanity bound of a minute
        assertEquals(5, herd.getPrimaryResult().getSampleCount(), "dlock's handoffs");
        assertEquals(5, herd.getSecondaryResults().get(PooledScale.RAW).getSampleCount(), "raw handoffs");
        double slowest = herd.getPrimaryResult().getStatistics().getMax();
        assertTrue(herd.getPrimaryResult().getStatistics().getMin() > 0 && slowest < 60e6,
                () -> "a handoff of " + slowest + " µs");
        double cpu = herd.getSecondaryResults().get(PooledScale.CPU_WAITING).getScore();
        // the client's CPU while the herd waits: read, and a share of at most the machine's cores
        assertTrue(cpu >= 0 && cpu <= 100.0 * Runtime.getRuntime().availableProcessors(), () -> "CPU " + cpu + "%");
        assertTrue(herd.getSecondaryResults().containsKey(PooledScale.RAW_CPU_WAITING), "raw herd's CPU");
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ResultFormatFactory.getInstance(ResultFormatType.JSON, new PrintStream(json, true, StandardCharsets.UTF_8))
                .writeOut(results);
        assertTrue(json.toString(StandardCharsets.UTF_8)
                .contains("\"benchmark\" : \"dev.dlock.bench.PooledScale.heldAtOnce\""), "the figures in JMH's JSON");
        String text = new Report(results, List.of(db)).tables().stream()
                .map(Table::toText).collect(Collectors.joining());
        String label = Pattern.quote(Report.label(db));
        assertTrue(Pattern.compile("(?m)^ +" + label + " +forDataSource\\(pool\\) +4 +50 +1 +-?\\d+ .* at most 1: met")
                .matcher(text).find(), () -> "the report lacks the row of 50 held locks:\n" + text);
        assertTrue(Pattern.compile("(?m)^ +" + label + " +forDataSource\\(pool, 1\\) +4 +4 of 50 +4")
                .matcher(text).find(), () -> "the report lacks borrow-per-lock's row:\n" + text);
        assertTrue(Pattern.compile("(?m)^ +" + label + " +4 +2 +\\d+ +\\d+ +[0-9.]+ .* [0-2], [0-2] +(met|missed by [0-9.]+)$")
                .matcher(text).find(), () -> "the report lacks the throughput row:\n" + text);
        assertTrue(Pattern.compile("(?m)^ +" + label + " +5 +6 +dlock release\\(\\) → acquire\\(\\) +5 .*(met|missed by \\d+ µs)$")
                .matcher(text).find(), () -> "the report lacks the herd's row:\n" + text);
    }

    @Test
    void peerBenchmarksRunAndReport() throws RunnerException {
        Collection<RunResult> results = assertRunsAndReports(BenchDatabase.POSTGRESQL, PeerBenchmark.class,
                "Spring JdbcLockRegistry");
        String text = new Report(results, List.of(BenchDatabase.POSTGRESQL)).tables().stream()
                .map(Table::toText).collect(Collectors.joining());
        for (String row : List.of("dlock DlockLockRegistry tryLock() + unlock()",
                "dlock DlockLockRegistry lock() + unlock()", "dlock DlockLockRegistry unlock() → lock()",
                "ShedLock lock + unlock", "ShedLock JdbcTemplateLockProvider", "ShedLock on dlock (DlockLockProvider)")) {
            assertTrue(text.contains(row), () -> "the report lacks " + row + ":\n" + text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void waitingMeasurementsRunAndReport(String db) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(printed, true, StandardCharsets.UTF_8), System.err, false,
                BRIEF_WAITING.runs());
        List<RunResult> results = WaitingBenchmark.run(db, BRIEF_WAITING, progress);

        assertProgressLines(printed, BRIEF_WAITING.runs());
        assertEquals(List.of("cpu 1", "cpu 50", "interrupt"), results.stream()
                .map(r -> Progress.name(r.getParams()).replace(" db=" + db, "")
                        .replaceAll("^WaitingBenchmark\\.|waiters=", ""))
                .toList());
        for (RunResult result : results) {
            List<String> expected = result.getParams().getBenchmark().endsWith(".cpu")
                    ? List.of("dlock", "raw", "dlockTicks", "rawTicks")
                    : List.of("dlock", "raw");
            long samples = result.getParams().getBenchmark().endsWith(".cpu") ? BRIEF_WAITING.rounds()
                    : BRIEF_WAITING.samples();
            assertEquals(samples, result.getPrimaryResult().getSampleCount(), () -> "dlock of " + result.getParams());
            for (String figure : expected.subList(1, expected.size())) {
                Result<?> secondary = result.getSecondaryResults().get(figure);
                assertTrue(secondary != null && secondary.getSampleCount() == samples,
                        () -> "no " + figure + " figures in " + result.getParams());
            }
        }
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ResultFormatFactory.getInstance(ResultFormatType.JSON, new PrintStream(json, true, StandardCharsets.UTF_8))
                .writeOut(results);
        assertTrue(json.toString(StandardCharsets.UTF_8)
                .contains("\"benchmark\" : \"dev.dlock.bench.WaitingBenchmark.cpu\""), "the measurements in JMH's JSON");
        String text = new Report(results, List.of(db)).tables().stream()
                .map(Table::toText).collect(Collectors.joining());
        for (String expected : List.of("5. Waiting", "6. Interrupt", "raw Statement.cancel()",
                "dlock Thread.interrupt()")) {
            assertTrue(text.contains(expected), () -> "the report lacks " + expected + ":\n" + text);
        }
        for (int waiters : BRIEF_WAITING.waiters()) {
            assertTrue(Pattern.compile("(?m)^ +" + Pattern.quote(Report.label(db)) + " +" + waiters + " ")
                    .matcher(text).find(), () -> "the report lacks the row of " + waiters + " waiters:\n" + text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BenchDatabase.POSTGRESQL, BenchDatabase.MARIADB})
    void lossMeasurementRunsAndReports(String db) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(printed, true, StandardCharsets.UTF_8), System.err, false, 1);
        RunResult result = LossBenchmark.run(db, BRIEF_LOSS, progress);

        assertProgressLines(printed, 1);
        assertEquals("LossBenchmark.freeze db=" + db + " every=100ms within=50ms", Progress.name(result.getParams()));
        assertEquals(BRIEF_LOSS.samples(), result.getPrimaryResult().getSampleCount(), "measured samples");
        assertTrue(result.getSecondaryResults().containsKey(LossBenchmark.LOST_UNFROZEN), "the count of losses"
                + " declared before the freeze");
        // a sanity bound, not a timing target: half the bound (a freeze that lands while a check is under way is
        // told sooner than the bound, but not most of them) to seconds past the loss bound
        double p50 = result.getPrimaryResult().getStatistics().getPercentile(50);
        double bound = BRIEF_LOSS.bound().toMillis();
        double lossBound = BRIEF_LOSS.options().lossBound().toMillis();
        assertTrue(p50 >= bound / 2 && p50 <= lossBound + 5000, () -> "freeze to loss callback, p50: " + p50
                + " ms, for a bound of " + bound + " ms and a loss bound of " + lossBound + " ms");
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ResultFormatFactory.getInstance(ResultFormatType.JSON, new PrintStream(json, true, StandardCharsets.UTF_8))
                .writeOut(List.of(result));
        assertTrue(json.toString(StandardCharsets.UTF_8)
                .contains("\"benchmark\" : \"dev.dlock.bench.LossBenchmark.freeze\""), "the measurement in JMH's JSON");
        String text = new Report(List.of(result), List.of(db)).tables().stream()
                .map(Table::toText).collect(Collectors.joining());
        for (String expected : List.of("7. Loss", " 150 ms ", "between 50 ms and 150 ms")) {
            assertTrue(text.contains(expected), () -> "the report lacks " + expected + ":\n" + text);
        }
        assertTrue(Pattern.compile(Pattern.quote(Report.label(db)) + " +every 100 ms, confirmed within 50 ms +5 ")
                .matcher(text).find(), () -> "the report lacks the row of 5 samples:\n" + text);
    }

    @Test
    void aFailedBenchmarksOutputIsShown() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(printed, true, StandardCharsets.UTF_8),
                new PrintStream(errors, true, StandardCharsets.UTF_8), false, 2);
        progress.begin("Some.benchmark db=postgresql");
        progress.println("# Warmup Iteration   1: 2.5 ms/op");
        progress.println("<failure>");
        progress.println("java.lang.IllegalStateException: the holder lost the key");
        progress.failed();

        assertEquals("[1/2] Some.benchmark db=postgresql ... FAILED after", printed.toString(StandardCharsets.UTF_8)
                .replaceAll(" [0-9.]+ s\\R$", ""));
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains(
                "<failure>" + System.lineSeparator() + "java.lang.IllegalStateException: the holder lost the key"),
                errors::toString);
    }

    private static void assertProgressLines(ByteArrayOutputStream printed, int total) {
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(total, lines.size(), () -> "one line per benchmark, nothing else:\n" + printed);
        for (int i = 0; i < total; i++) {
            Matcher line = PROGRESS_LINE.matcher(lines.get(i));
            assertTrue(line.matches(), "a progress line: " + lines.get(i));
            assertEquals(List.of(Integer.toString(i + 1), Integer.toString(total)), List.of(line.group(1), line.group(2)));
        }
    }

    /** @param params pairs of a parameter's name and its values, separated by commas */
    private static Collection<RunResult> assertRunsAndReports(String db, Class<?> benchmark, String tableText,
                                                              String... params) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(Pattern.quote(benchmark.getName()) + "\\.")
                .param("db", db)
                .forks(0) // this JVM: each embedded server starts once for every test here
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .addProfiler(TurnsProfiler.class)
                .addProfiler(SamplesProfiler.class)
                .shouldFailOnError(true);
        for (int i = 0; i < params.length; i += 2) {
            options.param(params[i], params[i + 1].split(","));
        }
        // as the suite runs them: quiet, a line per benchmark
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int total = Suite.benchmarks(options.build());
        Progress progress = new Progress(new PrintStream(printed, true, StandardCharsets.UTF_8), System.err, false,
                total);
        Collection<RunResult> results = new Runner(options.build(), progress).run();
        assertProgressLines(printed, total);

        Set<String> ran = results.stream()
                .map(r -> r.getParams().getBenchmark().substring(benchmark.getName().length() + 1))
                .collect(Collectors.toSet());
        Set<String> declared = Arrays.stream(benchmark.getMethods())
                .filter(m -> m.isAnnotationPresent(Benchmark.class))
                .map(java.lang.reflect.Method::getName)
                .collect(Collectors.toSet());
        assertEquals(declared, ran, "benchmarks that ran");
        for (RunResult result : results) {
            assertTrue(result.getPrimaryResult().getSampleCount() > 0, () -> "no figure from " + result.getParams());
        }
        List<Table> tables = new Report(results, List.of(db)).tables();
        assertFalse(tables.isEmpty(), "the suite's report shows nothing");
        String text = tables.stream().map(Table::toText).collect(Collectors.joining());
        assertTrue(text.contains(tableText), () -> "the report lacks " + tableText + ":\n" + text);
        return results;
    }
}
