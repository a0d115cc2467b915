package dev.dlock.oracle;

import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.testcontainers.oracle.OracleContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Oracle the contract runs against: the server named by {@code DLOCK_TEST_ORACLE_URL} (a JDBC URL with user
 * and password in it, whose user already has {@code EXECUTE} on {@code SYS.DBMS_LOCK} and {@code SELECT} on
 * {@code SYS.V_$LOCK}), or one {@code gvenzl/oracle-free} slim container per JVM, whose test user gets both grants
 * from SYS when it starts.
 */
final class OracleDatabase implements TestDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_ORACLE_URL";
    static final String IMAGE = "gvenzl/oracle-free:23-slim-faststart";

    private static OracleDatabase container;
    private static OracleDatabase external;

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

    static synchronized OracleDatabase fromEnvironment() {
        if (external == null) {
            external = new OracleDatabase(System.getenv(URL_VARIABLE), null, null, "Oracle at " + URL_VARIABLE);
        }
        return external;
    }

    static synchronized OracleDatabase container() throws SQLException {
        if (container == null) {
            OracleContainer server = new OracleContainer(DockerImageName.parse(IMAGE));
            server.start();
            grant(server);
            container = new OracleDatabase(server.getJdbcUrl(), server.getUsername(), server.getPassword(),
                    "Oracle container " + IMAGE);
        }
        return container;
    }

    /** DBMS_LOCK is not granted to PUBLIC, nor is V$LOCK: SYS grants both to the container's application user. */
    private static void grant(OracleContainer server) throws SQLException {
        Properties sys = new Properties();
        sys.setProperty("user", "sys");
        sys.setProperty("password", server.getPassword()); // the image sets one password for SYS and the app user
        sys.setProperty("internal_logon", "sysdba");
        try (Connection connection = DriverManager.getConnection(server.getJdbcUrl(), sys);
             Statement statement = connection.createStatement()) {
            statement.execute("GRANT EXECUTE ON SYS.DBMS_LOCK TO " + server.getUsername());
            statement.execute("GRANT SELECT ON SYS.V_$LOCK TO " + server.getUsername());
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
