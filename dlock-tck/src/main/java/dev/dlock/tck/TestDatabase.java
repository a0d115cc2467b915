package dev.dlock.tck;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;

/** A database the tests run against: an embedded server started by the tests, or one named by a URL. */
public interface TestDatabase {

    /**
     * @return a new connection, in auto-commit mode; the caller closes it
     * @throws SQLException if the server cannot be reached
     */
    Connection connect() throws SQLException;

    /** @return what this database is, for test output */
    String description();

    /**
     * @return the JDBC URL connections are opened with, for tests that point a copy of it elsewhere (a proxy);
     *         empty if connections are not opened by URL
     */
    default Optional<String> jdbcUrl() {
        return Optional.empty();
    }

    /**
     * @param url         a JDBC URL that needs nothing else to connect (user and password in it)
     * @param description what the database is, for test output
     * @return the database whose connections {@link DriverManager} opens with {@code url}
     */
    static TestDatabase atUrl(String url, String description) {
        return new TestDatabase() {
            @Override
            public Connection connect() throws SQLException {
                return DriverManager.getConnection(url);
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public Optional<String> jdbcUrl() {
                return Optional.of(url);
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }
}
