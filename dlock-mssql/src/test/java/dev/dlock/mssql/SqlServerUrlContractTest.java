package dev.dlock.mssql;

import dev.dlock.tck.TestDatabase;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The contract on the SQL Server that {@code DLOCK_TEST_MSSQL_URL} names; needs no Docker. */
@EnabledIfEnvironmentVariable(named = SqlServerDatabase.URL_VARIABLE, matches = ".+",
        disabledReason = SqlServerDatabase.URL_VARIABLE + " is not set (SqlServerContainerContractTest uses Docker)")
class SqlServerUrlContractTest extends SqlServerContract {
    @Override
    protected TestDatabase database() {
        return SqlServerDatabase.fromEnvironment();
    }
}
