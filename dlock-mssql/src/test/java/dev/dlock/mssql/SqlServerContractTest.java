package dev.dlock.mssql;

import dev.dlock.tck.DialectContract;
import dev.dlock.tck.DialectUnderTest;

/**
 * Every contract of the test kit on SQL Server ({@code DLOCK_TEST_MSSQL_URL}, or a Testcontainers SQL Server 2022);
 * skipped with the reason where neither is here.
 */
class SqlServerContractTest extends DialectContract {
    @Override
    protected DialectUnderTest dialect() {
        return SqlServerDialect.INSTANCE;
    }
}
