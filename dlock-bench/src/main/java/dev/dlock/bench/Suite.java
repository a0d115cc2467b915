package dev.dlock.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the benchmark suite and prints its table: every workload on PostgreSQL (and MariaDB when this build can
 * start it), each beside its floor, with the ratios the targets are about. Writes the tables as Markdown to
 * {@code dlock-bench/target/results.md} (or {@code --markdown FILE}) and, beside it under the same name, JMH's
 * JSON ({@code results.json}) and the exact samples JMH's JSON lacks ({@code results.samples.json},
 * {@link SampleFile}): with {@code --markdown dlock-bench/RESULTS.md}, {@code RESULTS.json} and
 * {@code RESULTS.samples.json}, committed with it.
 *
 * <pre>
 * java -cp dlock-bench/target/dlock-bench.jar dev.dlock.bench.Suite [--full] [--verbose] [--markdown FILE]
 *     [--only NAME,...] [--db postgresql,mariadb,mariadb-cj,JDBC-URL]
 * </pre>
 *
 * <p>While it runs, it prints one line per benchmark, {@code [3/20] UncontendedBenchmark.turns db=postgresql ...
 * done in 21 s}, then the tables. A benchmark that fails ends the run, and its JMH output (with the stack trace)
 * is printed.
 *
 * <ul>
 *   <li>default: short iterations, all in this JVM with one embedded server per database (a JMH fork starts
 *       its own, which costs seconds for PostgreSQL and tens of seconds for MariaDB): a few minutes on
 *       2 cores, figures that are indicative;</li>
 *   <li>{@code --full}: three forks per benchmark and longer iterations, for RESULTS.md (37 minutes for both
 *       databases on 2 cores, some 20 more for {@code waiting} and one more for {@code loss}, before the
 *       {@code contention} control was added, which doubles that part's time);</li>
 *   <li>{@code --verbose}: JMH's own output too, as it comes (some 4,000 lines), and each round of the
 *       {@code waiting} measurements and each sample of {@code loss};</li>
 *   <li>{@code --markdown FILE}: the Markdown report goes there instead, with the machine and versions, and the
 *       JSON files beside it; if FILE exists, its hand-written part (below {@link #NOTES_MARKER}) is kept;</li>
 *   <li>{@code --only}: only the named parts: waiting, loss, uncontended, timeout, handoff, contention,
 *       peers, scale, pooled;</li>
 *   <li>{@code --db}: the servers, by default {@code postgresql} and, when this build can start it,
 *       {@code mariadb} (MariaDB's driver; {@code mariadb-cj} is MySQL Connector/J on the same server).</li>
 * </ul>
 *
 * <p>The parts {@code waiting} ({@link WaitingBenchmark}) and {@code loss} ({@link LossBenchmark}) are measured
 * by the suite itself, not by JMH, always in this JVM, and first: {@code waiting} before any other run has left
 * threads behind in it, then {@code loss} (a proxy in this JVM stands in front of each server, which must be
 * reached over TCP). The part {@code pooled} is both: {@link PooledScale} (locks held at once through a pool,
 * the throughput of 64 threads, and a herd of waiters on one key), measured by the suite after {@code loss}, and
 * {@link PooledBenchmark} (an uncontended pair through a pool), a JMH benchmark.
 */
public final class Suite {
    /** One benchmark class, and how {@code --full} lengthens it. */
    private record Part(String name, Class<?> benchmark, UnaryOperator<ChainedOptionsBuilder> full) {
    }

    private static final List<Part> PARTS = List.of(
            // warm-up of 10 s where the cores are busy: with workers and database backends on both cores of a small
            // machine, the JIT's own threads get little CPU, and the benchmark loops reached their C2-compiled
            // form only after 6-7 s (-XX:+PrintCompilation, two contention workers on a key each)
            new Part("uncontended", UncontendedBenchmark.class,
                    o -> o.warmupIterations(5).warmupTime(seconds(2)).measurementIterations(5).measurementTime(seconds(2))),
            new Part("timeout", TimeoutBenchmark.class, o -> o.measurementIterations(5).measurementTime(seconds(4))),
            new Part("handoff", HandoffBenchmark.class, o -> o.measurementIterations(5).measurementTime(seconds(2))),
            new Part("contention", ContentionBenchmark.class,
                    o -> o.warmupIterations(5).warmupTime(seconds(2)).measurementIterations(5).measurementTime(seconds(2))),
            new Part("peers", PeerBenchmark.class, o -> o.measurementIterations(5).measurementTime(seconds(2))),
            new Part("scale", ScaleBenchmark.class, o -> o.measurementIterations(5).measurementTime(seconds(2))),
            // with PooledScale, measured by the suite itself under the same name
            new Part(Suite.POOLED, PooledBenchmark.class,
                    o -> o.warmupIterations(5).warmupTime(seconds(2)).measurementIterations(5).measurementTime(seconds(2))));
    private static final int FULL_FORKS = 3;
    /** The part measured outside JMH, by {@link WaitingBenchmark}. */
    private static final String WAITING = "waiting";
    /** The part measured outside JMH, by {@link LossBenchmark}. */
    private static final String LOSS = "loss";
    /** The part of many locks over a pool: {@link PooledScale}, measured by the suite, and {@link PooledBenchmark}. */
    private static final String POOLED = "pooled";
    /**
     * The line in the Markdown report below which it is written by hand: the suite writes everything above it
     * from the run, and keeps everything from it on verbatim when it rewrites the file.
     */
    static final String NOTES_MARKER = "<!-- Written by hand from here on: the suite keeps this part verbatim when"
            + " it rewrites the file. -->";

    private Suite() {
    }

    /**
     * Runs the suite.
     *
     * @param args {@code --full}, {@code --verbose}, {@code --markdown FILE}, {@code --only NAME,...},
     *             {@code --db LIST}
     */
    public static void main(String[] args) throws Exception {
        boolean full = false;
        boolean verbose = false;
        Path markdown = null;
        List<String> names = new ArrayList<>(List.of(WAITING, LOSS));
        PARTS.forEach(p -> names.add(p.name()));
        List<String> only = names;
        List<String> dbs = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--full" -> full = true;
                case "--verbose" -> verbose = true;
                case "--markdown" -> markdown = Path.of(args[++i]);
                case "--only" -> only = Arrays.asList(args[++i].split(","));
                case "--db" -> dbs = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --full, --verbose, --markdown FILE, --db LIST, --only " + names);
            }
        }
        for (String name : only) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("no part " + name + "; the parts are " + names);
            }
        }
        Path target = moduleTarget();
        // before the run, which writes its files into the checkout
        String code = codeVersion(target.getParent());
        String noMariaDb = null;
        if (dbs == null) {
            dbs = new ArrayList<>(List.of(BenchDatabase.POSTGRESQL));
            noMariaDb = BenchDatabase.mariaDbUnavailableReason();
            if (noMariaDb == null) {
                dbs.add(BenchDatabase.MARIADB);
            }
        }
        List<String> postgres = dbs.stream().filter(d -> d.equals(BenchDatabase.POSTGRESQL)
                || d.startsWith("jdbc:postgresql:")).toList();

        List<Options> runs = new ArrayList<>();
        for (Part part : PARTS) {
            // peers are measured on PostgreSQL only
            List<String> partDbs = part.benchmark() == PeerBenchmark.class ? postgres : dbs;
            if (!only.contains(part.name()) || partDbs.isEmpty()) {
                continue;
            }
            if (part.benchmark() == ScaleBenchmark.class) {
                // a run per database: each measures its own numbers of held locks
                for (String db : partDbs) {
                    runs.add(options(part, List.of(db), full).param("held", ScaleBenchmark.heldCounts(db)).build());
                }
            } else {
                runs.add(options(part, partDbs, full).build());
            }
        }
        WaitingBenchmark.Settings waiting = full ? WaitingBenchmark.Settings.FULL : WaitingBenchmark.Settings.DEFAULT;
        List<String> waitingDbs = only.contains(WAITING) ? dbs : List.of();
        LossBenchmark.Settings loss = full ? LossBenchmark.Settings.FULL : LossBenchmark.Settings.DEFAULT;
        List<String> lossDbs = only.contains(LOSS) ? dbs : List.of();
        PooledScale.Settings pooled = full ? PooledScale.Settings.FULL : PooledScale.Settings.DEFAULT;
        List<String> pooledDbs = only.contains(POOLED) ? dbs : List.of();
        int total = waitingDbs.size() * waiting.runs() + lossDbs.size() + pooledDbs.size() * PooledScale.RUNS
                + runs.stream().mapToInt(Suite::benchmarks).sum();
        Progress progress = new Progress(System.out, System.err, verbose, total);

        List<RunResult> results = new ArrayList<>();
        try {
            for (String db : waitingDbs) {
                results.addAll(WaitingBenchmark.run(db, waiting, progress));
            }
            for (String db : lossDbs) {
                results.add(LossBenchmark.run(db, loss, progress));
            }
            for (String db : pooledDbs) {
                results.addAll(PooledScale.run(db, pooled, progress));
            }
            for (Options options : runs) {
                results.addAll(new Runner(options, progress).run());
            }
        } catch (Exception | Error e) {
            progress.failed();
            throw e;
        }

        Path report = (markdown != null ? markdown : target.resolve("results.md")).toAbsolutePath();
        Path json = besideReport(report, ".json");
        Path samples = besideReport(report, ".samples.json");
        Files.createDirectories(report.getParent());
        try (PrintStream out = new PrintStream(json.toFile(), StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        }
        SampleFile.write(results, samples);
        List<Table> tables = new Report(results, dbs).tables();
        String environment = environment(code, full, dbs, noMariaDb, waitingDbs.isEmpty() ? null : waiting,
                lossDbs.isEmpty() ? null : loss, pooledDbs.isEmpty() ? null : pooled, !runs.isEmpty());
        System.out.println();
        System.out.println(environment);
        tables.forEach(t -> System.out.println(t.toText()));
        String notes = Files.exists(report) ? handWritten(Files.readString(report)) : null;
        Files.writeString(report, markdown(environment, tables, args, json.getFileName().toString(),
                samples.getFileName().toString(), notes));
        System.out.println("Markdown: " + report + "; JMH's JSON: " + json + "; exact samples: " + samples);
    }

    /** @return the options of a JMH run of {@code part} on {@code dbs}, short or {@code --full} */
    private static ChainedOptionsBuilder options(Part part, List<String> dbs, boolean full) {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(Pattern.quote(part.benchmark().getName()) + "\\.")
                .param("db", dbs.toArray(String[]::new))
                .addProfiler(TurnsProfiler.class)
                .addProfiler(SamplesProfiler.class)
                .shouldFailOnError(true);
        return full ? part.full().apply(options.forks(FULL_FORKS)) : options.forks(0);
    }

    /** @return {@code report}'s name with {@code .md} (if any) replaced by {@code suffix}, in its folder */
    static Path besideReport(Path report, String suffix) {
        String name = report.getFileName().toString();
        return report.resolveSibling((name.endsWith(".md") ? name.substring(0, name.length() - 3) : name) + suffix);
    }

    /** @return the hand-written part of a report, from {@link #NOTES_MARKER} on; {@code null} if it has none */
    static String handWritten(String report) {
        int marker = report.indexOf(NOTES_MARKER);
        return marker < 0 ? null : report.substring(marker);
    }

    /** @return how many benchmarks a JMH run will run: its benchmark methods times their parameters' values */
    static int benchmarks(Options options) {
        int count = 0;
        OutputFormat silent = OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT);
        for (BenchmarkListEntry benchmark : BenchmarkList.defaultList().find(silent, options.getIncludes(),
                options.getExcludes())) {
            int combinations = 1;
            for (Map.Entry<String, String[]> param : benchmark.getParams().orElse(Map.of()).entrySet()) {
                org.openjdk.jmh.util.Optional<Collection<String>> given = options.getParameter(param.getKey());
                combinations *= given.hasValue() ? given.get().size() : param.getValue().length;
            }
            count += combinations;
        }
        return count;
    }

    /**
     * @param code    which code ran ({@link #codeVersion})
     * @param waiting how the part {@code waiting} ran; {@code null} if it did not
     * @param loss    how the part {@code loss} ran; {@code null} if it did not
     * @param pooled  how the part {@code pooled} measured its own figures; {@code null} if it did not
     * @param jmh     whether any JMH benchmark ran
     */
    private static String environment(String code, boolean full, List<String> dbs, String noMariaDb,
                                      WaitingBenchmark.Settings waiting, LossBenchmark.Settings loss,
                                      PooledScale.Settings pooled, boolean jmh) {
        StringBuilder out = new StringBuilder("dlock benchmark suite, ")
                .append(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT)))
                .append('\n');
        out.append("  machine: ").append(cpuModel()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append('\n');
        out.append("  code: ").append(code).append('\n');
        out.append("  JDK: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append("; JMH 1.37\n");
        for (String db : dbs) {
            out.append("  ").append(Report.label(db)).append(": ").append(serverVersion(db)).append('\n');
        }
        if (noMariaDb != null) {
            out.append("  MariaDB: not measured: ").append(noMariaDb).append('\n');
        }
        if (jmh) {
            out.append("  settings: ").append(full
                    ? FULL_FORKS + " forks per benchmark, long iterations (--full)"
                    : "no forks (one JVM, one server per database), short iterations (default; figures are indicative)")
                    .append('\n');
        }
        if (waiting != null) {
            out.append(String.format(Locale.ROOT, "  waiting: in this JVM, %d rounds of %d s windows, %d interrupt"
                            + " samples of each kind%s\n", waiting.rounds(), waiting.window().toSeconds(),
                    waiting.samples(), full ? " (--full)" : " (default; figures are indicative)"));
        }
        if (loss != null) {
            out.append(String.format(Locale.ROOT, "  loss: in this JVM, %d samples after %d unmeasured ones, a watch"
                            + " every %d ms confirmed within %d ms%s\n", loss.samples(), loss.warmupSamples(),
                    loss.cadence().toMillis(), loss.bound().toMillis(),
                    full ? " (--full)" : " (default; figures are indicative)"));
        }
        if (pooled != null) {
            out.append(String.format(Locale.ROOT, "  pooled: in this JVM, %,d locks held through a pool of %d, %d"
                            + " timed pairs at that load; %d threads on a pool of %d, %d rounds of %d ms per crew;"
                            + " a herd of %,d waiters (or as many as the server's connections allow), %d rounds%s\n",
                    pooled.locks(), pooled.heldPool(), pooled.samples(), pooled.threads(), pooled.throughputPool(),
                    pooled.rounds(), pooled.round().toMillis(), pooled.waiters(), pooled.herdRounds(),
                    full ? " (--full)" : " (default; figures are indicative)"));
        }
        return out.toString();
    }

    /**
     * @param json    the file name of JMH's JSON, beside the report
     * @param samples the file name of the exact samples, beside the report
     * @param notes   the hand-written part of the report being rewritten, from {@link #NOTES_MARKER} on; {@code null}
     *                for a new report
     */
    static String markdown(String environment, List<Table> tables, String[] args, String json, String samples,
                           String notes) {
        StringBuilder out = new StringBuilder("# dlock benchmark results\n\n");
        out.append("Everything above the Notes is written by the suite from the run.\n\n");
        out.append("Command: `java -cp dlock-bench/target/dlock-bench.jar dev.dlock.bench.Suite")
                .append(args.length > 0 ? " " + String.join(" ", args) : "")
                .append("`\n\n```\n").append(environment).append("```\n\n");
        out.append("Every figure below, recomputable: JMH's JSON of this run in [").append(json).append("](")
                .append(json).append("), the exact samples JMH's JSON keeps only as means (timeout overshoots) in [")
                .append(samples).append("](").append(samples).append(").\n\n");
        tables.forEach(t -> out.append(t.toMarkdown()));
        out.append("## Notes\n\n").append(notes != null ? notes : NOTES_MARKER
                + "\n\n<!-- For each target marked missed: by how much, and why (issue 5). -->\n");
        return out.toString();
    }

    /**
     * @param module a folder of the checkout the suite runs from
     * @return the git commit checked out there, and whether tracked files differ from it; or why it is unknown
     */
    private static String codeVersion(Path module) {
        try {
            String commit = git(module, "rev-parse", "HEAD");
            boolean changed = !git(module, "status", "--porcelain", "--untracked-files=no").isEmpty();
            return "git commit " + commit + (changed ? ", with uncommitted changes" : "");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String git(Path folder, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git", "-C", folder.toString()));
        command.addAll(List.of(args));
        Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (git.waitFor() != 0) {
                throw new IOException("not a git checkout: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking git", e);
        }
        return output;
    }

    /** Starts (or reaches) the server once more, after the forks are done, to ask its version. */
    private static String serverVersion(String db) {
        try {
            BenchDatabase database = BenchDatabase.of(db);
            try (Connection connection = database.connect()) {
                return connection.getMetaData().getDatabaseProductName() + " "
                        + connection.getMetaData().getDatabaseProductVersion() + ", " + database.description()
                        + "; driver " + connection.getMetaData().getDriverName() + " "
                        + connection.getMetaData().getDriverVersion();
            }
        } catch (SQLException | RuntimeException e) {
            return "version unknown (" + e.getMessage() + ")";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    /** The module's {@code target/}: where the jar (or the classes) are, whatever the working directory. */
    private static Path moduleTarget() {
        try {
            return Path.of(Suite.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().getParent();
        } catch (URISyntaxException e) {
            return Path.of("target");
        }
    }

    private static TimeValue seconds(int s) {
        return TimeValue.seconds(s);
    }
}
