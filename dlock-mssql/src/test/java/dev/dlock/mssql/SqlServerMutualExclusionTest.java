package dev.dlock.mssql;

import dev.dlock.tck.MutualExclusionProperty;
import dev.dlock.tck.DialectUnderTest;

/**
 * The mutual-exclusion property on SQL Server ({@code DLOCK_TEST_MSSQL_URL}, or a Testcontainers SQL Server 2022);
 * skipped with the reason where neither is here.
 */
class SqlServerMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return SqlServerDialect.INSTANCE;
    }
}
