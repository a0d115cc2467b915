package dev.dlock.postgresql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.FaultContract;

class PostgresFaultTest extends FaultContract {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }
}
