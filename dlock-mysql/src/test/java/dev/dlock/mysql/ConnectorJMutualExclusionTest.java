package dev.dlock.mysql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MutualExclusionProperty;

class ConnectorJMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.CONNECTOR_J;
    }
}
