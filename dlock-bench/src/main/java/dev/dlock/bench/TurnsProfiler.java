package dev.dlock.bench;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.SampleTimeResult;
import org.openjdk.jmh.util.SampleBuffer;

/**
 * Hands JMH the latencies of calls that a benchmark times in turns, one distribution per call, as secondary
 * results of each iteration (percentiles like {@code SampleTime}'s, merged over iterations and forks).
 *
 * <p>Calls measured in separate benchmarks run minutes apart, and on a small machine the round trip itself drifts
 * by ±20% over that time: more than the differences measured. Timed in turns within one benchmark, every call
 * sees the same drift. The suite adds this profiler to every run; on the JMH command line it is
 * {@code -prof dev.dlock.bench.TurnsProfiler}.
 */
public final class TurnsProfiler implements InternalProfiler {
    private static final Map<String, SampleBuffer> SAMPLES = new LinkedHashMap<>();

    /**
     * One call of a benchmark whose calls are timed in turns.
     *
     * @param <B> the benchmark's state
     */
    interface TimedCall<B> {
        /** @return the name its times are recorded under */
        String figure();

        /**
         * @param benchmark the benchmark's state
         * @throws SQLException if the call fails
         */
        void run(B benchmark) throws SQLException;
    }

    /**
     * One turn: each call once, timed on its own, starting one call further along than the last turn, so no call
     * always runs first.
     *
     * @param calls     the calls
     * @param last      where the last turn started
     * @param benchmark the benchmark's state
     * @param <B>       its type
     * @return where this turn started, for the next
     * @throws SQLException if a call fails
     */
    static <B> int turn(TimedCall<B>[] calls, int last, B benchmark) throws SQLException {
        int first = (last + 1) % calls.length;
        for (int i = 0; i < calls.length; i++) {
            TimedCall<B> call = calls[(first + i) % calls.length];
            long start = System.nanoTime();
            call.run(benchmark);
            record(call.figure(), System.nanoTime() - start);
        }
        return first;
    }

    /** Records one call's time, in nanoseconds, under its name. */
    static void record(String call, long nanos) {
        synchronized (SAMPLES) {
            SAMPLES.computeIfAbsent(call, c -> new SampleBuffer()).add(nanos);
        }
    }

    private static Map<String, SampleBuffer> drain() {
        synchronized (SAMPLES) {
            Map<String, SampleBuffer> drained = new LinkedHashMap<>(SAMPLES);
            SAMPLES.clear();
            return drained;
        }
    }

    @Override
    public String getDescription() {
        return "latencies of the calls a dlock benchmark times in turns";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        drain(); // nothing of an earlier iteration or benchmark counts here
    }

    @Override
    public Collection<? extends Result<?>> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                          IterationResult result) {
        List<Result<?>> results = new ArrayList<>();
        drain().forEach((call, samples) -> results.add(
                new SampleTimeResult(ResultRole.SECONDARY, call, samples, benchmarkParams.getTimeUnit())));
        return results;
    }
}
