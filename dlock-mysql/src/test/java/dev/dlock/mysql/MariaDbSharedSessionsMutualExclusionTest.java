package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MutualExclusionProperty;

/** The mutual-exclusion property on MariaDB through the MariaDB driver, every worker's locks sharing pooled connections. */
class MariaDbSharedSessionsMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.MARIADB_DRIVER;
    }

    @Override
    protected boolean throughSharedSessions() {
        return true;
    }
}
