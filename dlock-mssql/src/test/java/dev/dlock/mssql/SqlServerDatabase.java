package dev.dlock.mssql;

import dev.dlock.tck.TestDatabase;
import dev.dlock.tck.UrlOrContainer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.testcontainers.containers.MSSQLServerContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The SQL Server the test kit runs against: the server named by {@code DLOCK_TEST_MSSQL_URL} (a JDBC URL with
 * user and password in it), or one {@code mcr.microsoft.com/mssql/server:2022-latest} container per JVM, started
 * on first use and removed by Testcontainers when the JVM ends.
 */
final class SqlServerDatabase implements TestDatabase {
    static final String URL_VARIABLE = "DLOCK_TEST_MSSQL_URL";
    static final String IMAGE = "mcr.microsoft.com/mssql/server:2022-latest";
    static final UrlOrContainer SERVER = new UrlOrContainer(URL_VARIABLE,
            "SQL Server 2022 in Testcontainers", SqlServerDatabase::startContainer);

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
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public String description() {
        return description;
    }
}
