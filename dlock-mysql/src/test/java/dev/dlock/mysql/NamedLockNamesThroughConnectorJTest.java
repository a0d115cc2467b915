package dev.dlock.mysql;

import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;

/** Names on MariaDB through MySQL Connector/J. */
class NamedLockNamesThroughConnectorJTest extends NamedLockNamesContract {
    @Override
    TestDatabase database() {
        return MariaDbDatabase.instance().throughConnectorJ();
    }
}
