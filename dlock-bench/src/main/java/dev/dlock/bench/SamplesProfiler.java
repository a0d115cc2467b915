package dev.dlock.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.Aggregator;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.util.ListStatistics;

/**
 * Hands JMH values that a benchmark measures and records itself, one by one, such as each timeout's overshoot:
 * kept exactly, every value as recorded, as a secondary result of each iteration ({@link Samples}).
 *
 * <p>Why not JMH's {@code SampleTime} figures: they are a histogram with 10 significant bits, so a call of about
 * 1 s lands on a grid of 2^20 ns (about 1 ms), rounded down, and an overshoot of a few milliseconds past a 1 s
 * timeout reads up to 1 ms low. Why a JMH result all the same: from a forked JVM it reaches the suite the way
 * JMH's own figures do (serialised over JMH's link to the host), in the same {@code RunResult}. JMH's JSON keeps
 * only each iteration's mean of a secondary result, so the suite writes the values themselves to a file of their
 * own beside it. The suite adds this profiler to every run; on the JMH command line it is
 * {@code -prof dev.dlock.bench.SamplesProfiler}.
 */
public final class SamplesProfiler implements InternalProfiler {
    private static final Map<String, List<Double>> SAMPLES = new LinkedHashMap<>();

    /** Records one value, in milliseconds ({@link Samples#UNIT}), under its figure's name. */
    static void record(String figure, double value) {
        synchronized (SAMPLES) {
            SAMPLES.computeIfAbsent(figure, f -> new ArrayList<>()).add(value);
        }
    }

    private static Map<String, List<Double>> drain() {
        synchronized (SAMPLES) {
            Map<String, List<Double>> drained = new LinkedHashMap<>(SAMPLES);
            SAMPLES.clear();
            return drained;
        }
    }

    @Override
    public String getDescription() {
        return "exact values a dlock benchmark records itself, such as timeout overshoots";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        drain(); // nothing of an earlier iteration or benchmark counts here
    }

    @Override
    public Collection<? extends Result<?>> afterIteration(BenchmarkParams benchmarkParams,
                                                          IterationParams iterationParams, IterationResult result) {
        List<Result<?>> results = new ArrayList<>();
        drain().forEach((figure, values) -> results.add(
                new Samples(figure, values.stream().mapToDouble(Double::doubleValue).toArray())));
        return results;
    }

    /**
     * Every value of one figure, in the order recorded: over an iteration, then (merged by JMH's aggregation)
     * over a fork's iterations and over all forks. The statistics are JMH's {@link ListStatistics} of the values
     * themselves, so percentiles and the maximum are the samples', not a histogram's.
     */
    static final class Samples extends Result<Samples> {
        private static final long serialVersionUID = 1L;
        /** The unit of every figure recorded here: milliseconds. */
        static final String UNIT = "ms";

        private final double[] values;

        /**
         * @param figure the figure's name, its label in the results
         * @param values the values, in {@link #UNIT}
         */
        Samples(String figure, double[] values) {
            super(ResultRole.SECONDARY, figure, statistics(values), UNIT, AggregationPolicy.AVG);
            this.values = values.clone();
        }

        /** @return the values, in the order recorded */
        double[] values() {
            return values.clone();
        }

        @Override
        protected Aggregator<Samples> getThreadAggregator() {
            return Samples::concatenate;
        }

        @Override
        protected Aggregator<Samples> getIterationAggregator() {
            return Samples::concatenate;
        }

        private static Samples concatenate(Collection<Samples> parts) {
            double[] all = parts.stream().flatMapToDouble(p -> Arrays.stream(p.values)).toArray();
            return new Samples(parts.iterator().next().getLabel(), all);
        }

        private static ListStatistics statistics(double[] values) {
            ListStatistics statistics = new ListStatistics();
            for (double value : values) {
                statistics.addValue(value);
            }
            return statistics;
        }
    }
}
