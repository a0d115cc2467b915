package dev.dlock.tck;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL the tests use: the server named by {@code DLOCK_TEST_POSTGRESQL_URL} (a JDBC URL with user and
 * password in it), or else one embedded server per JVM, started on first use and stopped at exit. Its data stays
 * under the build's {@code target/} folder, its Unix socket in a short folder of its own ({@link SocketDirectory}).
 */
public final class PostgresDatabase implements TestDatabase {
    /** The environment variable naming an existing server. */
    public static final String URL_VARIABLE = "DLOCK_TEST_POSTGRESQL_URL";

    private static PostgresDatabase instance;

    private final String url;
    private final String description;
    private final Closeable server;
    private final Path socketDirectory;

    private PostgresDatabase(String url, String description, Closeable server, Path socketDirectory) {
        this.url = url;
        this.description = description;
        this.server = server;
        this.socketDirectory = socketDirectory;
    }

    /** @return the one PostgreSQL of this JVM, started if needed */
    public static synchronized PostgresDatabase instance() {
        if (instance == null) {
            String external = System.getenv(URL_VARIABLE);
            if (external != null && !external.isBlank()) {
                instance = new PostgresDatabase(external, "PostgreSQL at " + URL_VARIABLE, null, null);
            } else {
                PostgresDatabase embedded = startEmbedded(WorkDirectory.of("embedded-pg"));
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop, "dlock-embedded-postgres-stop"));
                instance = embedded;
            }
        }
        return instance;
    }

    /**
     * Starts an embedded server with a new data folder under {@code base}, its binaries in zonky's working folder
     * ({@code ot.epg.working-dir}, set to {@code base} if unset) and its socket in a new {@link SocketDirectory}.
     *
     * @param base where the data goes
     * @return the started server; {@link #stop()} stops it
     * @throws IllegalStateException if this machine cannot run an embedded PostgreSQL, saying why
     */
    static PostgresDatabase startEmbedded(Path base) {
        EmbeddedPostgresPrecondition.require();
        if (System.getProperty("ot.epg.working-dir") == null) {
            System.setProperty("ot.epg.working-dir", base.toString());
        }
        Path socketDirectory = SocketDirectory.create();
        boolean started = false;
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(base), "data-");
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(true)
                    .setServerConfig("unix_socket_directories", socketDirectory.toString())
                    .setServerConfig("max_connections", "200")
                    .start();
            started = true;
            return new PostgresDatabase(server.getJdbcUrl("postgres", "postgres"),
                    "embedded PostgreSQL on port " + server.getPort(), server, socketDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        } finally {
            if (!started) {
                SocketDirectory.delete(socketDirectory);
            }
        }
    }

    /**
     * Stops an embedded server and deletes its data and socket folders, as far as it can; does nothing for a
     * server named by {@link #URL_VARIABLE}.
     */
    void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // leftovers only cost disk space: the data folder is under target/
        } finally {
            SocketDirectory.delete(socketDirectory);
        }
    }

    /** @return the folder of an embedded server's Unix socket; {@code null} for a server named by a URL */
    Path socketDirectory() {
        return socketDirectory;
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
