package dev.dlock.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The exact samples of a run ({@link SamplesProfiler.Samples}, such as the timeout overshoots) as JSON, beside
 * JMH's JSON, which keeps only each iteration's mean of them: with this file a reader can recompute the report's
 * percentiles. One entry per benchmark, parameters and figure, with the values of each fork in the order
 * recorded:
 *
 * <pre>
 * [ { "benchmark": "dev.dlock.bench.TimeoutBenchmark.rawLockTimeout",
 *     "params": { "db": "postgresql", "timeoutMs": "50" },
 *     "figure": "overshoot", "unit": "ms",
 *     "forks": [ [ 1.204113, 0.987554, ... ], ... ] } ]
 * </pre>
 */
final class SampleFile {
    private SampleFile() {
    }

    /** Writes the samples of {@code results} to {@code file}, an empty list if there are none. */
    static void write(Collection<RunResult> results, Path file) throws IOException {
        Files.writeString(file, toJson(results), StandardCharsets.UTF_8);
    }

    static String toJson(Collection<RunResult> results) {
        List<String> entries = new ArrayList<>();
        for (RunResult result : results) {
            // JMH declares its secondary results with the raw Result type: a wildcard keeps it out of this source
            for (Map.Entry<String, ?> figure : result.getSecondaryResults().entrySet()) {
                if (figure.getValue() instanceof SamplesProfiler.Samples samples) {
                    entries.add(entry(result, figure.getKey(), samples.getScoreUnit()));
                }
            }
        }
        return entries.isEmpty() ? "[]\n" : "[\n" + String.join(",\n", entries) + "\n]\n";
    }

    private static String entry(RunResult result, String figure, String unit) {
        String params = result.getParams().getParamsKeys().stream()
                .map(k -> string(k) + ": " + string(result.getParams().getParam(k)))
                .collect(Collectors.joining(", "));
        List<String> forks = new ArrayList<>();
        for (BenchmarkResult fork : result.getBenchmarkResults()) {
            List<String> values = new ArrayList<>();
            for (IterationResult iteration : fork.getIterationResults()) {
                Result<?> samples = iteration.getSecondaryResults().get(figure);
                if (samples instanceof SamplesProfiler.Samples s) {
                    // Double.toString: the shortest text that reads back as the same double
                    Arrays.stream(s.values()).mapToObj(Double::toString).forEach(values::add);
                }
            }
            forks.add("[" + String.join(", ", values) + "]");
        }
        return "{\"benchmark\": " + string(result.getParams().getBenchmark()) + ",\n \"params\": {" + params
                + "},\n \"figure\": " + string(figure) + ", \"unit\": " + string(unit) + ",\n \"forks\": [\n  "
                + String.join(",\n  ", forks) + "]}";
    }

    /** @return {@code s} as a JSON string; benchmark names and parameters hold no control characters */
    private static String string(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
