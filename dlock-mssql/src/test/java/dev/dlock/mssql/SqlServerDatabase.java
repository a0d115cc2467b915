package dev.dlock.mssql;

import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.testcontainers.containers.MSSQLServerContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The SQL Server the contract runs against: the server named by {@code DLOCK_TEST_MSSQL_URL} (a JDBC URL with
 * user and password in it), or one {@code mcr.microsoft.com/mssql/server:2022-latest} container per JVM, started
 * on first use and removed by Testcontainers when the JVM ends.
 */
final class SqlServerDatabase implements TestDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_MSSQL_URL";
    static final String IMAGE = "mcr.microsoft.com/mssql/server:2022-latest";

    private static SqlServerDatabase container;
    private static SqlServerDatabase external;

    private final String url;
    private final String user;
    private final String password;
    private final String description;

    private SqlServerDatabase(String url, String user, String password, String description) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.description = description;
    }

    static synchronized SqlServerDatabase fromEnvironment() {
        if (external == null) {
            external = new SqlServerDatabase(System.getenv(URL_VARIABLE), null, null, "SQL Server at " + URL_VARIABLE);
        }
        return external;
    }

    static synchronized SqlServerDatabase container() {
        if (container == null) {
            MSSQLServerContainer<?> server = new MSSQLServerContainer<>(DockerImageName.parse(IMAGE)).acceptLicense();
            server.start();
            // the container's certificate is self-signed; mssql-jdbc encrypts by default
            container = new SqlServerDatabase(server.getJdbcUrl() + ";trustServerCertificate=true",
                    server.getUsername(), server.getPassword(), "SQL Server container " + IMAGE);
        }
        return container;
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
