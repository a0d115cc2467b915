package dev.dlock.mysql;

import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;

/** Names on MariaDB through the MariaDB driver. */
class NamedLockNamesThroughMariaDbDriverTest extends NamedLockNamesContract {
    @Override
    TestDatabase database() {
        return MariaDbDatabase.instance().throughMariaDbDriver();
    }
}
