package dev.dlock.postgresql;

import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MutualExclusionProperty;

/** The mutual-exclusion property on PostgreSQL, every worker's locks sharing pooled connections. */
class PostgresSharedSessionsMutualExclusionTest extends MutualExclusionProperty {
    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }

    @Override
    protected boolean throughSharedSessions() {
        return true;
    }
}
