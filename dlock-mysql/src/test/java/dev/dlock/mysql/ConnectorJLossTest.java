package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.LossContract;

class ConnectorJLossTest extends LossContract {
    @Override
    protected DialectUnderTest dialect() {
        return MariaDbDialect.CONNECTOR_J;
    }
}
