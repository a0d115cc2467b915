package dev.dlock.mysql;

import dev.dlock.tck.MutualExclusionProperty;
import dev.dlock.tck.DialectUnderTest;

/**
 * The mutual-exclusion property on MySQL 8 ({@code DLOCK_TEST_MYSQL_URL}, or a Testcontainers MySQL 8.4); skipped with
 * the reason where neither is here.
 */
class MySqlMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.MYSQL;
    }
}
