package dev.dlock.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * What the suite prints while it runs: one line per benchmark, {@code [3/14] UncontendedBenchmark.turns
 * db=postgresql ... done in 21 s}, for JMH's benchmarks (as the {@link OutputFormat} of their runs, forked or
 * not: a fork's output reaches the host's format) and for the measurements the suite makes itself.
 *
 * <p>Quiet by default: JMH's own output (some 4,000 lines for the suite) is kept, the last
 * {@value #KEPT_BYTES} bytes of the current benchmark's, and shown only if that benchmark fails, so that a
 * failure's stack trace still reaches the user. Verbose, JMH's usual text is printed as it comes, and each
 * progress line once its benchmark is done.
 */
final class Progress implements OutputFormat {
    /** How much of a benchmark's JMH output is kept for its failure report. */
    static final int KEPT_BYTES = 64 * 1024;

    private final PrintStream out;
    private final PrintStream err;
    /** JMH's usual text format when verbose; {@code null} when quiet. */
    private final OutputFormat jmh;
    private final int total;
    private final Kept kept = new Kept();
    private int started;
    private String current;
    private long startNanos;

    /**
     * @param out     where the progress lines (and, verbose, JMH's output) go
     * @param err     where a failed benchmark's kept output goes
     * @param verbose whether JMH's own output is printed as it comes
     * @param total   how many benchmarks the suite will run, for the {@code [n/total]} count
     */
    Progress(PrintStream out, PrintStream err, boolean verbose, int total) {
        this.out = out;
        this.err = err;
        this.jmh = verbose ? OutputFormatFactory.createFormatInstance(out, VerboseMode.NORMAL) : null;
        this.total = total;
    }

    /**
     * Starts the line of one benchmark (or measurement).
     *
     * @param name what runs, e.g. {@code TimeoutBenchmark.rawLockTimeout db=postgresql timeoutMs=50}
     */
    void begin(String name) {
        started++;
        current = String.format(Locale.ROOT, "[%d/%d] %s", started, total, name);
        startNanos = System.nanoTime();
        kept.reset();
        if (jmh == null) {
            out.print(current + " ... ");
            out.flush();
        }
    }

    /** Ends the current line: the benchmark is done. */
    void end() {
        if (current == null) {
            return;
        }
        String done = "done in " + elapsed();
        out.println(jmh == null ? done : current + " ... " + done);
        out.flush();
        current = null;
    }

    /**
     * Ends the current line as failed and, when quiet, shows what the benchmark printed (JMH prints a failed
     * benchmark's stack traces there); the caller rethrows the failure.
     */
    void failed() {
        if (current != null) {
            String failed = "FAILED after " + elapsed();
            out.println(jmh == null ? failed : current + " ... " + failed);
            out.flush();
        }
        if (jmh == null && kept.size() > 0) {
            err.println("Output of " + (current != null ? current : "the run") + (kept.cut ? " (its end)" : "") + ":");
            err.println(kept.text().stripTrailing());
        }
        err.flush();
        current = null;
    }

    /**
     * A detail of a measurement: printed when verbose, else kept with the output shown if it fails.
     *
     * @param line the detail, e.g. one round's figures
     */
    void detail(String line) {
        if (jmh != null) {
            out.println("  " + line);
        } else {
            kept.add(line + System.lineSeparator());
        }
    }

    private String elapsed() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return String.format(Locale.ROOT, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
    }

    /**
     * {@code UncontendedBenchmark.turns db=postgresql}: the class without its package, and the parameters (a
     * password in a JDBC URL masked).
     */
    static String name(BenchmarkParams params) {
        String benchmark = params.getBenchmark();
        String method = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        StringBuilder name = new StringBuilder(method);
        for (String key : params.getParamsKeys()) {
            name.append(' ').append(key).append('=')
                    .append(params.getParam(key).replaceAll("password=[^&]*", "password=***"));
        }
        return name.toString();
    }

    @Override
    public void startBenchmark(BenchmarkParams benchParams) {
        begin(name(benchParams));
        if (jmh != null) {
            jmh.startBenchmark(benchParams);
        }
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        if (jmh != null) {
            jmh.endBenchmark(result);
        }
        end();
    }

    @Override
    public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
        if (jmh != null) {
            jmh.iteration(benchParams, params, iteration);
        }
    }

    @Override
    public void iterationResult(BenchmarkParams benchParams, IterationParams params, int iteration,
                                IterationResult data) {
        if (jmh != null) {
            jmh.iterationResult(benchParams, params, iteration, data);
        }
    }

    @Override
    public void startRun() {
        if (jmh != null) {
            jmh.startRun();
        }
    }

    @Override
    public void endRun(Collection<RunResult> result) {
        if (jmh != null) {
            jmh.endRun(result);
        }
    }

    @Override
    public void print(String s) {
        if (jmh != null) {
            jmh.print(s);
        } else {
            kept.add(s);
        }
    }

    @Override
    public void println(String s) {
        if (jmh != null) {
            jmh.println(s);
        } else {
            kept.add(s + System.lineSeparator());
        }
    }

    @Override
    public void verbosePrintln(String s) {
        if (jmh != null) {
            jmh.verbosePrintln(s);
        }
    }

    @Override
    public void write(int b) {
        if (jmh != null) {
            jmh.write(b);
        } else {
            kept.write(b);
        }
    }

    @Override
    public void write(byte[] b) throws IOException {
        if (jmh != null) {
            jmh.write(b);
        } else {
            kept.write(b, 0, b.length);
        }
    }

    @Override
    public void flush() {
        if (jmh != null) {
            jmh.flush();
        }
        out.flush();
    }

    /** JMH closes its format at the end of every run (and a fork's close arrives here too): the suite goes on. */
    @Override
    public void close() {
        flush();
    }

    /** The end of the current benchmark's output: at most {@link #KEPT_BYTES}, older bytes dropped. */
    private static final class Kept extends ByteArrayOutputStream {
        boolean cut;

        void add(String s) {
            byte[] bytes = s.getBytes(Charset.defaultCharset());
            write(bytes, 0, bytes.length);
        }

        @Override
        public synchronized void write(int b) {
            super.write(b);
            trim();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            trim();
        }

        @Override
        public synchronized void reset() {
            super.reset();
            cut = false;
        }

        private void trim() {
            if (count > 2 * KEPT_BYTES) {
                byte[] end = Arrays.copyOfRange(buf, count - KEPT_BYTES, count);
                super.reset();
                super.write(end, 0, end.length);
                cut = true;
            }
        }

        synchronized String text() {
            return toString(Charset.defaultCharset());
        }
    }
}
