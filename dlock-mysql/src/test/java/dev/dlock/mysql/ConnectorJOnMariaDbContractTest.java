package dev.dlock.mysql;

import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;

/** The contract on MariaDB through {@code com.mysql:mysql-connector-j}, which reports it as product "MySQL". */
class ConnectorJOnMariaDbContractTest extends NamedLockContract {
    @Override
    protected TestDatabase database() {
        return MariaDbDatabase.instance().throughConnectorJ();
    }
}
