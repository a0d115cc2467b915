package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MutualExclusionProperty;

class MariaDbDriverMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.MARIADB_DRIVER;
    }
}
