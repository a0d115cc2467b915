package dev.dlock.tck;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PgBouncer of one test's own, in transaction pooling mode, in front of a PostgreSQL: what many production
 * deployments put between a service and its database, and what strands session locks. Started from Debian's
 * {@code pgbouncer} package (which {@code .ci/run} installs), on a free loopback port, with its files in a short
 * folder under {@code /tmp}; stopped by {@link #close()}. PgBouncer refuses to run as root, so a root JVM runs it
 * as the user {@code postgres} (which the package creates).
 */
public final class PgBouncer implements AutoCloseable {
    /** Set (to anything) by {@code .ci/run}: a missing PgBouncer fails the tests there instead of skipping them. */
    public static final String REQUIRED_VARIABLE = "DLOCK_TEST_PGBOUNCER_REQUIRED";
    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/pgbouncer"), Path.of("/usr/bin/pgbouncer"));
    private static final long SANITY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Process process;
    private final Path directory;
    private final int port;

    private PgBouncer(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** @return why no PgBouncer can be started here, or empty if one can */
    public static Optional<String> unavailable() {
        if (binary().isEmpty()) {
            return Optional.of("pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run does it)");
        }
        if (isRoot() && !Files.isExecutable(Path.of("/usr/sbin/runuser"))) {
            return Optional.of("the JVM runs as root, which PgBouncer refuses, and there is no runuser to drop to"
                    + " the user postgres");
        }
        return Optional.empty();
    }

    /**
     * Starts a PgBouncer in transaction mode in front of {@code postgres}.
     *
     * @param postgres       the server, reached by TCP (its URL names host and port)
     * @param serverPoolSize the most server sessions PgBouncer opens to it
     * @return the running PgBouncer
     * @throws IOException if it cannot start
     */
    public static PgBouncer start(PostgresDatabase postgres, int serverPoolSize) throws IOException {
        URI backend = URI.create(postgres.url().substring("jdbc:".length()));
        Path binary = binary().orElseThrow(() -> new IllegalStateException(unavailable().orElse("no pgbouncer")));
        Path directory = SocketDirectory.create();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path config = directory.resolve("pgbouncer.ini");
        Files.writeString(config, String.join("\n",
                "[databases]",
                "postgres = host=" + backend.getHost() + " port=" + backend.getPort() + " dbname=postgres user=postgres",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = any",
                "pool_mode = transaction",
                "default_pool_size = " + serverPoolSize,
                "max_client_conn = 500",
                "server_round_robin = 0",
                "ignore_startup_parameters = extra_float_digits,options",
                "logfile = " + directory.resolve("pgbouncer.log"),
                "pidfile = " + directory.resolve("pgbouncer.pid"),
                ""));
        // the user postgres writes its log and pid there
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of(binary.toString(), config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("pgbouncer.out").toFile()).start();
        PgBouncer bouncer = new PgBouncer(process, directory, port);
        bouncer.awaitListening();
        return bouncer;
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + SANITY_NANOS;
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                    String output = log();
                    close();
                    throw new IOException("PgBouncer did not start listening on port " + port + ": " + output, notYet);
                }
                try {
                    process.waitFor(10, TimeUnit.MILLISECONDS); // asks the process, rather than sleeping
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while PgBouncer started", e);
                }
            }
        }
    }

    /**
     * @return connections through PgBouncer; pgjdbc's server-side prepared statements are off
     *         ({@code prepareThreshold=0}), as PgBouncer's transaction mode needs
     */
    public TestDatabase database() {
        return TestDatabase.atUrl("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&prepareThreshold=0",
                "PgBouncer (transaction pooling) on port " + port);
    }

    /** @return what PgBouncer wrote to its log and its standard output, for failure messages */
    public String log() {
        StringBuilder text = new StringBuilder();
        for (String name : List.of("pgbouncer.log", "pgbouncer.out")) {
            try {
                Path file = directory.resolve(name);
                if (Files.exists(file)) {
                    text.append(Files.readString(file));
                }
            } catch (IOException e) {
                text.append('(').append(name).append(": ").append(e.getMessage()).append(')');
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: an immediate shutdown for PgBouncer
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            SocketDirectory.delete(directory);
        }
    }

    private static Optional<Path> binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst();
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }
}
