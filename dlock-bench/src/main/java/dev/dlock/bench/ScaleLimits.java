package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postgresql.util.PSQLException;

/**
 * The databases' own limits on the locks sessions hold (issue 15), measured by climbing: a session takes locks
 * ({@link HeldLocks}) one statement each until the server refuses one, a ceiling, or a time limit, and each
 * take is timed. Measured by a program, not JMH: the figure is where a climb stops and how its steps grow.
 *
 * <pre>
 * java -cp dlock-bench/target/dlock-bench.jar dev.dlock.bench.ScaleLimits [--db postgresql,mariadb]
 *     [--mariadb-ceiling N] [--time-limit SECONDS]
 * </pre>
 *
 * <ul>
 *   <li>PostgreSQL keeps every session's advisory locks in one lock table in shared memory, sized at start by
 *       {@code max_locks_per_transaction} × (connections): one session climbs until the server refuses a lock
 *       (SQLSTATE 53200, "out of shared memory"); on that full table dlock's {@code tryAcquire()} and
 *       {@code acquire(Duration)} are tried, to show what a caller gets; then, whether the table is shared, one
 *       session takes half of what the first reached and a second climbs until refused.</li>
 *   <li>MariaDB keeps named locks in the session's memory: one session climbs to {@code --mariadb-ceiling}
 *       (100,000 by default), and dlock's {@code tryAcquire()} + {@code release()} is tried at the top.</li>
 * </ul>
 */
public final class ScaleLimits {
    /** Far beyond any lock table a default configuration gives: the climb ends where the server refuses. */
    static final int POSTGRESQL_CEILING = 10_000_000;
    static final int MARIADB_CEILING = 100_000;
    static final Duration TIME_LIMIT = Duration.ofMinutes(5);
    /** PostgreSQL's "out of shared memory": the lock table is full. */
    static final String OUT_OF_SHARED_MEMORY = "53200";
    private static final String DLOCK_KEY = "dlock-bench:limits";

    private ScaleLimits() {
    }

    /** Opens sessions on one server. */
    @FunctionalInterface
    interface Sessions {
        /** @return a new connection in auto-commit mode; the caller closes it */
        Connection open() throws SQLException;
    }

    /**
     * Where one session's climb stopped.
     *
     * @param taken     how many locks the climb took (not counting any the session held before it)
     * @param refusal   the server's refusal of the next one; {@code null} if it stopped at the ceiling or the time
     *                  limit
     * @param stretches the mean time of a take over each stretch of the climb
     */
    record Climb(int taken, SQLException refusal, List<Stretch> stretches) {
        /** @return the refusal: its SQLSTATE, message and (on PostgreSQL) hint; or that there was none */
        String refusalText() {
            return refusal == null ? "no refusal" : sqlText(refusal);
        }
    }

    /** The mean time of one take, in µs, while the session held {@code from} to {@code to} locks. */
    record Stretch(int from, int to, double meanMicros) {
    }

    /** What a dlock call gave: its value, or what it threw. */
    record Outcome(Object value, Throwable thrown) {
        static Outcome of(Callable<?> call) {
            try {
                return new Outcome(call.call(), null);
            } catch (Exception e) {
                return new Outcome(null, e);
            }
        }

        @Override
        public String toString() {
            if (thrown == null) {
                return "returned " + value;
            }
            StringBuilder out = new StringBuilder("threw ").append(thrown.getClass().getName()).append(": ")
                    .append(thrown.getMessage());
            for (Throwable cause = thrown.getCause(); cause != null; cause = cause.getCause()) {
                out.append("; caused by ").append(cause instanceof SQLException sql ? sqlText(sql)
                        : cause.getClass().getName() + ": " + cause.getMessage());
            }
            return out.toString();
        }
    }

    /**
     * PostgreSQL's lock table, measured.
     *
     * @param settings      the server's settings that size it, by name
     * @param alone         one session's climb until refused
     * @param dlockTry      dlock's {@code tryAcquire()} on that full table
     * @param dlockAcquire  dlock's {@code acquire(Duration)} on it
     * @param firstSession  how many locks a first session then held (half of what {@code alone} took)
     * @param secondSession a second session's climb beside it, until refused
     */
    record PostgresLimit(Map<String, String> settings, Climb alone, Outcome dlockTry, Outcome dlockAcquire,
                         int firstSession, Climb secondSession) {
        /** @return the table's size as PostgreSQL's documentation gives it: locks × (connections + prepared) */
        long documentedSize() {
            return Long.parseLong(settings.get("max_locks_per_transaction"))
                    * (Long.parseLong(settings.get("max_connections"))
                    + Long.parseLong(settings.get("max_prepared_transactions")));
        }

        String text() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "  settings: %s; documented lock table: %,d%n", settings,
                    documentedSize()));
            out.append(String.format(Locale.ROOT, "  one session: %,d advisory locks, then %s%n", alone.taken(),
                    alone.refusalText()));
            out.append(stretchesText(alone));
            out.append("  on that full table, dlock tryAcquire() ").append(dlockTry).append('\n');
            out.append("  on that full table, dlock acquire(1 s) ").append(dlockAcquire).append('\n');
            out.append(String.format(Locale.ROOT, "  two sessions: the first holds %,d, the second then took %,d"
                            + " before %s: %,d together, against %,d for one session alone%n", firstSession,
                    secondSession.taken(), secondSession.refusalText(), firstSession + secondSession.taken(),
                    alone.taken()));
            return out.toString();
        }
    }

    /**
     * MariaDB's named locks on one session, measured.
     *
     * @param version     the server's version
     * @param climb       the climb to the ceiling, or until refused or out of time
     * @param dlockAtTop  dlock's {@code tryAcquire()} + {@code release()} with the climb's locks held
     */
    record MariaDbLimit(String version, Climb climb, Outcome dlockAtTop) {
        String text() {
            return String.format(Locale.ROOT, "  version %s%n  one session: %,d named locks, %s%n", version,
                    climb.taken(), climb.refusal() == null ? "none refused" : "then " + climb.refusalText())
                    + stretchesText(climb)
                    + "  with them held, dlock tryAcquire() + release() " + dlockAtTop + '\n';
        }
    }

    /**
     * Runs the measurements and prints their figures.
     *
     * @param args {@code --db postgresql,mariadb}, {@code --mariadb-ceiling N}, {@code --time-limit SECONDS}
     */
    public static void main(String[] args) throws SQLException {
        List<String> dbs = null;
        int mariaDbCeiling = MARIADB_CEILING;
        Duration timeLimit = TIME_LIMIT;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--db" -> dbs = Arrays.asList(args[++i].split(","));
                case "--mariadb-ceiling" -> mariaDbCeiling = Integer.parseInt(args[++i]);
                case "--time-limit" -> timeLimit = Duration.ofSeconds(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --db LIST, --mariadb-ceiling N, --time-limit SECONDS");
            }
        }
        if (dbs == null) {
            dbs = new ArrayList<>(List.of(BenchDatabase.POSTGRESQL));
            if (BenchDatabase.mariaDbUnavailableReason() == null) {
                dbs.add(BenchDatabase.MARIADB);
            }
        }
        for (String db : dbs) {
            BenchDatabase database = BenchDatabase.of(db);
            System.out.println(Report.label(db) + " (" + database.description() + "):");
            if (database.raw() == RawStatements.POSTGRESQL) {
                System.out.print(postgres(database::connect, timeLimit).text());
            } else {
                System.out.print(mariaDb(database::connect, mariaDbCeiling, timeLimit).text());
            }
            System.out.flush();
        }
    }

    /** Measures PostgreSQL's lock table on the server {@code sessions} reach, which nothing else may be using. */
    static PostgresLimit postgres(Sessions sessions, Duration timeLimit) throws SQLException {
        Map<String, String> settings = new LinkedHashMap<>();
        Climb alone;
        Outcome dlockTry;
        Outcome dlockAcquire;
        try (Connection first = sessions.open(); HeldLocks held = new HeldLocks(first, RawStatements.POSTGRESQL)) {
            for (String name : List.of("max_locks_per_transaction", "max_connections", "max_prepared_transactions")) {
                settings.put(name, show(first, name));
            }
            try {
                alone = climb(held, 1, POSTGRESQL_CEILING, 1000, timeLimit);
                DistributedLock lock = Locks.forConnection(first, DLOCK_KEY);
                dlockTry = Outcome.of(() -> releasedIfAcquired(lock, lock.tryAcquire()));
                dlockAcquire = Outcome.of(() -> {
                    lock.acquire(Duration.ofSeconds(1));
                    lock.release();
                    return "and released";
                });
            } finally {
                held.releaseAll();
            }
        }
        int half = alone.taken() / 2;
        Climb second;
        try (Connection first = sessions.open(); HeldLocks firstHeld = new HeldLocks(first, RawStatements.POSTGRESQL);
             Connection other = sessions.open(); HeldLocks otherHeld = new HeldLocks(other, RawStatements.POSTGRESQL)) {
            try {
                firstHeld.takeFirst(half);
                second = climb(otherHeld, half + 1, POSTGRESQL_CEILING, 1000, timeLimit);
            } finally {
                otherHeld.releaseAll();
                firstHeld.releaseAll();
            }
        }
        return new PostgresLimit(settings, alone, dlockTry, dlockAcquire, half, second);
    }

    /** Measures how MariaDB bears one session's named locks, up to {@code ceiling} of them. */
    static MariaDbLimit mariaDb(Sessions sessions, int ceiling, Duration timeLimit) throws SQLException {
        try (Connection session = sessions.open(); HeldLocks held = new HeldLocks(session, RawStatements.MARIADB)) {
            try {
                Climb climb = climb(held, 1, ceiling, Math.max(1, ceiling / 10), timeLimit);
                DistributedLock lock = Locks.forConnection(session, DLOCK_KEY);
                Outcome dlock = Outcome.of(() -> releasedIfAcquired(lock, lock.tryAcquire()));
                return new MariaDbLimit(session.getMetaData().getDatabaseProductVersion(), climb, dlock);
            } finally {
                held.releaseAll();
            }
        }
    }

    /**
     * Takes locks {@code first}, {@code first + 1}, ... one statement each, timing each, until the server refuses
     * one, {@code ceiling} are taken, or {@code timeLimit} has passed.
     *
     * @param stretch over how many takes each mean time is reported
     * @throws IllegalStateException if a lock is not granted: another session holds it
     */
    static Climb climb(HeldLocks held, int first, int ceiling, int stretch, Duration timeLimit) {
        long deadline = System.nanoTime() + timeLimit.toNanos();
        List<Stretch> stretches = new ArrayList<>();
        long stretchNanos = 0;
        int taken = 0;
        while (taken < ceiling && System.nanoTime() - deadline < 0) {
            long start = System.nanoTime();
            try {
                if (!held.takeOne(first + taken)) {
                    throw new IllegalStateException("lock " + (first + taken) + " was not granted: another session"
                            + " holds it");
                }
            } catch (SQLException refusal) {
                addStretch(stretches, taken, stretchNanos);
                return new Climb(taken, refusal, stretches);
            }
            stretchNanos += System.nanoTime() - start;
            taken++;
            if (taken % stretch == 0) {
                addStretch(stretches, taken, stretchNanos);
                stretchNanos = 0;
            }
        }
        addStretch(stretches, taken, stretchNanos);
        return new Climb(taken, null, stretches);
    }

    /** Adds the stretch that ends at {@code taken}, if it has any takes not yet reported. */
    private static void addStretch(List<Stretch> stretches, int taken, long nanos) {
        int from = stretches.isEmpty() ? 0 : stretches.get(stretches.size() - 1).to();
        if (taken > from) {
            stretches.add(new Stretch(from, taken, nanos / 1000.0 / (taken - from)));
        }
    }

    private static String stretchesText(Climb climb) {
        StringBuilder out = new StringBuilder("  µs per take, mean over each stretch of locks held:");
        for (Stretch s : climb.stretches()) {
            out.append(String.format(Locale.ROOT, " %,d–%,d: %.0f;", s.from(), s.to(), s.meanMicros()));
        }
        out.setLength(out.length() - 1);
        return out.append('\n').toString();
    }

    private static Object releasedIfAcquired(DistributedLock lock, boolean acquired) {
        if (acquired) {
            lock.release();
            return "true, and released";
        }
        return false;
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** @return an exception's SQLSTATE, message and, from PostgreSQL, its hint */
    static String sqlText(SQLException e) {
        String hint = e instanceof PSQLException psql && psql.getServerErrorMessage() != null
                ? psql.getServerErrorMessage().getHint() : null;
        return "SQLSTATE " + e.getSQLState() + " (" + e.getClass().getName() + "): "
                + e.getMessage().lines().findFirst().orElse("") + (hint != null ? " [hint: " + hint + "]" : "");
    }
}
