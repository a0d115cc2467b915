package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.HostileInputContract;

class ConnectorJHostileInputTest extends HostileInputContract {
    @Override
    protected DialectUnderTest dialect() {
        return MariaDbDialect.CONNECTOR_J;
    }
}
