package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.FaultContract;

class ConnectorJFaultTest extends FaultContract {
    @Override
    protected DialectUnderTest dialect() {
        return MariaDbDialect.CONNECTOR_J;
    }
}
