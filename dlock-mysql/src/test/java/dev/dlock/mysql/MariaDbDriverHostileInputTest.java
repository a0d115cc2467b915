package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.HostileInputContract;

class MariaDbDriverHostileInputTest extends HostileInputContract {
    @Override
    protected DialectUnderTest dialect() {
        return MariaDbDialect.MARIADB_DRIVER;
    }
}
