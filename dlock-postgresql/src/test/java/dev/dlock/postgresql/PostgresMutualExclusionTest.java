package dev.dlock.postgresql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MutualExclusionProperty;

class PostgresMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }
}
