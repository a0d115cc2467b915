package dev.dlock.tck;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The PostgreSQL the tests use: the server named by {@code DLOCK_TEST_POSTGRESQL_URL} (a JDBC URL with user and
 * password in it), or else one embedded server per JVM, started on first use and stopped at exit. Its data stays
 * under the build's {@code target/} folder, its Unix socket in a short folder of its own ({@link SocketDirectory}).
 */
public final class PostgresDatabase implements TestDatabase {
    /** The environment variable naming an existing server. */
    public static final String URL_VARIABLE = "DLOCK_TEST_POSTGRESQL_URL";

    /** What {@link #listeningOnAllAddresses()} adds to {@code pg_hba.conf}: any host, trusted as on loopback. */
    private static final String TRUST_ALL_HOSTS = "\nhost all all 0.0.0.0/0 trust\nhost all all ::/0 trust\n";

    private static PostgresDatabase instance;
    private static PostgresDatabase onAllAddresses;

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
     * A second embedded server of this JVM, started on first use and stopped at exit, for tests that reach it through
     * a {@link NetworkPartition}: it listens on all addresses (the one {@link #instance()} starts listens on
     * {@code localhost} only) and trusts connections from any host, as on loopback. It is embedded even when
     * {@link #URL_VARIABLE} names a server, since a partition can only be made around a server on this machine.
     *
     * @return the server; {@link #url()} reaches it on {@code localhost}, {@link #at} through the partition
     * @throws IllegalStateException if this machine cannot run an embedded PostgreSQL, saying why
     */
    public static synchronized PostgresDatabase listeningOnAllAddresses() {
        if (onAllAddresses == null) {
            PostgresDatabase embedded = startEmbedded(WorkDirectory.of("embedded-pg"), true);
            Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop, "dlock-embedded-postgres-all-stop"));
            onAllAddresses = embedded;
        }
        return onAllAddresses;
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
        return startEmbedded(base, false);
    }

    /**
     * Starts an embedded server as {@link #startEmbedded(Path)} does.
     *
     * @param base           where the data goes
     * @param onAllAddresses whether it listens on all addresses and trusts any host, or on {@code localhost} only
     * @return the started server; {@link #stop()} stops it
     */
    private static PostgresDatabase startEmbedded(Path base, boolean onAllAddresses) {
        EmbeddedPostgresPrecondition.require();
        if (System.getProperty("ot.epg.working-dir") == null) {
            System.setProperty("ot.epg.working-dir", base.toString());
        }
        Path socketDirectory = SocketDirectory.create();
        boolean started = false;
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(base), "data-");
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(true)
                    .setServerConfig("unix_socket_directories", socketDirectory.toString())
                    .setServerConfig("max_connections", "200");
            if (onAllAddresses) {
                builder.setServerConfig("listen_addresses", "0.0.0.0,::")
                        .setDataDirectoryCustomizer(PostgresDatabase::trustAllHosts);
            }
            EmbeddedPostgres server = builder.start();
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

    /** Adds {@link #TRUST_ALL_HOSTS} to the {@code pg_hba.conf} initdb wrote, before the server starts. */
    private static void trustAllHosts(File dataDirectory) {
        try {
            Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), TRUST_ALL_HOSTS,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot let any host in through " + dataDirectory + "/pg_hba.conf", e);
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

    /** @return the TCP port of its URL (5432 if the URL names none) */
    public int port() {
        return JdbcUrls.tcpAddress(url).map(InetSocketAddress::getPort).orElse(5432);
    }

    /**
     * @param address another address of this server, such as a {@link NetworkPartition#clientAddress()}
     * @return connections to this server at {@code address}, with the database, user and options of its URL
     */
    public TestDatabase at(InetSocketAddress address) {
        return TestDatabase.atUrl(JdbcUrls.at(url, address),
                description + " at " + address.getHostString() + ":" + address.getPort());
    }

    @Override
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    public Optional<String> jdbcUrl() {
        return Optional.of(url);
    }

    @Override
    public String description() {
        return description;
    }
}
