package dev.dlock.postgresql;

import dev.dlock.DistributedLock;
import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.LockContract;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Set;

class PostgresContractTest extends LockContract {
    @Override
    protected TestDatabase database() {
        return PostgresDatabase.instance();
    }

    @Override
    protected boolean isLockedOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return PostgresServerView.sessions(observer, (Long) lock.databaseKey(), true) > 0;
    }

    @Override
    protected int waitersOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return PostgresServerView.sessions(observer, (Long) lock.databaseKey(), false);
    }

    @Override
    protected Set<LockMode> supportedModes() {
        return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED);
    }

    @Override
    protected Set<LockScope> supportedScopes() {
        return EnumSet.allOf(LockScope.class);
    }
}
