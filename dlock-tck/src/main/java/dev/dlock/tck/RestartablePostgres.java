package dev.dlock.tck;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An embedded PostgreSQL (zonky) of one test's own, on a fixed port and data folder under {@code target/}, kept
 * between stop and start ({@code setCleanDataDirectory(false)}), with its Unix socket in a short folder of its own
 * ({@link SocketDirectory}) deleted by {@link #close()}. Connections use pgjdbc's {@code socketTimeout}.
 */
public final class RestartablePostgres implements RestartableServer {
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private final Path directory;
    private final Path socketDirectory;
    private final int port;
    private EmbeddedPostgres server;

    private RestartablePostgres(Path directory, Path socketDirectory, int port) {
        this.directory = directory;
        this.socketDirectory = socketDirectory;
        this.port = port;
    }

    /**
     * @param directory where the data goes; {@link #close()} deletes it
     * @return the started server
     * @throws IOException           if it cannot start
     * @throws IllegalStateException if this machine cannot run an embedded PostgreSQL, saying why
     */
    public static RestartablePostgres start(Path directory) throws IOException {
        EmbeddedPostgresPrecondition.require();
        if (System.getProperty("ot.epg.working-dir") == null) {
            System.setProperty("ot.epg.working-dir", WorkDirectory.of("embedded-pg").toString());
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path socketDirectory = SocketDirectory.create();
        try {
            RestartablePostgres restartable = new RestartablePostgres(Files.createDirectories(directory),
                    socketDirectory, port);
            restartable.start();
            return restartable;
        } catch (IOException | RuntimeException e) {
            SocketDirectory.delete(socketDirectory);
            throw e;
        }
    }

    @Override
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already running");
        }
        Path data = directory.resolve("data");
        server = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setServerConfig("unix_socket_directories", socketDirectory.toString())
                .start();
    }

    @Override
    public synchronized void stop() throws IOException {
        if (server != null) {
            EmbeddedPostgres running = server;
            server = null;
            running.close();
        }
    }

    @Override
    public Path socketDirectory() {
        return socketDirectory;
    }

    @Override
    public TestDatabase database() {
        String url = "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres&socketTimeout="
                + SOCKET_TIMEOUT.toSeconds();
        return TestDatabase.atUrl(url, "restartable embedded PostgreSQL on port " + port);
    }

    @Override
    public Duration socketTimeout() {
        return SOCKET_TIMEOUT;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            WorkDirectory.delete(directory);
            SocketDirectory.delete(socketDirectory);
        }
    }
}
