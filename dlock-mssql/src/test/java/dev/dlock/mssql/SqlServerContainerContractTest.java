package dev.dlock.mssql;

import dev.dlock.tck.TestDatabase;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The contract on a SQL Server 2022 container; skipped where Docker is missing or a server URL is given. */
@Testcontainers(disabledWithoutDocker = true)
@DisabledIfEnvironmentVariable(named = SqlServerDatabase.URL_VARIABLE, matches = ".+",
        disabledReason = "runs against " + SqlServerDatabase.URL_VARIABLE + " instead (SqlServerUrlContractTest)")
class SqlServerContainerContractTest extends SqlServerContract {
    @Override
    protected TestDatabase database() {
        return SqlServerDatabase.container();
    }
}
