package dev.dlock.postgresql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.LossContract;

class PostgresLossTest extends LossContract {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }
}
