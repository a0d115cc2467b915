package dev.dlock.mssql;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.LockContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The dlock contract on SQL Server, whichever server runs it. The server's view: {@code APPLOCK_TEST} (can an
 * exclusive session lock be granted to the observer?) for holders, {@code sys.dm_tran_locks} for waiters, whose
 * {@code resource_description} shows the first 32 characters of the name.
 */
abstract class SqlServerContract extends LockContract {
    @Override
    protected void killSession(Connection observer, Connection victim) throws SQLException {
        int spid;
        try (Statement statement = victim.createStatement(); ResultSet rs = statement.executeQuery("SELECT @@SPID")) {
            rs.next();
            spid = rs.getInt(1);
        }
        try (Statement kill = observer.createStatement()) {
            kill.execute("KILL " + spid);
        }
    }

    @Override
    protected boolean isLockedOnServer(Connection observer, DistributedLock lock) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "SELECT APPLOCK_TEST('public', ?, 'Exclusive', 'Session')")) {
            statement.setString(1, (String) lock.databaseKey());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 0;
            }
        }
    }

    @Override
    protected int waitersOnServer(Connection observer, DistributedLock lock) throws SQLException {
        String name = (String) lock.databaseKey();
        String shown = escapeLike(name.substring(0, Math.min(32, name.length())));
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM sys.dm_tran_locks"
                + " WHERE resource_type = 'APPLICATION' AND request_status = 'WAIT' AND resource_database_id = DB_ID()"
                + " AND (resource_description LIKE ? ESCAPE '\\' OR resource_description LIKE ? ESCAPE '\\')")) {
            statement.setString(1, "%:\\[" + shown + "\\]:%");
            statement.setString(2, "%:" + shown + ":%");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static String escapeLike(String text) {
        return text.replaceAll("([\\\\\\[\\]%_])", "\\\\$1");
    }

    @Override
    protected Set<LockMode> supportedModes() {
        return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED, LockMode.UPDATE, LockMode.INTENT_SHARED,
                LockMode.INTENT_EXCLUSIVE);
    }

    @Override
    protected Set<LockScope> supportedScopes() {
        return EnumSet.allOf(LockScope.class);
    }

    @Override
    protected Optional<LockKey> keyTooLong() {
        return Optional.of(LockKey.of("x".repeat(SqlServerLockProvider.MAX_RESOURCE_LENGTH + 1)));
    }

    @Override
    protected boolean transactionLocksReleasable() {
        return true;
    }

    @Override
    protected String createProbeTable() {
        return "IF OBJECT_ID(N'dlock_probe', N'U') IS NULL CREATE TABLE dlock_probe (id INT)";
    }
}
