package dev.dlock.oracle;

import dev.dlock.tck.MutualExclusionProperty;
import dev.dlock.tck.DialectUnderTest;

/**
 * The mutual-exclusion property on Oracle ({@code DLOCK_TEST_ORACLE_URL}, or a Testcontainers Oracle 23ai Free);
 * skipped with the reason where neither is here.
 */
class OracleMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return OracleDialect.INSTANCE;
    }
}
