package dev.dlock.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.Aggregator;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;
import org.openjdk.jmh.util.Statistics;
import org.openjdk.jmh.util.Utils;
import org.openjdk.jmh.util.Version;

/**
 * Figures the suite measures itself, outside JMH, dressed as JMH results: so they land in the same
 * {@code results.json} (with the JVM, the parameters and every round's or sample's value) and reach
 * {@link Report} the way JMH's own do. One measured round or batch of samples is one JMH iteration; a run is one
 * "fork", run in the suite's JVM.
 */
final class Measured {
    private Measured() {
    }

    /**
     * The parameters JMH would record for a benchmark run of {@code rounds} iterations of {@code roundTime} in
     * this JVM.
     *
     * @param benchmark the benchmark's full name, class and method
     * @param mode      JMH's nearest mode: how the JSON labels it
     * @param unit      the time unit of the figures
     * @param warmups   unrecorded rounds (or samples) before the measured ones
     * @param rounds    measured rounds (or batches of samples)
     * @param roundTime how long one measured round lasts; {@link TimeValue#NONE} for a count of samples
     * @param params    the parameters, such as {@code db}, in order
     */
    static BenchmarkParams params(String benchmark, Mode mode, TimeUnit unit, int warmups, int rounds,
                                  TimeValue roundTime, Map<String, String> params) {
        WorkloadParams workload = new WorkloadParams();
        int order = 0;
        for (Map.Entry<String, String> param : params.entrySet()) {
            workload.put(param.getKey(), param.getValue(), order++);
        }
        return new BenchmarkParams(benchmark, benchmark, false,
                1, new int[] {1}, List.of(),
                0, 0,
                new IterationParams(IterationType.WARMUP, warmups, TimeValue.NONE, 1),
                new IterationParams(IterationType.MEASUREMENT, rounds, roundTime, 1),
                mode, workload,
                unit, 1,
                Utils.getCurrentJvm(), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), Version.getPlainVersion(),
                TimeValue.minutes(10));
    }

    /** @return an empty iteration of {@code params}, for {@link IterationResult#addResult} */
    static IterationResult iteration(BenchmarkParams params) {
        return new IterationResult(params, params.getMeasurement(), null);
    }

    /** @return the run of {@code params}: its iterations as one fork */
    static RunResult run(BenchmarkParams params, Collection<IterationResult> iterations) {
        return new RunResult(params, List.of(new BenchmarkResult(params, iterations)));
    }

    /**
     * One value per iteration, such as a share of a core in percent; over iterations, the statistics of the
     * values (the suite reports their median). Unlike JMH's {@code ScalarResult}, it can be the primary result.
     */
    static final class Value extends Result<Value> {
        private static final long serialVersionUID = 1L;

        /**
         * @param role  primary (one per iteration) or secondary
         * @param label the figure's name in the JSON
         * @param value the value
         * @param unit  its unit, such as {@code "% of a core"}
         */
        Value(ResultRole role, String label, double value, String unit) {
            this(role, label, of(value), unit);
        }

        private Value(ResultRole role, String label, Statistics statistics, String unit) {
            super(role, label, statistics, unit, AggregationPolicy.AVG);
        }

        @Override
        protected Aggregator<Value> getThreadAggregator() {
            return Value::aggregate;
        }

        @Override
        protected Aggregator<Value> getIterationAggregator() {
            return Value::aggregate;
        }

        private static Value aggregate(Collection<Value> values) {
            ListStatistics statistics = new ListStatistics();
            values.forEach(v -> statistics.addValue(v.getScore()));
            Value first = values.iterator().next(); // all of one label and unit
            return new Value(first.getRole(), first.getLabel(), statistics, first.getScoreUnit());
        }
    }
}
