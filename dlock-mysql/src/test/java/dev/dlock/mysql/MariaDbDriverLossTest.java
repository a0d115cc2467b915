package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.LossContract;

class MariaDbDriverLossTest extends LossContract {
    @Override
    protected DialectUnderTest dialect() {
        return MariaDbDialect.MARIADB_DRIVER;
    }
}
