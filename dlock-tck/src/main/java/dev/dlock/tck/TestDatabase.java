package dev.dlock.tck;

import java.sql.Connection;
import java.sql.SQLException;

/** A database the tests run against: an embedded server started by the tests, or one named by a URL. */
public interface TestDatabase {

    /**
     * @return a new connection, in auto-commit mode; the caller closes it
     * @throws SQLException if the server cannot be reached
     */
    Connection connect() throws SQLException;

    /** @return what this database is, for test output */
    String description();
}
