package dev.dlock.mysql;

import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;

/** The contract on MariaDB through {@code org.mariadb.jdbc:mariadb-java-client}. */
class MariaDbDriverContractTest extends NamedLockContract {
    @Override
    protected TestDatabase database() {
        return MariaDbDatabase.instance().throughMariaDbDriver();
    }
}
