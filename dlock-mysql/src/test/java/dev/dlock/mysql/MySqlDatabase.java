package dev.dlock.mysql;

import dev.dlock.tck.TestDatabase;
import dev.dlock.tck.UrlOrContainer;
import org.testcontainers.containers.MySQLContainer;

/**
 * A MySQL 8 server for the test kit: the one named by {@code DLOCK_TEST_MYSQL_URL} (a {@code jdbc:mysql:} URL
 * with user and password in it), or else a Testcontainers MySQL 8.4, one per JVM, where Docker runs.
 */
final class MySqlDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_MYSQL_URL";
    static final UrlOrContainer SERVER = new UrlOrContainer(URL_VARIABLE, "MySQL 8.4 in Testcontainers",
            MySqlDatabase::startContainer);

    private MySqlDatabase() {
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
