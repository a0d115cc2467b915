package dev.dlock.mysql;

import dev.dlock.tck.DialectContract;
import dev.dlock.tck.DialectUnderTest;

/**
 * Every contract of the test kit on the embedded MariaDB through {@code com.mysql:mysql-connector-j}, which reports it
 * as product "MySQL".
 */
class ConnectorJOnMariaDbContractTest extends DialectContract {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.CONNECTOR_J;
    }
}
