package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.FaultContract;

class MariaDbDriverFaultTest extends FaultContract {
    @Override
    protected DialectUnderTest dialect() {
        return MariaDbDialect.MARIADB_DRIVER;
    }
}
