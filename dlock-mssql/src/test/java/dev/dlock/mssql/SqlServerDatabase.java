package dev.dlock.mssql;

import dev.dlock.tck.Containers;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
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

    private static SqlServerDatabase instance;

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

    /** @return which server the tests use */
    static String name() {
        return System.getenv(URL_VARIABLE) != null ? "SQL Server at " + URL_VARIABLE : "SQL Server 2022 in Testcontainers";
    }

    /** @return why no SQL Server can be reached here, or empty */
    static Optional<String> unavailable() {
        return System.getenv(URL_VARIABLE) != null ? Optional.empty() : Containers.unavailable()
                .map(reason -> reason + ", and " + URL_VARIABLE + " names no SQL Server");
    }

    /** @return the server at {@code DLOCK_TEST_MSSQL_URL}, or a container started at the first call */
    static synchronized SqlServerDatabase instance() {
        if (instance == null) {
            String url = System.getenv(URL_VARIABLE);
            instance = url != null ? new SqlServerDatabase(url, null, null, "SQL Server at " + URL_VARIABLE)
                    : startContainer();
        }
        return instance;
    }

    private static SqlServerDatabase startContainer() {
        @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
        MSSQLServerContainer<?> server = new MSSQLServerContainer<>(DockerImageName.parse(IMAGE)).acceptLicense();
        server.start();
        // the container's certificate is self-signed; mssql-jdbc encrypts by default
        return new SqlServerDatabase(server.getJdbcUrl() + ";trustServerCertificate=true", server.getUsername(),
                server.getPassword(), "SQL Server container " + IMAGE);
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
