package dev.dlock.postgresql;

import dev.dlock.DistributedLock;
import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.LockContract;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/** The dlock contract on PostgreSQL, seen through {@link PostgresDialect} ({@code pg_locks}). */
class PostgresContractTest extends LockContract {
    private static final PostgresDialect DIALECT = PostgresDialect.INSTANCE;

    @Override
    protected TestDatabase database() {
        return DIALECT.database();
    }

    @Override
    protected boolean isLockedOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return DIALECT.isLockedOnServer(observer, lock.databaseKey());
    }

    @Override
    protected int waitersOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return DIALECT.waitersOnServer(observer, lock.databaseKey());
    }

    @Override
    protected Set<LockMode> supportedModes() {
        return DIALECT.supportedModes();
    }

    @Override
    protected Set<LockScope> supportedScopes() {
        return DIALECT.supportedScopes();
    }

    @Override
    protected void killSession(Connection observer, Connection victim) throws SQLException {
        DIALECT.killSession(observer, DIALECT.sessionId(victim));
    }
}
