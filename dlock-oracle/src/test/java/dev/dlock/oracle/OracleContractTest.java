package dev.dlock.oracle;

import dev.dlock.tck.DialectContract;
import dev.dlock.tck.DialectUnderTest;

/**
 * Every contract of the test kit on Oracle ({@code DLOCK_TEST_ORACLE_URL}, or a Testcontainers Oracle 23ai Free);
 * skipped with the reason where neither is here.
 */
class OracleContractTest extends DialectContract {
    @Override
    protected DialectUnderTest dialect() {
        return OracleDialect.INSTANCE;
    }
}
