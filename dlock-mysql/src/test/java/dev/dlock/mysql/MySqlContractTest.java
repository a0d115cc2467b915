package dev.dlock.mysql;

import dev.dlock.tck.DialectContract;
import dev.dlock.tck.DialectUnderTest;

/**
 * Every contract of the test kit on MySQL 8 ({@code DLOCK_TEST_MYSQL_URL}, or a Testcontainers MySQL 8.4), through
 * Connector/J; skipped with the reason where neither is here.
 */
class MySqlContractTest extends DialectContract {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.MYSQL;
    }
}
