package dev.dlock.mysql;

import dev.dlock.tck.TestDatabase;
import org.testcontainers.containers.MySQLContainer;

/**
 * A MySQL 8 server for the contract: the one named by {@code DLOCK_TEST_MYSQL_URL} (a {@code jdbc:mysql:} URL
 * with user and password in it), or else a Testcontainers MySQL 8.4, one per JVM, where Docker runs.
 */
final class MySqlDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_MYSQL_URL";
    private static TestDatabase external;
    private static TestDatabase container;

    private MySqlDatabase() {
    }

    static synchronized TestDatabase external() {
        if (external == null) {
            String url = System.getenv(URL_VARIABLE);
            external = TestDatabase.atUrl(url, "MySQL at " + URL_VARIABLE);
        }
        return external;
    }

    static synchronized TestDatabase container() {
        if (container == null) {
            @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
            MySQLContainer<?> server = new MySQLContainer<>("mysql:8.4");
            server.start();
            String url = server.getJdbcUrl() + (server.getJdbcUrl().contains("?") ? "&" : "?") + "user="
                    + server.getUsername() + "&password=" + server.getPassword();
            container = TestDatabase.atUrl(url, "Testcontainers MySQL 8.4");
        }
        return container;
    }
}
