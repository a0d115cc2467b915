package dev.dlock.mysql;

import dev.dlock.tck.Containers;
import dev.dlock.tck.TestDatabase;
import java.util.Optional;
import org.testcontainers.containers.MySQLContainer;

/**
 * A MySQL 8 server for the test kit: the one named by {@code DLOCK_TEST_MYSQL_URL} (a {@code jdbc:mysql:} URL with
 * user and password in it), or else a Testcontainers MySQL 8.4, one per JVM, where Docker runs.
 */
final class MySqlDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_MYSQL_URL";
    private static TestDatabase instance;

    private MySqlDatabase() {
    }

    /** @return which server the tests use */
    static String description() {
        return System.getenv(URL_VARIABLE) != null ? "MySQL at " + URL_VARIABLE : "MySQL 8.4 in Testcontainers";
    }

    /** @return why no MySQL server can be reached here, or empty */
    static Optional<String> unavailable() {
        return System.getenv(URL_VARIABLE) != null ? Optional.empty() : Containers.unavailable()
                .map(reason -> reason + ", and " + URL_VARIABLE + " names no MySQL server");
    }

    /** @return the server at {@code DLOCK_TEST_MYSQL_URL}, or a container started at the first call */
    static synchronized TestDatabase instance() {
        if (instance == null) {
            String url = System.getenv(URL_VARIABLE);
            instance = url != null ? TestDatabase.atUrl(url, "MySQL at " + URL_VARIABLE) : startContainer();
        }
        return instance;
    }

    private static TestDatabase startContainer() {
        @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
        MySQLContainer<?> server = new MySQLContainer<>("mysql:8.4");
        server.start();
        String url = server.getJdbcUrl() + (server.getJdbcUrl().contains("?") ? "&" : "?") + "user="
                + server.getUsername() + "&password=" + server.getPassword();
        return TestDatabase.atUrl(url, "Testcontainers MySQL 8.4");
    }
}
