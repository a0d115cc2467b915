package dev.dlock.oracle;

import dev.dlock.tck.TestDatabase;
import dev.dlock.tck.UrlOrContainer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
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
    static final UrlOrContainer SERVER = new UrlOrContainer(URL_VARIABLE,
            "Oracle 23ai Free in Testcontainers", OracleDatabase::startContainer);

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

    private static OracleDatabase startContainer() {
        @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
        OracleContainer server = new OracleContainer(DockerImageName.parse(IMAGE));
        server.start();
        try {
            grant(server);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot grant the test user DBMS_LOCK, V$LOCK, V$SESSION and ALTER"
                    + " SYSTEM", e);
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
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public String description() {
        return description;
    }
}
