package dev.dlock.postgresql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.HostileInputContract;

class PostgresHostileInputTest extends HostileInputContract {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }
}
