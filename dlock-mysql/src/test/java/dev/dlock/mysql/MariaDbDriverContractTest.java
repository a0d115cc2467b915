package dev.dlock.mysql;

import dev.dlock.tck.DialectContract;
import dev.dlock.tck.DialectUnderTest;

/** Every contract of the test kit on the embedded MariaDB through {@code org.mariadb.jdbc:mariadb-java-client}. */
class MariaDbDriverContractTest extends DialectContract {
    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.MARIADB_DRIVER;
    }
}
