package dev.dlock.oracle;

import dev.dlock.tck.Containers;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import org.testcontainers.oracle.OracleContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Oracle the test kit runs against: the server named by {@code DLOCK_TEST_ORACLE_URL} (a JDBC URL with user
 * and password in it, whose user already has {@code EXECUTE} on {@code SYS.DBMS_LOCK}, {@code SELECT} on
 * {@code SYS.V_$LOCK} and {@code SYS.V_$SESSION}, and {@code ALTER SYSTEM} for the tests that end a session), or
 * one {@code gvenzl/oracle-free} slim container per JVM, whose test user gets those grants from SYS when it starts.
 */
final class OracleDatabase implements TestDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_ORACLE_URL";
    static final String IMAGE = "gvenzl/oracle-free:23-slim-faststart";

    private static OracleDatabase instance;

    private final String url;
    private final String user;
    private final String password;
    private final String description;

    private OracleDatabase(String url, String user, String password, String description) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.description = description;
    }

    /** @return which server the tests use */
    static String name() {
        return System.getenv(URL_VARIABLE) != null ? "Oracle at " + URL_VARIABLE : "Oracle 23ai Free in Testcontainers";
    }

    /** @return why no Oracle can be reached here, or empty */
    static Optional<String> unavailable() {
        return System.getenv(URL_VARIABLE) != null ? Optional.empty() : Containers.unavailable()
                .map(reason -> reason + ", and " + URL_VARIABLE + " names no Oracle");
    }

    /** @return the server at {@code DLOCK_TEST_ORACLE_URL}, or a container started (and granted to) at the first call */
    static synchronized OracleDatabase instance() {
        if (instance == null) {
            String url = System.getenv(URL_VARIABLE);
            instance = url != null ? new OracleDatabase(url, null, null, "Oracle at " + URL_VARIABLE) : startContainer();
        }
        return instance;
    }

    private static OracleDatabase startContainer() {
        @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
        OracleContainer server = new OracleContainer(DockerImageName.parse(IMAGE));
        server.start();
        try {
            grant(server);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot grant the test user DBMS_LOCK, V$LOCK, V$SESSION and ALTER SYSTEM", e);
        }
        return new OracleDatabase(server.getJdbcUrl(), server.getUsername(), server.getPassword(),
                "Oracle container " + IMAGE);
    }

    /**
     * DBMS_LOCK is not granted to PUBLIC, nor are V$LOCK and V$SESSION, nor ALTER SYSTEM (to end another session):
     * SYS grants them to the container's application user.
     */
    private static void grant(OracleContainer server) throws SQLException {
        Properties sys = new Properties();
        sys.setProperty("user", "sys");
        sys.setProperty("password", server.getPassword()); // the image sets one password for SYS and the app user
        sys.setProperty("internal_logon", "sysdba");
        try (Connection connection = DriverManager.getConnection(server.getJdbcUrl(), sys);
             Statement statement = connection.createStatement()) {
            statement.execute("GRANT EXECUTE ON SYS.DBMS_LOCK TO " + server.getUsername());
            statement.execute("GRANT SELECT ON SYS.V_$LOCK TO " + server.getUsername());
            statement.execute("GRANT SELECT ON SYS.V_$SESSION TO " + server.getUsername());
            statement.execute("GRANT ALTER SYSTEM TO " + server.getUsername());
        }
    }

    @Override
    public Connection connect() throws SQLException {
        return user == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, password);
    }

    @Override
    public String description() {
        return description;
    }
}
