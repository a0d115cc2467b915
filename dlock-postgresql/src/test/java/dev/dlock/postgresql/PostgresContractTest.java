package dev.dlock.postgresql;

import dev.dlock.DistributedLock;
import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.LockContract;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    @Override
    protected void killSession(Connection observer, Connection victim) throws SQLException {
        int pid;
        try (Statement statement = victim.createStatement();
             ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        try (PreparedStatement kill = observer.prepareStatement("SELECT pg_terminate_backend(?)")) {
            kill.setInt(1, pid);
            kill.execute();
        }
    }
}
