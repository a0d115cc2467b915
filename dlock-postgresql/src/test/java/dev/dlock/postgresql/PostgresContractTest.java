package dev.dlock.postgresql;

import dev.dlock.tck.DialectContract;
import dev.dlock.tck.DialectUnderTest;

/**
 * Every contract of the test kit on the embedded PostgreSQL, seen through {@link PostgresDialect} ({@code pg_locks}).
 */
class PostgresContractTest extends DialectContract {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }
}
