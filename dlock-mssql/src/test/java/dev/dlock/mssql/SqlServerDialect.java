package dev.dlock.mssql;

import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.RestartableServer;
import dev.dlock.tck.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * SQL Server for the test kit, whichever server runs it ({@link SqlServerDatabase}). The server's view:
 * {@code APPLOCK_TEST} (can an exclusive session lock be granted to the observer?) for holders, and
 * {@code sys.dm_tran_locks} for waiters and for who holds what, whose {@code resource_description} shows the first 32
 * characters of the name; {@code KILL} ends a session. The lock's name is the key itself, at most 255 characters.
 * Not run here (no Docker engine, no server): it runs the day {@code DLOCK_TEST_MSSQL_URL} or Docker is present.
 */
final class SqlServerDialect implements DialectUnderTest {
    static final SqlServerDialect INSTANCE = new SqlServerDialect();
    private static final String LOCK_EMOJI = "\uD83D\uDD12";

    private SqlServerDialect() {
    }

    @Override
    public String name() {
        return "SQL Server: " + SqlServerDatabase.SERVER.name();
    }

    @Override
    public Optional<String> unavailable() {
        return SqlServerDatabase.SERVER.unavailable();
    }

    @Override
    public TestDatabase database() {
        return SqlServerDatabase.SERVER.database();
    }

    @Override
    public Set<LockMode> supportedModes() {
        return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED, LockMode.UPDATE, LockMode.INTENT_SHARED,
                LockMode.INTENT_EXCLUSIVE);
    }

    @Override
    public Set<LockScope> supportedScopes() {
        return EnumSet.allOf(LockScope.class);
    }

    @Override
    public boolean isLockedOnServer(Connection observer, Object databaseKey) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "SELECT APPLOCK_TEST('public', ?, 'Exclusive', 'Session')")) {
            statement.setString(1, (String) databaseKey);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 0;
            }
        }
    }

    @Override
    public int waitersOnServer(Connection observer, Object databaseKey) throws SQLException {
        return applicationLocks(observer, (String) databaseKey, "WAIT", null);
    }

    @Override
    public long sessionId(Connection session) throws SQLException {
        try (Statement statement = session.createStatement(); ResultSet rs = statement.executeQuery("SELECT @@SPID")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public boolean isHeldBy(Connection observer, Object databaseKey, long sessionId) throws SQLException {
        return applicationLocks(observer, (String) databaseKey, "GRANT", sessionId) > 0;
    }

    /** The names are shown cut at 32 characters, so a lock is found by that prefix, bracketed or not. */
    private static int applicationLocks(Connection observer, String name, String status, Long sessionId)
            throws SQLException {
        String shown = escapeLike(name.substring(0, Math.min(32, name.length())));
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM sys.dm_tran_locks"
                + " WHERE resource_type = 'APPLICATION' AND request_status = ? AND resource_database_id = DB_ID()"
                + " AND (resource_description LIKE ? ESCAPE '\\' OR resource_description LIKE ? ESCAPE '\\')"
                + (sessionId == null ? "" : " AND request_session_id = ?"))) {
            statement.setString(1, status);
            statement.setString(2, "%:\\[" + shown + "\\]:%");
            statement.setString(3, "%:" + shown + ":%");
            if (sessionId != null) {
                statement.setLong(4, sessionId);
            }
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
    public OptionalInt locksHeldBy(Connection observer, long sessionId) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM sys.dm_tran_locks"
                + " WHERE resource_type = 'APPLICATION' AND request_status = 'GRANT' AND request_session_id = ?")) {
            statement.setLong(1, sessionId);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return OptionalInt.of(rs.getInt(1));
            }
        }
    }

    @Override
    public void killSession(Connection observer, long sessionId) throws SQLException {
        try (Statement kill = observer.createStatement()) {
            kill.execute("KILL " + sessionId); // a number the server gave, not input
        }
    }

    /** sp_releaseapplock takes one name: SQL Server has no statement that releases all of a session's locks. */
    @Override
    public Optional<String> releaseAllLocksQuery() {
        return Optional.empty();
    }

    @Override
    public Optional<Object> expectedDatabaseKey(String key) {
        return key.length() > SqlServerLockProvider.MAX_RESOURCE_LENGTH ? Optional.empty() : Optional.of(key);
    }

    @Override
    public Optional<Object> expectedDatabaseKey(long key) {
        return Optional.of(Long.toString(key));
    }

    /** The limit counts UTF-16 units (nvarchar(255)): a 4-byte character takes two. */
    @Override
    public List<String> keysAtTheLengthLimit() {
        return List.of("k".repeat(255), "\u20ac".repeat(255), LOCK_EMOJI.repeat(127) + "k", "'".repeat(255));
    }

    @Override
    public List<String> keysPastTheLengthLimit() {
        return List.of("k".repeat(256), LOCK_EMOJI.repeat(128));
    }

    /**
     * A failed statement leaves a SQL Server transaction usable unless XACT_ABORT is on, which a connection is not by
     * default: there is no failed-transaction state to test.
     */
    @Override
    public Optional<String> breakTransaction(Connection connection) {
        return Optional.empty();
    }

    @Override
    public RestartableServer startRestartableServer(Path directory) {
        return Assumptions.abort("a SQL Server at a URL or in a container cannot be stopped and started by the test");
    }

    @Override
    public boolean transactionLocksReleasable() {
        return true;
    }

    @Override
    public String createTableIfMissing(String table, String columns) {
        return "IF OBJECT_ID(N'" + table + "', N'U') IS NULL CREATE TABLE " + table + " (" + columns + ")";
    }
}
